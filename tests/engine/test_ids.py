"""`ankigen ids` writes an id into every card heading that lacks one, and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SOURCE = (
    "---\r\n"
    "deck: Ids\r\n"
    "---\r\n"
    "\r\n"
    "# A group, not a card\r\n"
    "\r\n"
    "## What is ReLU?\r\n"
    "\r\n"
    "max(0, x).\r\n"
    "\r\n"
    "## 什么是梯度消失？\r\n"
    "\r\n"
    "梯度越传越小。\r\n"
    "\r\n"
    "## Shown both ways {.reversed}\r\n"
    "\r\n"
    "Answer.\r\n"
    "\r\n"
    "## Closed ATX heading ##\r\n"
    "\r\n"
    "Answer.\r\n"
    "\r\n"
    "Underlined question\r\n"
    "------------------\r\n"
    "\r\n"
    "Answer.\r\n"
    "\r\n"
    "## What is ReLU? {#what-is-relu-2}\r\n"
    "\r\n"
    "Taken ids are never given again.\r\n"
)


def test_ids_are_added_only_where_missing_and_the_rest_keeps_its_bytes(
    cli: Any, empty_project: Path
) -> None:
    cards = empty_project / "content" / "cards.md"
    cards.write_bytes(SOURCE.encode("utf-8"))
    result = cli("ids", empty_project)
    assert result.code == 0, result.err
    text = cards.read_bytes().decode("utf-8")
    expected = (
        SOURCE.replace("## What is ReLU?\r\n", "## What is ReLU? {#what-is-relu}\r\n")
        .replace("## 什么是梯度消失？\r\n", "## 什么是梯度消失？ {#card-", 1)
        .replace("{.reversed}", "{#shown-both-ways .reversed}")
        .replace("## Closed ATX heading ##", "## Closed ATX heading {#closed-atx-heading} ##")
        .replace("Underlined question\r\n", "Underlined question {#underlined-question}\r\n")
    )
    hashed = text.split("{#card-", 1)[1].split("}", 1)[0]
    assert len(hashed) == 8
    assert text == expected.replace("{#card-", f"{{#card-{hashed}}}\r\n", 1)
    assert "added 5 ids" in result.out and "content/cards.md:7: {#what-is-relu}" in result.out

    build = cli("build", empty_project)
    assert build.code == 0, build.err
    assert "5 notes" not in build.out and "6 notes (7 cards)" in build.out

    again = cli("ids", empty_project)
    assert again.code == 0 and "every card has an id already" in again.out
    assert cards.read_bytes().decode("utf-8") == text


def test_the_build_never_writes_ids_and_its_error_points_to_the_command(
    cli: Any, empty_project: Path
) -> None:
    cards = empty_project / "content" / "cards.md"
    cards.write_text("---\ndeck: Ids\n---\n\n## No id\n\nAnswer.\n", encoding="utf-8")
    before = cards.read_bytes()
    result = cli("build", empty_project)
    assert result.code == 1 and "run 'ankigen ids'" in result.err
    assert cards.read_bytes() == before
