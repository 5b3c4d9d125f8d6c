"""Where things are: `[tool.ankigen]` in the project's pyproject.toml, else defaults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import BuildError, Problem

DEFAULTS = {"content": "content", "output": "dist", "recipes": [], "lock": "ankigen.lock"}


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    content: Path
    output: Path
    recipes: tuple[Path, ...]
    lock: Path


def load_config(root: Path) -> Config:
    pyproject = root / "pyproject.toml"
    settings: dict[str, object] = dict(DEFAULTS)
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RecursionError) as error:
            raise BuildError([Problem(pyproject, 1, f"cannot read the config: {error}")]) from error
        table = data.get("tool", {}).get("ankigen", {})
        unknown = sorted(set(table) - set(DEFAULTS))
        if unknown:
            raise BuildError(
                [
                    Problem(
                        pyproject,
                        _line_of(pyproject, unknown[0]),
                        f"unknown [tool.ankigen] key '{unknown[0]}': use {', '.join(DEFAULTS)}",
                    )
                ]
            )
        settings.update(table)
    recipes = settings["recipes"]
    if not isinstance(recipes, list) or not all(isinstance(r, str) for r in recipes):
        raise BuildError(
            [
                Problem(
                    pyproject,
                    _line_of(pyproject, "recipes"),
                    "'recipes' must be a list of folder names",
                )
            ]
        )
    for folder in recipes:
        if not (root / folder / "__init__.py").is_file():
            raise BuildError(
                [
                    Problem(
                        pyproject,
                        _line_of(pyproject, "recipes"),
                        f"recipe folder '{folder}' not found, or it has no __init__.py: "
                        "create it (an empty __init__.py will do) or fix 'recipes'",
                    )
                ]
            )
    return Config(
        root=root,
        content=root / str(settings["content"]),
        output=root / str(settings["output"]),
        recipes=tuple(root / r for r in recipes),
        lock=root / str(settings["lock"]),
    )


def _line_of(path: Path, key: str) -> int:
    if not path.is_file():
        return 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return number
    return 1
