"""Legal Markdown keeps every word on the card, as the real Anki shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import import_package

FRONT = "---\ndeck: Test\n---\n\n"


def build_and_render(cli: Any, root: Path, collection: Any, text: str) -> str:
    (root / "content" / "cards.md").write_bytes(text.encode("utf-8"))
    result = cli("build", root)
    assert result.code == 0, result.err
    import_package(collection, root / "dist" / "Test.apkg")
    (card_id,) = collection.find_cards("")
    return str(collection.get_card(card_id).answer())


def test_a_ten_level_outline_keeps_every_level(
    cli: Any, empty_project: Path, collection: Any
) -> None:
    outline = "".join("  " * depth + f"- level {depth + 1}\n" for depth in range(10))
    answer = build_and_render(cli, empty_project, collection, FRONT + "## Q {#q}\n\n" + outline)
    assert all(f"level {n}" in answer for n in range(1, 11))
    assert answer.count("<ul>") == 10


def test_thirty_nested_quotes_keep_their_text(
    cli: Any, empty_project: Path, collection: Any
) -> None:
    answer = build_and_render(
        cli, empty_project, collection, FRONT + "## Q {#q}\n\n" + "> " * 30 + "deep words\n"
    )
    assert "deep words" in answer and answer.count("<blockquote>") == 30


def test_a_file_starting_with_a_byte_order_mark_builds(
    cli: Any, empty_project: Path, collection: Any
) -> None:
    answer = build_and_render(
        cli, empty_project, collection, "\ufeff" + FRONT + "## Q {#q}\n\nA.\n"
    )
    assert "A." in answer
