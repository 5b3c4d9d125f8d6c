"""SourceCard + Resolved -> Note: HTML fields in the order the note type declares them."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ankigen.model import Note, NoteKind, Resolved, SourceCard
from ankigen.notetypes import REVERSE_ON


def render_card(md: MarkdownIt, card: SourceCard, resolved: Resolved) -> Note:
    env = {"image_names": resolved.image_names, "directive_html": resolved.directive_html}

    def blocks(tokens: Sequence[Token]) -> str:
        return str(md.renderer.render(list(tokens), md.options, env)).strip()

    def inline(token: Token | None) -> str:
        if token is None:
            return ""
        return str(md.renderer.render(token.children or [], md.options, env)).strip()

    question = inline(card.question)
    answer = blocks(card.answer)
    extra = blocks(card.extra)
    source = inline(card.source)
    if card.kind is NoteKind.CLOZE:
        title = f'<div class="cloze-title">{question}</div>' if question else ""
        fields: tuple[str, ...] = (title + answer, extra, source, card.card_id)
    else:
        reverse = REVERSE_ON if card.kind is NoteKind.REVERSED else ""
        fields = (question, answer, extra, source, card.card_id, reverse)
    return Note(
        path=card.path,
        line=card.line,
        namespace=card.namespace,
        card_id=card.card_id,
        kind=card.kind,
        deck=card.deck,
        fields=fields,
        tags=card.tags,
        media=resolved.media,
    )
