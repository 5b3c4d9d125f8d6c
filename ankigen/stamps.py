"""Modification times that only ever go forward, for every note and note type.

Anki applies an incoming note or note type only when its `mod` is newer than
the one in the collection (anki-facts.md 2, 7b). So a stamp must move when, and
only when, the content moves, and must then be newer than anything shipped
before for it. A stamp taken from the checkout alone can go backwards: `git
revert` restores an older lock, a lost lock forgets, `SOURCE_DATE_EPOCH` or a
slow clock can lie in the past, two builds can share a second.

The design: what was shipped is *every version the lock has ever had*: the
working lock, plus each version in its git history (all refs, so a branch being
merged counts too), plus the packages last built into the output folder
(records.py gathers them). For each key the record with the highest time is
what learners may hold:
- its content hash equals the current one: nothing to ship, keep its time, so
  an unchanged rebuild is byte-identical and reports no update;
- otherwise (an edit, a revert to older content, a record lost with the lock):
  stamp it `max(now, highest + 1)`. Newer than every earlier version whatever
  the clock says, and no earlier than now, so a learner's own edit in Anki is
  kept until the author changes that note, and then replaced.
Outside git, with no lock and no earlier package, nothing is known; the build
says so.
The lock also records each note's kind, so a change Anki cannot import (basic to
cloze) is refused at the card, never found as `conflicting` later, and a reverse
side that learners must delete by hand is named.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import BuildError, Problem

LOCK_VERSION = 2
CONFLICT_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(\s|$)", re.MULTILINE)
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
MAX_MOD = 10**11  # seconds: year 5138; anything beyond is damage, not a time


@dataclass(frozen=True, slots=True)
class Stamp:
    digest: str
    mod: int
    kind: str = ""  # a note's NoteKind value; "" for a note type


NOTE_PREFIX = "note:"


def note_key(root_deck: str, card_id: str) -> str:
    return f"{NOTE_PREFIX}{root_deck}/{card_id}"


def type_key(root_deck: str, note_type_key: str) -> str:
    return f"notetype:{root_deck}/{note_type_key}"


def note_digest(kind: str, fields: Sequence[str], tags: Sequence[str]) -> str:
    """What a note's stamp follows: everything Anki stores of it."""
    return content_digest(kind, tuple(fields), tuple(tags))


def note_type_digest(
    model_id: int,
    name: str,
    fields: Sequence[str],
    templates: Sequence[tuple[str, str, str]],
    css: str,
) -> str:
    """What a note type's stamp follows; templates as (name, question, answer)."""
    return content_digest(model_id, name, tuple(fields), tuple(map(tuple, templates)), css)


def content_digest(*parts: object) -> str:
    """A hash of anything JSON can write, stable across runs and machines."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def now() -> int:
    """Build time in seconds; SOURCE_DATE_EPOCH pins it for reproducible rebuilds."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH")
    return int(pinned) if pinned and pinned.isdigit() else int(time.time())


def restamp(
    history: Iterable[Mapping[str, Stamp]], current: Mapping[str, Stamp], at: int
) -> dict[str, Stamp]:
    """The stamp of each key of `current` (whose mods are ignored), given every lock
    version ever shipped: kept when the latest shipped content is the same, else new."""
    latest = _latest(history)
    stamps = {}
    for key, stamp in current.items():
        shipped = latest.get(key)
        if shipped is not None and shipped.digest == stamp.digest:
            stamps[key] = Stamp(stamp.digest, shipped.mod, stamp.kind)
        else:
            mod = max(at, shipped.mod + 1) if shipped is not None else at
            stamps[key] = Stamp(stamp.digest, mod, stamp.kind)
    return stamps


def latest_kinds(history: Iterable[Mapping[str, Stamp]]) -> dict[str, str]:
    """Key -> the kind of its most recently shipped version (where the lock recorded it)."""
    recorded = ({k: s for k, s in version.items() if s.kind} for version in history)
    return {key: stamp.kind for key, stamp in _latest(recorded).items()}


def _latest(history: Iterable[Mapping[str, Stamp]]) -> dict[str, Stamp]:
    """Key -> its record with the highest time across every version."""
    latest: dict[str, Stamp] = {}
    for version in history:
        for key, stamp in version.items():
            known = latest.get(key)
            if known is None or stamp.mod > known.mod:
                latest[key] = stamp
    return latest


def read_lock(path: Path) -> dict[str, Stamp] | None:
    """The working lock, None when there is none; a damaged one stops the build at
    its line: replacing it silently would re-stamp every note and overwrite every
    learner's own edits."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError([Problem(path, 0, f"cannot read the lock: {error}")]) from error
    marker = CONFLICT_MARKER.search(text)
    if marker is not None:
        line = text[: marker.start()].count("\n") + 1
        raise BuildError(
            [
                Problem(
                    path,
                    line,
                    "merge-conflict marker in the lock: delete the file and build again "
                    "(ankigen takes the stamps from the lock's git history), then commit it",
                )
            ]
        )
    try:
        return parse_lock(text)
    except LockError as error:
        raise BuildError([Problem(path, error.line, f"damaged lock: {error.reason}")]) from error


class LockError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"{line}: {reason}")
        self.line = line
        self.reason = reason


def parse_lock(text: str) -> dict[str, Stamp]:
    """A lock's stamps; LockError with the line of the first thing wrong."""
    restore = "restore it from git (git checkout -- <lock>) or delete it and build again"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LockError(error.lineno, f"{error.msg}; {restore}") from error
    except (ValueError, RecursionError) as error:  # a number too long, nesting too deep
        raise LockError(1, f"not a lock ankigen wrote ({error}); {restore}") from error
    if not isinstance(data, dict) or data.get("version") not in (1, LOCK_VERSION):
        raise LockError(1, f"not an ankigen lock of version 1 or {LOCK_VERSION}; {restore}")
    entries = data.get("stamps")
    if not isinstance(entries, dict):
        raise LockError(1, f"no 'stamps' table; {restore}")
    stamps = {}
    for key, value in entries.items():
        if not (
            isinstance(value, dict)
            and isinstance(value.get("hash"), str)
            and HEX_DIGEST.fullmatch(value["hash"])
            and type(value.get("mod")) is int
            and 0 < value["mod"] < MAX_MOD
            and isinstance(value.get("kind", ""), str)
        ):
            raise LockError(_line_of_key(text, key), f"bad entry '{key}'; {restore}")
        stamps[key] = Stamp(value["hash"], value["mod"], value.get("kind", ""))
    return stamps


def _line_of_key(text: str, key: str) -> int:
    offset = text.find(json.dumps(key, ensure_ascii=False))
    return text[:offset].count("\n") + 1 if offset >= 0 else 1


def lock_text(stamps: Mapping[str, Stamp]) -> str:
    """The lock, byte for byte as `json.dumps(..., ensure_ascii=False, indent=1)` writes
    it (tested), an entry at a time: indented, json.dumps runs in pure Python, and a lock
    of 50,000 notes took 0.4 s."""
    entries = []
    for key, stamp in sorted(stamps.items()):
        kind = f',\n   "kind": {_quoted(stamp.kind)}' if stamp.kind else ""
        entries.append(
            f'  {_quoted(key)}: {{\n   "hash": {_quoted(stamp.digest)},\n'
            f'   "mod": {stamp.mod}{kind}\n  }}'
        )
    table = "{\n" + ",\n".join(entries) + "\n }" if entries else "{}"
    return f'{{\n "version": {LOCK_VERSION},\n "stamps": {table}\n}}\n'


_quoted = json.encoder.encode_basestring  # a JSON string, as ensure_ascii=False writes it


def lock_versions(lock: Path, blobs: list[str] | None) -> list[dict[str, Stamp]] | None:
    """The committed versions of the lock held in these git objects (`lock_blobs`: a
    build reads them once); None outside a git work tree (or without git). Versions
    that do not parse are skipped: history is evidence, not input to fix."""
    if blobs is None:
        return None
    if not blobs:
        return []
    try:
        batch = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=lock.parent,
            input="\n".join(blobs).encode() + b"\n",
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [version for version in _batch_texts(batch) if version is not None]


def lock_blobs(lock: Path) -> list[str] | None:
    """The git object ids of every committed version of the lock: what its history is
    made of, cheaply (None outside a git work tree)."""
    try:
        log = subprocess.run(
            [
                "git",
                "log",
                "--all",
                "--format=",
                "--raw",
                "--no-abbrev",
                "--no-renames",
                "--",
                lock.name,
            ],
            cwd=lock.parent,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted(
        {
            blob
            for line in log.splitlines()
            if line.startswith(":")
            for blob in line.split()[2:4]
            if blob.strip("0")
        }
    )


def _batch_texts(batch: bytes) -> list[dict[str, Stamp] | None]:
    """Parses `git cat-file --batch` output: a header line, then that many bytes."""
    versions: list[dict[str, Stamp] | None] = []
    position = 0
    while position < len(batch):
        end = batch.index(b"\n", position)
        header = batch[position:end].split()
        position = end + 1
        if len(header) != 3:  # "<blob> missing"
            continue
        size = int(header[2])
        text = batch[position : position + size].decode("utf-8", "replace")
        position += size + 1
        try:
            versions.append(parse_lock(text))
        except LockError:
            versions.append(None)
    return versions
