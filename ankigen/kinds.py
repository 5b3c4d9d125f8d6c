"""A card's kind against what learners already have (anki-facts.md 4b).

Anki never moves a note to another note type on import: a basic card turned
cloze (or back) would silently stay the old card for every learner, so that
change is refused at the card. Dropping `.reversed` stays within one note type
and updates in place, but Anki keeps the now blank reverse card: it is named.
"""

from __future__ import annotations

from collections.abc import Sequence

from ankigen.errors import BuildError, Problem
from ankigen.model import Note, NoteKind
from ankigen.notetypes import note_type_of
from ankigen.stamps import note_key

KINDS = frozenset(kind.value for kind in NoteKind)


def check_kind_changes(notes: Sequence[Note], shipped_kinds: dict[str, str]) -> None:
    problems = []
    for note in notes:
        shipped = shipped_kinds.get(note_key(note.root_deck, note.card_id))
        if shipped not in KINDS:
            continue
        before, after = note_type_of(NoteKind(shipped)).key, note_type_of(note.kind).key
        if before != after:
            problems.append(
                Problem(
                    note.path,
                    note.line,
                    f"card '{note.card_id}' was shipped as a {before} card and is now a "
                    f"{after} card, which Anki cannot update: keep it a {before} card, or "
                    f"give it a new id (e.g. {{#{note.card_id}-{after}}}) to make a new card "
                    "(its review history starts over; the old one is reported as removed)",
                )
            )
    if problems:
        raise BuildError(problems)


def lost_reverse_sides(notes: Sequence[Note], shipped_kinds: dict[str, str]) -> tuple[str, ...]:
    """ "root_deck/card-id" of cards that were shown both ways and no longer are."""
    return tuple(
        f"{note.root_deck}/{note.card_id}"
        for note in notes
        if note.kind is NoteKind.BASIC
        and shipped_kinds.get(note_key(note.root_deck, note.card_id)) == NoteKind.REVERSED.value
    )
