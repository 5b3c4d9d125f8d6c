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


def test_broken_figures_are_located_in_the_content(tmp_path: Path) -> None:
    (tmp_path / "my_recipes").mkdir()
    (tmp_path / "my_recipes" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "my_recipes" / "broken.py").write_text(RECIPES, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ankigen]\nrecipes = ["my_recipes"]\n', encoding="utf-8"
    )
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "cards.md").write_text(
        "---\ndeck: T\n---\n\n## Q {#q}\n\n```figure raises\nn = 2\n```\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "figures", "--out", "gallery"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
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
