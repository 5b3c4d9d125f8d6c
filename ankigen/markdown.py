"""The one configured Markdown parser and renderer, shared by every step."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.dollarmath.index import math_inline_dollar
from mdit_py_plugins.front_matter import front_matter_plugin

from ankigen.highlight import highlight

# Blocks nested deeper than this are refused (markdown-it would drop them
# silently); a 10-level outline needs about 21, a sane note far fewer than 64.
MAX_NESTING = 64
NESTING_OVERFLOW = "nesting_overflow"  # env key: first source line left unparsed


def make_parser() -> MarkdownIt:
    """CommonMark with raw HTML off, so `<script>` in a note is shown as text, never run.

    `text_join` is off so that escaped characters stay `text_special` tokens: a `$`
    left in a plain `text` token is then certainly an unbalanced math delimiter.
    """
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.use(front_matter_plugin)
    # allow_digits=False: in "costs $5 and $6" the `$` are not math, and are
    # then reported as unbalanced rather than silently typeset.
    md.use(dollarmath_plugin, double_inline=True, allow_digits=False)
    md.inline.ruler.before("math_inline", "math_inline_at_start", _math_inline_at_start)
    md.enable(["table", "strikethrough"])
    md.disable("text_join")
    _report_nesting_overflow(md)
    md.core.ruler.push("glue_punctuation", _glue_punctuation)
    _add_render_rules(md)
    return md


# The same inline rule with digits allowed around the `$`: checked by hand below.
_LENIENT_MATH = math_inline_dollar(allow_space=True, allow_digits=True, allow_double=True)


def _math_inline_at_start(state: StateInline, silent: bool) -> bool:
    """A formula that opens the inline text. dollarmath (allow_digits=False) reads the
    character "before" position 0 as `src[-1]`, the last one: `$x$ is 0` would lose its
    formula and be refused as an unbalanced `$`. Here the rule is applied as intended:
    only a digit right after the closing `$` (`$5 and $6`) keeps it from being math."""
    if state.pos != 0 or not state.src.startswith("$"):
        return False
    if not _LENIENT_MATH(state, True):  # a silent probe still moves past the formula
        return False
    after_closing = state.pos
    state.pos = 0
    if state.src[after_closing : after_closing + 1].isdigit():
        return False
    return bool(_LENIENT_MATH(state, silent))


# Punctuation that must not start a line, or end one (kinsoku): CSS alone cannot
# keep it beside a formula, which the browser sees as a separate box.
CLOSING_PUNCTUATION = re.compile(r"^[，。；、：）！？」』】〉》,.;:)!?]+")
OPENING_PUNCTUATION = re.compile(r"[（「『【〈《(]+$")


def _glue_punctuation(state: StateCore) -> None:
    """Moves the punctuation right after an inline formula (`meta["glue"]`) and an
    opening bracket right before it (`meta["lead"]`) into the formula's token, so
    the renderer keeps them on one line."""
    for block in state.tokens:
        children = block.children or []
        for first, second in pairwise(children):
            if first.type == "math_inline" and second.type == "text":
                glue = CLOSING_PUNCTUATION.match(second.content)
                if glue is not None:
                    first.meta["glue"] = glue[0]
                    second.content = second.content[glue.end() :]
            if first.type == "text" and second.type == "math_inline":
                lead = OPENING_PUNCTUATION.search(first.content)
                if lead is not None:
                    second.meta["lead"] = lead[0]
                    first.content = first.content[: lead.start()]


def _report_nesting_overflow(md: MarkdownIt) -> None:
    """markdown-it skips every line past `maxNesting` without a word: note where,
    in `env[NESTING_OVERFLOW]`, so the parser can refuse the file instead."""
    tokenize = md.block.tokenize

    def tokenize_and_note(state: Any, start: int, end: int) -> None:
        if state.level >= MAX_NESTING:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                state.env.setdefault(NESTING_OVERFLOW, line + 1)
        tokenize(state, start, end)

    md.block.tokenize = tokenize_and_note  # type: ignore[method-assign,assignment]


def _add_render_rules(md: MarkdownIt) -> None:
    rules: dict[str, Any] = {
        "math_inline": _math_inline,
        "math_inline_double": _math_inline_double,
        "math_block": _math_block,
        "math_block_label": _math_block,
        "text_special": _text_special,
        "softbreak": _softbreak,
        "fence": _fence,
        "image": _image,
    }
    for name, rule in rules.items():
        md.add_render_rule(name, rule)


def _math_inline(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # Anki's MathJax reads \( \); escaping keeps `<` from opening a tag.
    formula = "\\(" + escapeHtml(tokens[idx].content) + "\\)"
    lead, glue = tokens[idx].meta.get("lead", ""), tokens[idx].meta.get("glue", "")
    if not (lead or glue):
        return formula
    return f'<span class="nobreak">{escapeHtml(lead)}{formula}{escapeHtml(glue)}</span>'


def _math_inline_double(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # `$$...$$` inside a paragraph: no <div> may stand inside a <p>, so a span
    # that card.css displays as a block gives it the same box as a `$$` block.
    return '<span class="math">\\[' + escapeHtml(tokens[idx].content) + "\\]</span>"


def _math_block(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return '<div class="math">\\[' + escapeHtml(tokens[idx].content.strip()) + "\\]</div>\n"


# Chinese and Japanese text has no spaces: a line break of the source between such
# characters must not become one (a browser shows a newline as a space).
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")


def _softbreak(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    before = tokens[idx - 1].content[-1:] if idx > 0 else ""
    after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
    if tokens[idx - 1].type == "math_inline" and tokens[idx - 1].meta.get("glue"):
        before = tokens[idx - 1].meta["glue"][-1]
    return "" if CJK.match(before) or CJK.match(after) else "\n"


def _text_special(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return escapeHtml(tokens[idx].content)


def _fence(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    directive_html: dict[int, str] = env.get("directive_html", {})
    if token.map is not None and token.map[0] + 1 in directive_html:
        return directive_html[token.map[0] + 1]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return highlight(token.content, language)


def _image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    name = env.get("image_names", {}).get(src, src)
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<img src="{escapeHtml(name)}" alt="{escapeHtml(alt)}">'


def inline_text(token: Token) -> str:
    """The plain text of an inline token, for tags and messages."""
    return "".join(child.content for child in token.children or [] if child.type != "softbreak")
