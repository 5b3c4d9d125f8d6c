"""Where things are: `[tool.ankigen]` in the project's pyproject.toml, else defaults."""

from __future__ import annotations

import importlib.machinery
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import BuildError, Problem

DEFAULTS = {
    "content": "content",
    "output": "dist",
    "recipes": [],
    "lock": "ankigen.lock",
    "css": "",
}


@dataclass(frozen=True, slots=True)
class Config:
    root: Path
    content: Path
    output: Path
    recipes: tuple[Path, ...]
    lock: Path
    css: Path | None  # the project's own style, added after ankigen's


def load_config(root: Path) -> Config:
    pyproject = root / "pyproject.toml"
    settings: dict[str, object] = dict(DEFAULTS)
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError, RecursionError) as error:
            where = re.search(r"\(at line (\d+)", str(error))
            line = int(where[1]) if where else 1
            raise BuildError(
                [Problem(pyproject, line, f"cannot read the config: {error}")]
            ) from error
        tool = data.get("tool", {})
        table = tool.get("ankigen", {}) if isinstance(tool, dict) else None
        if not isinstance(table, dict):
            raise BuildError(
                [
                    Problem(
                        pyproject,
                        _line_of(pyproject, "ankigen") or _line_of(pyproject, "tool"),
                        "[tool.ankigen] must be a table: write the keys under a "
                        "'[tool.ankigen]' line",
                    )
                ]
            )
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
        shadowed = _shadowed_module(root, root / folder)
        if shadowed:
            raise BuildError(
                [
                    Problem(
                        pyproject,
                        _line_of(pyproject, "recipes"),
                        f"recipe folder '{folder}' has the name of the Python module "
                        f"{shadowed}: rename the folder",
                    )
                ]
            )
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
        css=root / str(settings["css"]) if settings["css"] else None,
    )


def _shadowed_module(root: Path, folder: Path) -> str:
    """Where another module of the folder's name lives ("" if nowhere): a recipe
    folder named `json` or `numpy` would replace it for everything."""
    name = folder.name
    if name in sys.stdlib_module_names:
        return f"'{name}' of the standard library"
    outside = [p for p in sys.path if p and not Path(p).resolve().is_relative_to(root.resolve())]
    spec = importlib.machinery.PathFinder.find_spec(name, outside)
    if spec is None or spec.origin is None:
        return ""
    if Path(spec.origin).resolve().is_relative_to(folder.resolve()):
        return ""  # the folder itself, on the path already
    return f"'{name}' installed at {spec.origin}"


def _line_of(path: Path, key: str) -> int:
    if not path.is_file():
        return 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(key):
            return number
    return 1
