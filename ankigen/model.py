"""The values that flow through the pipeline: each step takes some and returns new ones."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it.token import Token


class NoteKind(enum.Enum):
    """Which note type a card becomes; the value is the note type's stable key."""

    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"


@dataclass(frozen=True, slots=True)
class Directive:
    """A fenced block that asks a registered recipe for a figure or a worked example."""

    kind: str  # "figure" or "example"
    name: str
    params: dict[str, Any]
    line: int  # line of the opening fence
    param_lines: dict[str, int]  # where each parameter is written, for errors


@dataclass(frozen=True, slots=True)
class SourceCard:
    """One card as written: token slices of its file, before anything is resolved."""

    path: Path
    line: int
    card_id: str
    kind: NoteKind
    deck: str
    tags: tuple[str, ...]
    question: Token  # an inline token
    answer: tuple[Token, ...]
    extra: tuple[Token, ...]
    source: Token | None  # an inline token
    directives: tuple[Directive, ...]

    @property
    def root_deck(self) -> str:
        """Ids are unique per root deck, and the note GUID is derived from both."""
        return self.deck.split("::", 1)[0]


@dataclass(frozen=True, slots=True)
class Media:
    """A file packaged with the deck, named by a hash of its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a card's images and directives turned into, keyed for the renderer."""

    image_names: dict[str, str]  # src as written -> packaged media name
    directive_html: dict[int, str]  # fence line -> HTML
    media: tuple[Media, ...]


@dataclass(frozen=True, slots=True)
class Note:
    """A rendered card, ready to be packaged: its parts as HTML, named; which note-type
    field each part fills is notetypes.note_fields' business."""

    path: Path  # where the card is written, for messages
    line: int
    root_deck: str
    card_id: str
    kind: NoteKind
    deck: str
    question: str
    answer: str
    extra: str
    source: str
    tags: tuple[str, ...]
    media: tuple[Media, ...]


@dataclass(frozen=True, slots=True)
class NoteRow:
    """What packaging a note takes work to compute (package.note_row): its GUID, the
    cards it makes (their template or cloze ordinals, in genanki's order), and the
    digest its stamp follows. Made where the note is rendered, in parallel, and kept
    with it in the build cache, so writing a package only copies rows."""

    guid: str
    card_ords: tuple[int, ...]
    digest: str
