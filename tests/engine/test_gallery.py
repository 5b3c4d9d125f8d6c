"""`ankigen figures`: a broken recipe is reported where it fails: at its definition
for its defaults, at the directive for a call from the content."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

RECIPES = """from ankigen import figure


@figure("raises")
def raises(n: int = 1) -> object:
    return 1 // (n - 1)


@figure("returns-text")
def returns_text() -> object:
    return "not a figure"
"""


def figures(root: Path, recipes: str, cards: str) -> subprocess.CompletedProcess[str]:
    """`ankigen figures` in a new project of these recipes and cards."""
    (root / "my_recipes").mkdir()
    (root / "my_recipes" / "__init__.py").write_text("", encoding="utf-8")
    (root / "my_recipes" / "broken.py").write_text(recipes, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.ankigen]\nrecipes = ["my_recipes"]\n', encoding="utf-8"
    )
    (root / "content").mkdir()
    (root / "content" / "cards.md").write_text(f"---\ndeck: T\n---\n\n{cards}", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "ankigen", "figures", "--out", "gallery"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_broken_figures_are_located_in_the_content(tmp_path: Path) -> None:
    result = figures(tmp_path, RECIPES, "## Q {#q}\n\n```figure raises\nn = 2\n```\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "my_recipes/broken.py:4: figure 'raises' failed: ZeroDivisionError: "
        "integer division or modulo by zero",
        "my_recipes/broken.py:9: figure recipe 'returns-text' returned str: "
        "a figure must return a matplotlib Figure",
        "content/cards.md:7: figure recipe 'raises' returned int: "
        "a figure must return a matplotlib Figure",
        "ankigen: 3 problems, nothing written",
    ]
    assert not (tmp_path / "gallery").exists()


def test_a_figure_that_ends_its_process_is_named(tmp_path: Path) -> None:
    """os._exit (or a crash in native code) ends the worker drawing it, never ankigen."""
    ends = 'import os\n\nfrom ankigen import figure\n\n\n@figure("ends")\ndef ends() -> object:\n'
    result = figures(tmp_path, ends + "    os._exit(3)\n", "## Q {#q}\n\nA.\n")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "my_recipes/broken.py:6: figure 'ends' ended the process running it (os._exit, or a "
        "crash in native code): make the recipe return or raise instead",
        "ankigen: 1 problem, nothing written",
    ]
    assert not (tmp_path / "gallery").exists()
