"""The preview renders every card side exactly as the official Anki does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import import_package

from ankigen.cardview import card_sides
from ankigen.model import Note
from ankigen.notetypes import note_type_of
from ankigen.package import note_row, package_bytes

STYLE = re.compile(r"(?s)^<style>.*?</style>")


def anki_sides(collection: Any, notes: list[Note], tmp_path: Path) -> dict[tuple[str, int], Any]:
    """(card id, ordinal) -> Anki's card, for the notes packaged and imported."""
    by_root_deck: dict[str, list[Note]] = {}
    for note in notes:
        by_root_deck.setdefault(note.root_deck, []).append(note)
    for root_deck, group in by_root_deck.items():
        types = {note_type_of(n.kind).key: 1 for n in group}
        apkg = tmp_path / f"{root_deck}.apkg"
        rows = [note_row(note) for note in group]
        apkg.write_bytes(package_bytes(root_deck, group, rows, [1] * len(group), types, ""))
        import_package(collection, apkg)
    cards = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        cards[(card.note()["ID"], card.ord + 1)] = card
    return cards


@pytest.mark.parametrize("deck", ["fixture", "deck"])
def test_every_side_matches_anki(
    deck: str, deck_notes: list[Note], cli: Any, project: Path, collection: Any, tmp_path: Path
) -> None:
    if deck == "fixture":
        from ankigen.build import collect
        from ankigen.config import load_config

        notes = collect(load_config(project))
    else:
        notes = deck_notes
    cards = anki_sides(collection, notes, tmp_path)
    ours = {}
    for note in notes:
        for side in card_sides(note):
            ours[(note.card_id, side.ordinal, side.side)] = side.html
    assert len(ours) == 2 * len(cards)
    for (card_id, ordinal), card in cards.items():
        assert ours[(card_id, ordinal, "question")] == STYLE.sub("", card.question()), card_id
        assert ours[(card_id, ordinal, "answer")] == STYLE.sub("", card.answer()), card_id
