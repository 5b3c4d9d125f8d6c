"""Markdown file -> SourceCards: one card per heading of the chosen level.

A pass over markdown-it's flat token list, no custom syntax rule: the heading is
the question, what follows it is the answer, a thematic break (`---`) starts the
optional extra, a paragraph starting with `Source:` is the source.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ankigen.errors import Problem
from ankigen.highlight import find_lexer
from ankigen.markdown import inline_text
from ankigen.model import Directive, NoteKind, SourceCard

# libyaml's safe loader when present: ten times faster, the same (safe) behaviour.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DIRECTIVE_KINDS = ("figure", "example")
DEFAULT_CARD_LEVEL = 2
SOURCE_PREFIX = "Source:"
CARD_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADING_ATTRS = re.compile(r"\s*\{#(?P<id>[^\s}]*)(?P<classes>(?:\s+\.[\w-]+)*)\s*\}\s*$")
CLOZE = re.compile(r"\{\{c\d+::")
RECIPE_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


@dataclass(frozen=True, slots=True)
class FrontMatter:
    deck: str
    tags: tuple[str, ...]
    card_level: int


@dataclass(slots=True)
class _CardDraft:
    """Collects a card's tokens while the file is walked; frozen into a SourceCard after."""

    heading: Token
    inline: Token
    group_tag: str
    body: list[Token] = field(default_factory=list)


def parse_file(md: MarkdownIt, path: Path, problems: list[Problem]) -> list[SourceCard]:
    """Every card of one file; problems are appended, not raised, so all are reported."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "file is not valid UTF-8: save it as UTF-8"))
        return []
    tokens = md.parse(text)
    front = _front_matter(tokens, path, problems)
    if front is None:
        return []
    cards = []
    for draft in _card_drafts(tokens, front.card_level):
        card = _make_card(md, path, front, draft, problems)
        if card is not None:
            cards.append(card)
    return cards


def _front_matter(
    tokens: Sequence[Token], path: Path, problems: list[Problem]
) -> FrontMatter | None:
    if not tokens or tokens[0].type != "front_matter":
        problems.append(
            Problem(path, 1, "no front matter: start the file with '---', 'deck: Name', '---'")
        )
        return None
    try:
        data = yaml.load(tokens[0].content, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        # Where the broken construct starts reads better than where parsing gave up.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        problems.append(
            Problem(path, line, f"front matter is not valid YAML: {_first_line(error)}")
        )
        return None
    if not isinstance(data, dict):
        problems.append(Problem(path, 2, "front matter must be 'key: value' lines"))
        return None
    known = {"deck", "tags", "card_level"}
    for key in data:
        if key not in known:
            problems.append(
                Problem(
                    path, 2, f"unknown front matter key '{key}': use {', '.join(sorted(known))}"
                )
            )
    deck = data.get("deck")
    if not isinstance(deck, str) or not deck.strip():
        problems.append(Problem(path, 2, "front matter needs 'deck: Name' (subdecks with '::')"))
        return None
    deck = "::".join(part.strip() for part in deck.split("::"))
    if any(not part for part in deck.split("::")) or "__" in deck or "/" in deck:
        problems.append(
            Problem(path, 2, f"deck name '{deck}' is invalid: no empty parts, '__' or '/'")
        )
        return None
    tags = data.get("tags", [])
    if isinstance(tags, str):
        tags = tags.split()
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and t and " " not in t for t in tags
    ):
        problems.append(Problem(path, 2, "'tags' must be a list of words without spaces"))
        return None
    level = data.get("card_level", DEFAULT_CARD_LEVEL)
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6:
        problems.append(Problem(path, 2, "'card_level' must be a heading level from 1 to 6"))
        return None
    return FrontMatter(deck=deck, tags=tuple(tags), card_level=level)


def _card_drafts(tokens: Sequence[Token], card_level: int) -> Iterator[_CardDraft]:
    """Slices the token list at top-level headings; text outside cards is commentary."""
    groups: dict[int, str] = {}
    draft: _CardDraft | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and token.level == 0:
            level = int(token.tag[1:])
            if level <= card_level and draft is not None:
                yield draft
                draft = None
            if level < card_level:
                groups = {lvl: name for lvl, name in groups.items() if lvl < level}
                groups[level] = _tag_word(inline_text(tokens[index + 1]))
                index += 3
                continue
            if level == card_level:
                group_tag = "::".join(groups[lvl] for lvl in sorted(groups))
                draft = _CardDraft(heading=token, inline=tokens[index + 1], group_tag=group_tag)
                index += 3
                continue
        if draft is not None:
            draft.body.append(token)
        index += 1
    if draft is not None:
        yield draft


def _tag_word(text: str) -> str:
    return re.sub(r"\s+", "_", HEADING_ATTRS.sub("", text).strip())


def _make_card(
    md: MarkdownIt, path: Path, front: FrontMatter, draft: _CardDraft, problems: list[Problem]
) -> SourceCard | None:
    line = _line(draft.heading)
    before = len(problems)
    match = HEADING_ATTRS.search(draft.inline.content)
    if match is None:
        hint = ""
        if draft.heading.markup == "-":
            hint = " (a '---' right under a line of text makes it a heading: leave a blank line)"
        problems.append(
            Problem(path, line, f"card has no id: end the heading with {{#some-id}}{hint}")
        )
        return None
    card_id = match["id"]
    if not CARD_ID.fullmatch(card_id):
        problems.append(
            Problem(
                path,
                line,
                f"card id '{card_id}' is invalid: use lowercase letters, digits and single "
                "hyphens, e.g. {#relu-dead-units}",
            )
        )
    classes = match["classes"].split()
    for cls in classes:
        if cls != ".reversed":
            problems.append(
                Problem(path, line, f"unknown card class '{cls}': the only one is '.reversed'")
            )
    title = draft.inline.content[: match.start()].strip()
    if not title:
        problems.append(Problem(path, line, "question is empty: write it in the heading"))
    question = _without_attrs(md, draft.inline, match, title)

    body, source = _split_source(md, draft.body)
    answer, extra = _split_extra(body)
    kind = NoteKind.BASIC
    if CLOZE.search(title) or any(CLOZE.search(t.content) for t in _walk(answer)):
        kind = NoteKind.CLOZE
        if ".reversed" in classes:
            problems.append(Problem(path, line, "a cloze card cannot also be '.reversed'"))
    elif ".reversed" in classes:
        kind = NoteKind.REVERSED
    if not _has_content(answer) and kind is not NoteKind.CLOZE:
        problems.append(Problem(path, line, "answer is empty: write the answer below the heading"))
    _check_dollars(path, [question], problems, line)
    _check_dollars(path, draft.body, problems, line)
    directives = _directives(path, draft.body, problems)
    _check_code_languages(path, draft.body, problems)
    if len(problems) > before:
        return None
    return SourceCard(
        path=path,
        line=line,
        card_id=card_id,
        kind=kind,
        deck=front.deck,
        tags=tuple(dict.fromkeys(front.tags + ((draft.group_tag,) if draft.group_tag else ()))),
        question=question,
        answer=tuple(answer),
        extra=tuple(extra),
        source=source,
        directives=tuple(directives),
    )


def _without_attrs(md: MarkdownIt, inline: Token, match: re.Match[str], title: str) -> Token:
    """The heading's inline token minus its trailing `{#id}`.

    The attributes nearly always end the last text token, which is then trimmed;
    otherwise the title is parsed again (slower, same result).
    """
    children = inline.children or []
    if children and children[-1].type == "text" and children[-1].content.endswith(match[0]):
        last = children[-1].copy(content=children[-1].content[: -len(match[0])].rstrip())
        kept = children[:-1] + ([last] if last.content else [])
        return inline.copy(content=title, children=kept)
    question = md.parseInline(title)[0]
    question.map = inline.map
    return question


def _split_source(md: MarkdownIt, body: list[Token]) -> tuple[list[Token], Token | None]:
    """Takes out the top-level paragraph that starts with `Source:`."""
    for index, token in enumerate(body[:-2]):
        inline = body[index + 1]
        if (
            token.type == "paragraph_open"
            and token.level == 0
            and inline.content.startswith(SOURCE_PREFIX)
        ):
            source = md.parseInline(inline.content[len(SOURCE_PREFIX) :].strip())[0]
            source.map = inline.map
            return body[:index] + body[index + 3 :], source
    return body, None


def _split_extra(body: list[Token]) -> tuple[list[Token], list[Token]]:
    for index, token in enumerate(body):
        if token.type == "hr" and token.level == 0:
            return body[:index], body[index + 1 :]
    return body, []


def _has_content(tokens: Sequence[Token]) -> bool:
    kinds = ("inline", "fence", "code_block", "math_block", "math_block_label")
    return any(t.type in kinds and (t.content.strip() or _is_directive(t)) for t in tokens)


def _is_directive(token: Token) -> bool:
    return token.type == "fence" and token.info.split()[:1] in ([k] for k in DIRECTIVE_KINDS)


def _walk(tokens: Sequence[Token]) -> Iterator[Token]:
    """Every token, children of inline tokens included."""
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _check_dollars(
    path: Path, tokens: Sequence[Token], problems: list[Problem], fallback_line: int
) -> None:
    """A `$` that dollarmath left in plain text has no partner: the formula would show raw."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        stray = next((c for c in token.children if c.type == "text" and "$" in c.content), None)
        if stray is not None:
            line = fallback_line
            if token.map:
                offset = max(token.content.find(stray.content), 0)
                line = _line(token) + token.content[:offset].count("\n")
            problems.append(
                Problem(
                    path,
                    line,
                    "unbalanced '$': close the formula with a matching '$' "
                    "(write '\\$' for a literal dollar sign)",
                )
            )


def _directives(path: Path, body: Sequence[Token], problems: list[Problem]) -> list[Directive]:
    directives = []
    for token in body:
        if token.type != "fence":
            continue
        if not _is_directive(token):
            continue
        words = token.info.split()
        line = _line(token)
        kind = words[0]
        if len(words) != 2 or not RECIPE_NAME.fullmatch(words[1]):
            problems.append(Problem(path, line, f"'{kind}' needs one recipe name: ```{kind} NAME"))
            continue
        try:
            params: dict[str, Any] = tomllib.loads(token.content)
        except tomllib.TOMLDecodeError as error:
            problems.append(
                Problem(
                    path,
                    line,
                    f"bad parameters for {kind} '{words[1]}': {error}; "
                    "write one 'name = value' per line (TOML)",
                )
            )
            continue
        param_lines = _param_lines(token.content, params, line)
        directives.append(Directive(kind, words[1], params, line, param_lines))
    return directives


def _param_lines(content: str, params: dict[str, Any], fence_line: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    for offset, text in enumerate(content.splitlines(), start=1):
        key = text.split("=", 1)[0].strip()
        if key in params and key not in lines:
            lines[key] = fence_line + offset
    return lines


def _check_code_languages(path: Path, body: Sequence[Token], problems: list[Problem]) -> None:
    for token in body:
        if token.type != "fence" or not token.info.strip():
            continue
        language = token.info.split()[0]
        if language not in DIRECTIVE_KINDS and find_lexer(language) is None:
            problems.append(
                Problem(
                    path,
                    _line(token),
                    f"unknown code language '{language}': use a Pygments name such as "
                    "'python', or none",
                )
            )


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
