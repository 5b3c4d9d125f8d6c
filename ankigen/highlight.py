"""Code blocks coloured at build time: Anki cards get no JavaScript to do it later."""

from __future__ import annotations

from functools import cache

from markdown_it.common.utils import escapeHtml
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

LIGHT_STYLE = "friendly"
DARK_STYLE = "monokai"


@cache
def find_lexer(language: str) -> Lexer | None:
    """None when Pygments has no lexer of that name, so the parser can report it."""
    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


@cache
def _formatter() -> HtmlFormatter[str]:
    """One formatter for the build: creating one builds a style sheet, which is slow."""
    return HtmlFormatter(cssclass="highlight")


def highlight(code: str, language: str) -> str:
    """HTML with Pygments classes; a block without a language is shown as plain text."""
    lexer = find_lexer(language) if language else None
    if lexer is None:
        return f'<div class="highlight"><pre>{escapeHtml(code)}</pre></div>\n'
    return str(pygments_highlight(code, lexer, _formatter()))


def highlight_css() -> str:
    """Both palettes: the dark one applies under Anki's night-mode body classes."""
    # types-Pygments leaves get_style_defs unannotated; it returns str.
    light = HtmlFormatter(style=LIGHT_STYLE).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    dark = HtmlFormatter(style=DARK_STYLE).get_style_defs(  # type: ignore[no-untyped-call]
        [".nightMode .highlight", ".night_mode .highlight"]
    )
    return f"{light}\n{dark}\n"
