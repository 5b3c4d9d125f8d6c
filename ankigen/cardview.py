"""Card sides as Anki renders them from our note types, without Anki.

The preview shows what a learner will see, so it must render the very
templates Anki renders, the way Anki does: fields, conditional sections, and
clozes (one card per cloze number; on the front the active cloze is `[...]`
or its hint, on the back it is shown, and every other cloze stays plain
text). Only the template features our note types use are supported; a test
compares every card side with the official `anki` package's output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ankigen.model import Note
from ankigen.notetypes import Template, note_fields, note_type_of

_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_REPLACEMENT = re.compile(r"\{\{(?:(cloze):)?([^}#^/]+)\}\}")
_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")


@dataclass(frozen=True, slots=True)
class CardSide:
    """One side of one card: what Anki shows inside the card's body."""

    template: str  # the template's name, or "Cloze N"
    ordinal: int  # Anki's card ordinal, from 1
    side: str  # "question" or "answer"
    html: str


@dataclass(frozen=True, slots=True)
class _Card:
    """A card Anki makes of a note: its name, ordinal, template and the note's fields;
    `cloze` is the cloze number the card asks, or None for a card of a basic note."""

    name: str
    ordinal: int
    template: Template
    fields: dict[str, str]
    cloze: int | None


def _cards(note: Note) -> list[_Card]:
    """The cards Anki makes of the note, in its order: one per cloze number, or one per
    template whose front is not empty (Anki makes no card of an empty front)."""
    note_type = note_type_of(note.kind)
    fields = dict(zip(note_type.fields, note_fields(note), strict=True))
    if note_type.is_cloze:
        (template,) = note_type.templates
        ordinals = cloze_ordinals(fields[note_type.fields[0]])
        return [_Card(f"Cloze {n}", n, template, fields, n) for n in ordinals]
    return [
        _Card(template.name, ordinal, template, fields, None)
        for ordinal, template in enumerate(note_type.templates, start=1)
        if render(template.question, fields, None, True).strip()
    ]


def card_sides(note: Note) -> list[CardSide]:
    """Every card of the note, question then answer, in Anki's card order."""
    sides = []
    for card in _cards(note):
        for side, text in (("question", card.template.question), ("answer", card.template.answer)):
            html = render(text, card.fields, card.cloze, side == "question")
            sides.append(CardSide(card.name, card.ordinal, side, html))
    return sides


def cloze_ordinals(text: str) -> list[int]:
    return sorted({int(number) for number in _CLOZE_OPEN.findall(text)})


def render(template: str, fields: dict[str, str], ordinal: int | None, question: bool) -> str:
    """A template with `{{Field}}`, `{{#Field}}...{{/Field}}` and `{{cloze:Field}}`."""

    def section(match: re.Match[str]) -> str:
        filled = bool(fields.get(match[2].strip(), "").strip())
        return match[3] if filled == (match[1] == "#") else ""

    previous = None
    while previous != template:
        previous, template = template, _SECTION.sub(section, template)

    def replacement(match: re.Match[str]) -> str:
        value = fields.get(match[2].strip(), "")
        if match[1] and ordinal is not None:
            return render_clozes(value, ordinal, question)
        return value

    return _REPLACEMENT.sub(replacement, template)


def render_clozes(text: str, ordinal: int, question: bool) -> str:
    """Anki's cloze markup: the active cloze hidden on the front, shown on the back."""
    output, _ = _clozes(text, 0, ordinal, question)
    return output


def _clozes(text: str, start: int, ordinal: int, question: bool) -> tuple[str, int]:
    """Renders from `start` to the end of the text or of the enclosing cloze (`}}`)."""
    pieces: list[str] = []
    position = start
    while position < len(text):
        opening = _CLOZE_OPEN.match(text, position)
        if opening is not None:
            inner, position = _clozes(text, opening.end(), ordinal, question)
            pieces.append(_cloze_span(int(opening[1]), inner, ordinal, question))
            continue
        if start and text.startswith("}}", position):
            return "".join(pieces), position + 2
        pieces.append(text[position])
        position += 1
    return "".join(pieces), position


def _cloze_span(number: int, inner: str, ordinal: int, question: bool) -> str:
    content, _, hint = inner.partition("::")
    if number != ordinal:
        return f'<span class="cloze-inactive" data-ordinal="{number}">{content}</span>'
    if not question:
        return f'<span class="cloze" data-ordinal="{number}">{content}</span>'
    shown = f"[{hint}]" if hint else "[...]"
    return (
        f'<span class="cloze" data-cloze="{_attribute(content)}" data-ordinal="{number}">'
        f"{shown}</span>"
    )


def _attribute(text: str) -> str:
    """Anki's escaping for the hidden text it keeps in `data-cloze` (the htmlescape
    crate's attribute encoding): every character below U+0100 but letters and digits."""
    return "".join(
        char
        if ord(char) >= 256 or (char.isascii() and char.isalnum())
        else _NAMED.get(char, f"&#x{ord(char):X};")
        for char in text
    )


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
