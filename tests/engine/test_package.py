"""A package's collection is written statement for statement as genanki writes it: the
rows made ahead (NoteRow) change how fast, never a byte; and no byte of it depends on
the machine's SQLite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import genanki

from ankigen.model import Note
from ankigen.notetypes import card_css, note_fields, note_type_of
from ankigen.package import (
    _genanki_model,
    _RowNote,
    collection_bytes,
    deck_id,
    note_guid,
    note_row,
)

# (genanki model, note, its mod) -> what the deck writes of the note
Written = Callable[[genanki.Model, Note, int], Any]


def package_of(root_deck: str, notes: list[Note], mods: list[int], written: Written) -> Any:
    models = {
        note_type_of(n.kind).key: _genanki_model(root_deck, note_type_of(n.kind), card_css(), 7)
        for n in notes
    }
    decks: dict[str, genanki.Deck] = {}
    for note, mod in zip(notes, mods, strict=True):
        deck = decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        deck.add_note(written(models[note_type_of(note.kind).key], note, mod))
    return genanki.Package([decks[name] for name in sorted(decks)])


def genanki_note(model: genanki.Model, note: Note, mod: int) -> genanki.Note:
    """genanki's own note, doing all of its per-note work as it writes."""
    written = genanki.Note(
        model=model,
        fields=list(note_fields(note)),
        tags=list(note.tags),
        guid=note_guid(note.root_deck, note.card_id),
    )
    write = written.write_to_db

    def write_dated(cursor: Any, timestamp: float, deck: int, ids: Any) -> None:
        write(cursor, mod, deck, ids)  # genanki dates every note by the package

    written.write_to_db = write_dated
    return written


def test_rows_made_ahead_write_genanki_bytes(deck_notes: list[Note]) -> None:
    root_deck = deck_notes[0].root_deck
    notes = [n for n in deck_notes if n.root_deck == root_deck]
    assert len({n.kind for n in notes}) == 3 and len({n.deck for n in notes}) > 1
    mods = [1_800_000_000 + index % 97 for index in range(len(notes))]

    def row_note(model: genanki.Model, note: Note, mod: int) -> _RowNote:
        return _RowNote(model, note, note_row(note), mod)

    ours = collection_bytes(package_of(root_deck, notes, mods, row_note), max(mods))
    theirs = collection_bytes(package_of(root_deck, notes, mods, genanki_note), max(mods))
    assert ours == theirs


def test_the_collection_does_not_record_which_sqlite_wrote_it(deck_notes: list[Note]) -> None:
    """The same sources give the same package on any machine: a SQLite file's header
    would carry its write counter and the library's version (bytes 24 and 92-99)."""
    note = deck_notes[0]
    package = package_of(note.root_deck, [note], [1_800_000_000], genanki_note)
    header = collection_bytes(package, 1_800_000_000)[:100]
    assert header.startswith(b"SQLite format 3\x00")
    assert header[24:28] == bytes(4)  # no write counter
    assert header[92:100] == bytes(8)  # no "valid for" counter, no SQLite version
