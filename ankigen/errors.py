"""One error type for everything the author must fix; only the CLI prints it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """A located mistake in the input, worded as what is wrong and what to do."""

    path: Path
    line: int  # 0 when no line makes sense (a folder, a package being written)
    message: str

    def __str__(self) -> str:
        where = f"{display_path(self.path)}:{self.line}" if self.line else display_path(self.path)
        return f"{where}: {self.message}"


class BuildError(Exception):
    """Raised with every problem found, so the author can fix them in one go."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def display_path(path: Path) -> str:
    """Paths relative to the working directory read better in an editor's jump list.

    Symlinks are not followed: the author knows the file by the name they gave it.
    """
    try:
        return str(Path(os.path.abspath(path)).relative_to(os.getcwd()))
    except ValueError:
        return str(path)
