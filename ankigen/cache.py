"""The build cache: what an earlier build computed, so an unchanged file or recipe call is
not done again. It may only ever save time, never change a result:

- An entry is found by a digest of everything its value depends on, and checked again
  when read; one that is missing, from another engine, unreadable or tampered with is
  simply not there (and is written anew), never an error.
- Entries are JSON signed with a key kept outside the project (in the user's cache
  folder): a cache folder committed in a stranger's pull request cannot inject a card
  that never went through the checks, because its signatures do not verify here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ankigen.confine import inside_project

FORMAT = "ankigen-cache-1"


@cache
def engine_digest() -> str:
    """The engine's own files: another ankigen version (or a local edit) reads no entry."""
    digest = hashlib.sha256(FORMAT.encode())
    package = Path(str(files("ankigen")))
    for path in sorted(package.glob("*")):
        if path.suffix in (".py", ".css", ".html"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def digest_of(*parts: Any) -> str:
    """A digest of JSON-able parts, in order."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _signing_key() -> bytes | None:
    """This user's key, made on first use; None where it cannot be kept (no cache then)."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(home) / "ankigen" / "cache-key"
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, secrets.token_bytes(32), mode=0o600)
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


class BuildCache:
    """Signed JSON entries under `folder`, grouped by space ("file", "call", ...)."""

    def __init__(self, folder: Path | None, key: bytes | None) -> None:
        self.folder = folder if key is not None else None
        self._key = key or b""

    @classmethod
    def for_project(cls, root: Path, folder: Path, enabled: bool = True) -> BuildCache:
        """The project's cache, or one that holds nothing: with `enabled` false, or where
        the folder would lie outside the project (a symlink in a pull request)."""
        if not enabled:
            return cls(None, None)
        inside = inside_project(root, folder)
        if inside is None or (folder.exists() and not folder.is_dir()):
            return cls(None, None)
        return cls(inside, _signing_key())

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def get(self, space: str, key: str) -> Any:
        """The value stored under `key`, or None."""
        if self.folder is None:
            return None
        try:
            signature, _, payload = (self.folder / space / key).read_bytes().partition(b"\n")
            expected = self._sign(space, key, payload)
            if not hmac.compare_digest(signature, expected):
                return None
            return json.loads(payload)["value"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, space: str, key: str, value: Any) -> None:
        """Stores `value` (JSON-able); a cache that cannot be written is no cache."""
        if self.folder is None:
            return
        payload = json.dumps({"format": FORMAT, "value": value}, ensure_ascii=False).encode()
        try:
            (self.folder / space).mkdir(parents=True, exist_ok=True)
            signed = self._sign(space, key, payload) + b"\n" + payload
            _write_atomically(self.folder / space / key, signed)
        except OSError:
            pass

    def _sign(self, space: str, key: str, payload: bytes) -> bytes:
        message = f"{FORMAT}\0{engine_digest()}\0{space}\0{key}\0".encode() + payload
        return hmac.new(self._key, message, hashlib.sha256).hexdigest().encode()


def _write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
