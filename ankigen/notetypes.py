"""The three note types. Their fields are forever (anki-facts.md point 4):
Anki never updates a note whose note type's fields changed, so these lists
and ids are pinned by a test and must never be edited after a release."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ankigen.highlight import highlight_css
from ankigen.model import NoteKind


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class NoteType:
    model_id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    is_cloze: bool


_EXTRA_AND_SOURCE = (
    '{{#Extra}}<div class="extra">{{Extra}}</div>{{/Extra}}\n'
    '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'
)


def _answer_side(question_field: str, answer_field: str) -> Template:
    return Template(
        name=f"{question_field} → {answer_field}",
        question=f'<div class="question">{{{{{question_field}}}}}</div>',
        answer=(
            f'<div class="question">{{{{{question_field}}}}}</div>\n<hr id="answer">\n'
            f'<div class="answer">{{{{{answer_field}}}}}</div>\n{_EXTRA_AND_SOURCE}'
        ),
    )


BASIC_FIELDS = ("Front", "Back", "Extra", "Source", "ID")
CLOZE_FIELDS = ("Text", "Extra", "Source", "ID")

NOTE_TYPES: dict[NoteKind, NoteType] = {
    NoteKind.BASIC: NoteType(
        model_id=1500765906,
        name="ankigen Basic",
        fields=BASIC_FIELDS,
        templates=(_answer_side("Front", "Back"),),
        is_cloze=False,
    ),
    NoteKind.REVERSED: NoteType(
        model_id=1220868872,
        name="ankigen Basic (and reversed)",
        fields=BASIC_FIELDS,
        templates=(_answer_side("Front", "Back"), _answer_side("Back", "Front")),
        is_cloze=False,
    ),
    NoteKind.CLOZE: NoteType(
        model_id=1509994518,
        name="ankigen Cloze",
        fields=CLOZE_FIELDS,
        templates=(
            Template(
                name="Cloze",
                question='<div class="cloze-text">{{cloze:Text}}</div>',
                answer=f'<div class="cloze-text">{{{{cloze:Text}}}}</div>\n{_EXTRA_AND_SOURCE}',
            ),
        ),
        is_cloze=True,
    ),
}


@cache
def card_css() -> str:
    """Layout and palettes from card.css, then the code colours for day and night."""
    return files("ankigen").joinpath("card.css").read_text(encoding="utf-8") + highlight_css()
