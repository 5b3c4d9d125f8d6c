"""Content is untrusted: every file a card names must lie inside the project."""

from __future__ import annotations

from pathlib import Path


def inside_project(root: Path, path: Path) -> Path | None:
    """`path` with symlinks resolved, or None when it leads outside `root` (or loops)."""
    try:
        resolved = path.resolve(strict=False)
    except (OSError, RuntimeError):  # a symlink loop
        return None
    return resolved if resolved.is_relative_to(root.resolve()) else None
