"""SourceCard + Resolved -> Note: the question, answer, extra and source as HTML."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ankigen.model import Note, Resolved, SourceCard


def render_card(md: MarkdownIt, card: SourceCard, resolved: Resolved) -> Note:
    env = {"image_names": resolved.image_names, "directive_html": resolved.directive_html}

    def blocks(tokens: Sequence[Token]) -> str:
        return str(md.renderer.render(list(tokens), md.options, env)).strip()

    def inline(token: Token | None) -> str:
        if token is None:
            return ""
        return str(md.renderer.render(token.children or [], md.options, env)).strip()

    return Note(
        path=card.path,
        line=card.line,
        root_deck=card.root_deck,
        card_id=card.card_id,
        kind=card.kind,
        deck=card.deck,
        question=inline(card.question),
        answer=blocks(card.answer),
        extra=blocks(card.extra),
        source=inline(card.source),
        tags=card.tags,
        media=resolved.media,
    )
