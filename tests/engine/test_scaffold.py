"""`ankigen init` starts a project that builds as it is, and never overwrites a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import INIT_CARDS, every_card_renders


def test_a_new_project_builds_and_every_example_card_renders(
    cli: Any, tmp_path: Path, collection: Any
) -> None:
    result = cli("init", tmp_path)  # `ankigen init` in an empty folder
    assert result.code == 0, result.err
    assert "wrote content/cards.md" in result.out and "recipes/parabola.py" in result.out
    built = cli("build", tmp_path)
    assert built.code == 0, built.err
    assert "7 notes (9 cards), 2 media files" in built.out
    html = every_card_renders(tmp_path / "dist" / f"{tmp_path.name}.apkg", collection)
    assert set(html) == set(INIT_CARDS)
    for card_id, marker in INIT_CARDS.items():
        assert marker in html[card_id], card_id


def test_init_never_overwrites_and_then_writes_nothing(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    result = cli("init", tmp_path)
    assert result.code == 1
    assert "README.md: already exists: ankigen init never overwrites a file" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "mine\n"
