"""The README's recipe example works as written: a new project made only of its blocks
builds, and the official Anki shows the figure and the worked example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import REPO, import_package

# The section ends at the next README heading (capitalised), not at the sample card's own.
SECTION = re.compile(r"^## Figures and worked examples\n(.*?)^## (?=[A-Z])", re.M | re.S)
PYTHON_BLOCK = re.compile(r"^```python\n# (\S+)\n(.*?)^```", re.M | re.S)
CARD_BLOCK = re.compile(r"^````markdown\n(.*?)^````", re.M | re.S)
TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.M | re.S)


def readme_project(root: Path) -> None:
    """Writes the section's files, its card and its pyproject table into `root`."""
    match = SECTION.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match, "README lost its 'Figures and worked examples' section"
    section = match[1]
    recipes = PYTHON_BLOCK.findall(section)
    assert {path.split("/")[0] for path, _ in recipes} == {"figures", "worked_examples"}
    for path, code in recipes:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(code, encoding="utf-8")
    (card,) = CARD_BLOCK.findall(section)
    (root / "content").mkdir()
    front = "---\ndeck: README\n---\n\n"
    (root / "content" / "parabola.md").write_text(front + card, encoding="utf-8")
    (table,) = TOML_BLOCK.findall(section)
    (root / "pyproject.toml").write_text(table, encoding="utf-8")


def test_readme_recipes_build_and_show_in_anki(tmp_path: Path, collection: Any) -> None:
    root = tmp_path / "new-project"
    root.mkdir()
    readme_project(root)
    # A new process, as an author runs it: this repository's recipes are not loaded there.
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "build"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "1 note (1 card)" in result.stdout

    import_package(collection, root / "dist" / "README.apkg")
    (card_id,) = collection.find_cards("ID:parabola-shape")
    answer = collection.get_card(card_id).answer()
    (svg,) = re.findall(r'src="(parabola-[0-9a-f]{16}\.svg)"', answer)
    assert (Path(collection.media.dir()) / svg).read_bytes().startswith(b"<?xml")
    assert 'data-example="square"' in answer
    # 1.5 squared, and the number cells of the table formatted by num.
    assert "\\(= 2.25\\)" in answer and "<td>\\(3\\)</td><td>\\(9\\)</td>" in answer


QUICK_START = re.compile(r"^## Quick start: your own deck\n.*?^```sh\n(.*?)^```", re.M | re.S)


def test_the_quick_start_works_word_for_word(tmp_path: Path, collection: Any) -> None:
    """Its shell block, run in an empty folder with this repository as `path/to/ankigen`,
    gives a deck the official Anki imports."""
    match = QUICK_START.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert match, "README lost its quick start"
    script = match[1].replace("path/to/ankigen", str(REPO))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "wrote dist/my-deck.apkg: 7 notes (9 cards), 2 media files" in done.stdout
    import_package(collection, tmp_path / "my-deck" / "dist" / "my-deck.apkg")
    assert collection.note_count() == 7
