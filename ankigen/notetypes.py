"""The two note types, one pair per root deck. Their fields are forever
(anki-facts.md point 4): Anki never updates a note whose note type's fields
changed, so the lists are pinned by a test and must never be edited after a
release.

- A note never changes its note type on import (point 4b). So a basic card and
  a card shown both ways share one note type, whose reverse card exists only
  while the `Add Reverse` field is filled (Anki's own "optional reversed card"):
  adding or removing `.reversed` then updates the note in place. Basic and cloze
  cannot share a type; the build refuses that change (see stamps.py).
- Each root deck (whose name goes into its notes' GUIDs, the name of its .apkg) has
  its own note types, with ids derived from its name: two projects imported into
  one collection never overwrite each other's templates or CSS.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ankigen.highlight import highlight_css
from ankigen.model import Note, NoteKind


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class NoteType:
    key: str  # stable: part of the id, the lock and messages
    label: str  # shown in Anki's list of note types, after the root deck's name
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    is_cloze: bool

    def values(self, named: dict[str, str]) -> tuple[str, ...]:
        """Field values in this type's order, taken by name: no caller depends on the order."""
        return tuple(map(named.__getitem__, self.fields))

    def model_id(self, root_deck: str) -> int:
        """A fixed id per root deck and type, in the range genanki recommends."""
        text = f"ankigen note type\x1f{root_deck}\x1f{self.key}".encode()
        digest = int.from_bytes(hashlib.sha256(text).digest()[:8], "big")
        return (1 << 30) + digest % (1 << 30)

    def model_name(self, root_deck: str) -> str:
        return f"{root_deck} · {self.label}"


_EXTRA_AND_SOURCE = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}\n'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
)
REVERSE_FIELD = "Add Reverse"
REVERSE_ON = "y"


def _answer_side(name: str, question_field: str, answer_field: str, when: str = "") -> Template:
    """`when` names a field that must be filled for the card to exist at all."""
    open_, close = (f"{{{{#{when}}}}}", f"{{{{/{when}}}}}") if when else ("", "")
    return Template(
        name=name,
        question=f'{open_}<div class="question">{{{{{question_field}}}}}</div>{close}',
        answer=(
            f'<div class="question">{{{{{question_field}}}}}</div>\n<hr id="answer">\n'
            f'<div class="answer">{{{{{answer_field}}}}}</div>\n{_EXTRA_AND_SOURCE}'
        ),
    )


BASIC = NoteType(
    key="basic",
    label="ankigen",
    fields=("Front", "Back", "Extra", "Source", "ID", REVERSE_FIELD),
    templates=(
        _answer_side("Card 1", "Front", "Back"),
        _answer_side("Card 2 (reverse)", "Back", "Front", when=REVERSE_FIELD),
    ),
    is_cloze=False,
)
CLOZE = NoteType(
    key="cloze",
    label="ankigen cloze",
    fields=("Text", "Extra", "Source", "ID"),
    templates=(
        Template(
            name="Cloze",
            question='<div class="cloze-text">{{cloze:Text}}</div>',
            answer=f'<div class="cloze-text">{{{{cloze:Text}}}}</div>\n{_EXTRA_AND_SOURCE}',
        ),
    ),
    is_cloze=True,
)
NOTE_TYPES = (BASIC, CLOZE)


# Heading classes that ask for a kind of card (`## Q {#id .reversed}`); a card with
# cloze deletions is a cloze card without one.
KIND_CLASSES = {".reversed": NoteKind.REVERSED}


def note_type_of(kind: NoteKind) -> NoteType:
    """The one place that says which note type a kind of card is written with."""
    return CLOZE if kind is NoteKind.CLOZE else BASIC


def note_fields(note: Note) -> tuple[str, ...]:
    """The one place that says how each kind of card fills its note type's fields."""
    common = {"Extra": note.extra, "Source": note.source, "ID": note.card_id}
    if note.kind is NoteKind.CLOZE:
        title = f'<div class="cloze-title">{note.question}</div>' if note.question else ""
        return CLOZE.values({"Text": title + note.answer, **common})
    reverse = REVERSE_ON if note.kind is NoteKind.REVERSED else ""
    return BASIC.values(
        {"Front": note.question, "Back": note.answer, REVERSE_FIELD: reverse, **common}
    )


def kind_of_fields(is_cloze: bool, fields: dict[str, str]) -> NoteKind:
    """The inverse of note_fields: which kind of card a shipped note's fields are."""
    if is_cloze:
        return NoteKind.CLOZE
    return NoteKind.REVERSED if fields.get(REVERSE_FIELD) else NoteKind.BASIC


@cache
def card_css() -> str:
    """Layout and palettes from card.css, then the code colours for day and night."""
    return files("ankigen").joinpath("card.css").read_text(encoding="utf-8") + highlight_css()
