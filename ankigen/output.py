"""Writing the build's files: all or nothing, never a half-written package.

Every file is first written beside its target under a temporary name; only when
all of them are written are they renamed into place, so a full disk, a
read-only folder or an interrupted build leaves every previous file as it was.
Temporary files an interrupted build left behind are removed by the next one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ankigen.errors import BuildError, Problem

TEMP_SUFFIX = ".ankigen-tmp"


def write_all(files: Mapping[Path, bytes]) -> None:
    """Writes `files` (path -> bytes) atomically as a set; an OS error becomes a BuildError."""
    written: dict[Path, str] = {}
    current = next(iter(files), Path("."))
    try:
        for folder in sorted({path.parent for path in files}):
            current = folder
            folder.mkdir(parents=True, exist_ok=True)
            remove_leftovers(folder)
        for current, data in files.items():
            written[current] = _write_temporary(current, data)
        for current, temporary in written.items():
            os.replace(temporary, current)
    except OSError as error:
        reason = error.strerror or str(error)
        raise BuildError(
            [Problem(current, 0, f"cannot write: {reason}; the previous files are unchanged")]
        ) from error
    finally:
        for temporary in written.values():
            if os.path.lexists(temporary):
                os.unlink(temporary)


def _write_temporary(path: Path, data: bytes) -> str:
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
    )
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def remove_leftovers(folder: Path) -> None:
    """Temporary files of an earlier build that was killed before it could clean up."""
    for pattern in (f".*{TEMP_SUFFIX}", ".*.apkg.*.tmp"):  # the second: ankigen 0.1's
        for leftover in folder.glob(pattern):
            leftover.unlink(missing_ok=True)
