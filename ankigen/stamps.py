"""Note timestamps that move when, and only when, a note's content moves.

Anki updates an existing note only from a newer one (anki-facts.md points 2
and 11). A fixed build time would hide every edit; the wall clock would make
every build different. So each note's content hash and the time it last
changed are kept in a lock file beside the sources, committed with them.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

LOCK_VERSION = 1


@dataclass(frozen=True, slots=True)
class Stamp:
    digest: str
    mod: int


def content_digest(*parts: object) -> str:
    """A hash of anything JSON can write, stable across runs and machines."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now() -> int:
    """Build time in seconds; SOURCE_DATE_EPOCH pins it for reproducible rebuilds."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    return int(pinned) if pinned and pinned.isdigit() else int(time.time())


def restamp(previous: dict[str, Stamp], digests: dict[str, str], at: int) -> dict[str, Stamp]:
    """Unchanged content keeps its time; changed content gets a time later than its last."""
    stamps = {}
    for key, digest in digests.items():
        old = previous.get(key)
        if old is not None and old.digest == digest:
            stamps[key] = old
        else:
            stamps[key] = Stamp(digest, max(at, old.mod + 1) if old is not None else at)
    return stamps


def read_lock(path: Path) -> dict[str, Stamp]:
    """An unreadable or missing lock means every note is stamped anew: newer, never lost."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            key: Stamp(value["hash"], int(value["mod"])) for key, value in data["stamps"].items()
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_lock(path: Path, stamps: dict[str, Stamp]) -> None:
    data = {
        "version": LOCK_VERSION,
        "stamps": {key: {"hash": s.digest, "mod": s.mod} for key, s in sorted(stamps.items())},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
