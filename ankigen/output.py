"""Writing the build's files: all or nothing, never a half-written package.

Every file is first written beside its target under a temporary name. Only when
all are written are they renamed into place, each previous version kept under a
hard link until the last rename succeeded: a full disk, a read-only folder, a
folder where a package should be or an interrupted build leaves every previous
file as it was. Temporary files an interrupted build left are removed by the next.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ankigen.errors import BuildError, Problem

TEMP_SUFFIX = ".ankigen-tmp"


def write_all(files: Mapping[Path, bytes]) -> None:
    """Writes `files` (path -> bytes) as one set; an OS error becomes a BuildError."""
    temporaries: dict[Path, str] = {}
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    current = next(iter(files), Path("."))
    try:
        for current in sorted({path.parent for path in files}):
            current.mkdir(parents=True, exist_ok=True)
            remove_leftovers(current)
        for current, data in files.items():
            temporaries[current] = _write_temporary(current, data)
        for current in files:
            if current.is_dir():
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(current))
        for current, temporary in temporaries.items():
            if current.exists():
                backups[current] = current.with_name(f".{current.name}.previous{TEMP_SUFFIX}")
                os.link(current, backups[current])
            os.replace(temporary, current)
            replaced.append(current)
    except OSError as error:
        _roll_back(replaced, backups)
        reason = error.strerror or str(error)
        raise BuildError(
            [Problem(current, 0, f"cannot write: {reason}; the previous files are unchanged")]
        ) from error
    finally:
        for leftover in [*map(Path, temporaries.values()), *backups.values()]:
            leftover.unlink(missing_ok=True)


def _roll_back(replaced: list[Path], backups: dict[Path, Path]) -> None:
    for path in reversed(replaced):
        if path in backups:
            os.replace(backups[path], path)
        else:
            path.unlink(missing_ok=True)


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
