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
from ankigen.incremental import read_source
from ankigen.markdown import MAX_NESTING, NESTING_OVERFLOW, inline_text
from ankigen.model import Directive, NoteKind, SourceCard
from ankigen.notetypes import KIND_CLASSES
from ankigen.texsafety import forbidden_command, forbidden_message

# libyaml's safe loader when present: ten times faster, the same (safe) behaviour.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DIRECTIVE_KINDS = ("figure", "example")
DEFAULT_CARD_LEVEL = 2
SOURCE_PREFIX = "Source:"
CARD_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
HEADING_ATTRS = re.compile(r"\{#(?P<id>[^\s}]*)(?P<classes>(?:\s+\.[\w-]+)*)\s*\}")
CLOZE = re.compile(r"\{\{c\d+::")
# A cloze that makes no card: nothing to hide, or number 0 (Anki counts from 1).
USELESS_CLOZE = re.compile(r"\{\{c0+::|\{\{c\d+::\s*(?:::[^{}]*)?\}\}")
TOML_TYPES = (str, int, float, bool, list, dict)
WEB_LINK = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
# The root deck names its .apkg file: no character a file system would refuse.
FILE_NAME_FORBIDDEN = ("\\", ":", "*", "?", '"', "<", ">", "|")
MAX_FILE_NAME_BYTES = 255
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
    data = read_source(path, problems)
    return [] if data is None else parse_bytes(md, path, data, problems)


def parse_bytes(
    md: MarkdownIt, path: Path, data: bytes, problems: list[Problem]
) -> list[SourceCard]:
    """The cards of `data`, the bytes of the file at `path`."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # an editor's BOM is no content
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(path, line, "file is not valid UTF-8: save it as UTF-8"))
        return []
    env: dict[str, Any] = {}
    tokens = md.parse(text, env)
    if NESTING_OVERFLOW in env:
        problems.append(
            Problem(
                path,
                env[NESTING_OVERFLOW],
                f"lists or quotes nested more than {MAX_NESTING // 2} levels deep: "
                "flatten them (Markdown readers would drop what is below)",
            )
        )
        return []
    front = _front_matter(tokens, path, problems)
    if front is None:
        return []
    lines = text.splitlines()
    _check_fences_closed(path, tokens, lines, problems)
    cards = []
    for draft in _card_drafts(tokens, front.card_level):
        card = _make_card(md, path, front, draft, problems)
        if card is not None:
            cards.append(card)
    return cards


@dataclass(frozen=True, slots=True)
class CardHeading:
    """A card's heading as written: for `ankigen ids`, which edits the sources."""

    lines: tuple[int, int]  # the heading's source lines, from 0, end excluded
    setext: bool  # underlined with === or ---
    title: str  # without its `{#id ...}`
    card_id: str | None  # None: the heading has no `{#id}` yet


def card_headings(md: MarkdownIt, path: Path, text: str) -> list[CardHeading] | None:
    """Every card heading of a file, or None when its front matter is wrong (the build
    reports that)."""
    problems: list[Problem] = []
    tokens = md.parse(text, {})
    front = _front_matter(tokens, path, problems)
    if front is None:
        return None
    headings = []
    for draft in _card_drafts(tokens, front.card_level):
        content = draft.inline.content
        match = _heading_attrs(content)
        start, end = draft.heading.map or (0, 1)
        title = content[: match.start()].strip() if match else content.strip()
        setext = draft.heading.markup in ("=", "-")
        headings.append(CardHeading((start, end), setext, title, match["id"] if match else None))
    return headings


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
    key_lines = _front_matter_key_lines(tokens[0].content)
    known = {"deck", "tags", "card_level"}
    for key in data:
        if key not in known:
            problems.append(
                Problem(
                    path,
                    key_lines.get(str(key), 2),
                    f"unknown front matter key '{key}': use {', '.join(sorted(known))}",
                )
            )
    deck = data.get("deck")
    deck_line = key_lines.get("deck", 2)
    if not isinstance(deck, str) or not deck.strip():
        problems.append(
            Problem(path, deck_line, "front matter needs 'deck: Name' (subdecks with '::')")
        )
        return None
    deck = "::".join(part.strip() for part in deck.split("::"))
    root = deck.split("::", 1)[0]
    if (
        any(not part for part in deck.split("::"))
        or "__" in deck
        or "/" in deck
        or any(char in root for char in FILE_NAME_FORBIDDEN)
        or any(ord(char) < 32 or ord(char) == 127 for char in deck)
    ):
        problems.append(
            Problem(
                path,
                deck_line,
                f"deck name {deck!r} is invalid: no empty parts, '__', '/' or control "
                f"characters, and the root deck (the file name) none of "
                f"{' '.join(FILE_NAME_FORBIDDEN)}",
            )
        )
        return None
    if len(f".{root}.apkg.xxxxxxxx.tmp".encode()) > MAX_FILE_NAME_BYTES:
        problems.append(
            Problem(
                path,
                deck_line,
                f"root deck name '{root[:40]}...' is too long to name its .apkg file: shorten it",
            )
        )
        return None
    tags = data.get("tags", [])
    if isinstance(tags, str):
        tags = tags.split()
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and t and " " not in t for t in tags
    ):
        problems.append(
            Problem(path, key_lines.get("tags", 2), "'tags' must be a list of words without spaces")
        )
        return None
    level = data.get("card_level", DEFAULT_CARD_LEVEL)
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 6:
        problems.append(
            Problem(
                path,
                key_lines.get("card_level", 2),
                "'card_level' must be a heading level from 1 to 6",
            )
        )
        return None
    return FrontMatter(deck=deck, tags=tuple(tags), card_level=level)


def _front_matter_key_lines(content: str) -> dict[str, int]:
    """File line of each top-level key (the front matter starts on line 2)."""
    node = yaml.compose(content, Loader=SAFE_LOADER)
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): 2 + key.start_mark.line for key, _ in node.value}


def _check_fences_closed(
    path: Path, tokens: Sequence[Token], lines: Sequence[str], problems: list[Problem]
) -> None:
    """An unclosed fence runs to the end of its file or quote and swallows the cards
    below it, so it is refused rather than guessed at."""
    for token in tokens:
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map
        last = lines[end - 1] if start < end - 1 < len(lines) else ""
        closing = re.sub(r"^[\s>]*", "", last).rstrip()
        marker = token.markup[0]
        if not (closing.startswith(token.markup) and closing == marker * len(closing)):
            problems.append(
                Problem(
                    path,
                    start + 1,
                    f"code block is never closed: add a line '{token.markup}' where it ends",
                )
            )


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
    match = _heading_attrs(text)
    return re.sub(r"\s+", "_", (text[: match.start()] if match else text).strip())


def _heading_attrs(text: str) -> re.Match[str] | None:
    """The `{#id .class}` that ends a heading. Only the last `{#` can start it, so
    this is linear where a searching regex was quadratic on hostile headings."""
    end = len(text.rstrip())
    start = text.rfind("{#", 0, end)
    return HEADING_ATTRS.fullmatch(text, start, end) if start >= 0 else None


def _make_card(
    md: MarkdownIt, path: Path, front: FrontMatter, draft: _CardDraft, problems: list[Problem]
) -> SourceCard | None:
    line = _line(draft.heading)
    before = len(problems)
    match = _heading_attrs(draft.inline.content)
    if match is None:
        hint = ""
        if draft.heading.markup == "-":
            hint = " (a '---' right under a line of text makes it a heading: leave a blank line)"
        problems.append(
            Problem(
                path,
                line,
                f"card has no id: end the heading with {{#some-id}}, or run 'ankigen ids' "
                f"to add one to every heading that lacks it{hint}",
            )
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
        if cls not in KIND_CLASSES:
            known = ", ".join(f"'{name}'" for name in KIND_CLASSES)
            problems.append(Problem(path, line, f"unknown card class '{cls}': known are {known}"))
    title = draft.inline.content[: match.start()].strip()
    if not title:
        problems.append(Problem(path, line, "question is empty: write it in the heading"))
    question = _without_attrs(md, draft.inline, match, title)

    body, source = _split_source(md, draft.body)
    answer, extra = _split_extra(body)
    asked = [cls for cls in classes if cls in KIND_CLASSES]
    kind = KIND_CLASSES[asked[0]] if asked else NoteKind.BASIC
    if CLOZE.search(title) or any(CLOZE.search(t.content) for t in _walk(answer)):
        if asked:
            problems.append(Problem(path, line, f"a cloze card cannot also be '{asked[0]}'"))
        kind = NoteKind.CLOZE
    if not _has_content(answer) and kind is not NoteKind.CLOZE:
        problems.append(Problem(path, line, "answer is empty: write the answer below the heading"))
    if kind is NoteKind.CLOZE:
        _check_clozes(path, [draft.inline, *answer], problems)
    _check_dollars(path, [question], problems, line)
    _check_dollars(path, draft.body, problems, line)
    _check_math(path, [draft.inline, *draft.body], problems)
    _check_links(path, [question, *draft.body], problems)
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


def _check_clozes(path: Path, tokens: Sequence[Token], problems: list[Problem]) -> None:
    for token in tokens:
        match = USELESS_CLOZE.search(token.content) if token.type == "inline" else None
        if match is not None:
            problems.append(
                Problem(
                    path,
                    _line_in(token, match.start()),
                    f"cloze '{match[0]}' makes no card: put the hidden text after '::' "
                    "and number clozes from c1",
                )
            )


def _check_math(path: Path, tokens: Sequence[Token], problems: list[Problem]) -> None:
    """Math reaches MathJax in the learner's Anki: no command that makes markup or links."""
    for token in tokens:
        formulas = [token] if token.type.startswith("math_") else token.children or []
        for formula in formulas:
            command = (
                forbidden_command(formula.content) if formula.type.startswith("math_") else None
            )
            if command is not None:
                where = max(token.content.find(formula.content), 0)
                problems.append(Problem(path, _line_in(token, where), forbidden_message(command)))


def _check_links(path: Path, tokens: Sequence[Token], problems: list[Problem]) -> None:
    """A card may link to web pages, nothing else (no app schemes, no local files)."""
    for token in tokens:
        for child in token.children or ():
            href = str(child.attrGet("href") or "") if child.type == "link_open" else ""
            if child.type == "link_open" and not WEB_LINK.match(href):
                problems.append(
                    Problem(
                        path,
                        _line_in(token, max(token.content.find(href), 0)),
                        f"link '{href}' is not a web address: link to an https:// page",
                    )
                )


def _line_in(token: Token, offset: int) -> int:
    """The file line of a character offset inside a token's content."""
    return _line(token) + token.content[:offset].count("\n")


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
        except (tomllib.TOMLDecodeError, RecursionError) as error:
            reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
            problems.append(
                Problem(
                    path,
                    line,
                    f"bad parameters for {kind} '{words[1]}': {reason}; "
                    "write one 'name = value' per line (TOML)",
                )
            )
            continue
        param_lines = _param_lines(token.content, params, line)
        odd = _unsupported_value(params)
        if odd is not None:
            name, value = odd
            problems.append(
                Problem(
                    path,
                    param_lines.get(name, line),
                    f"parameter '{name}' is a {type(value).__name__}: recipes take strings, "
                    "numbers, booleans and lists; quote it if it is text",
                )
            )
            continue
        directives.append(Directive(kind, words[1], params, line, param_lines))
    return directives


def _unsupported_value(params: dict[str, Any]) -> tuple[str, Any] | None:
    """The first TOML value (dates and times) a recipe cannot take, with its parameter."""
    stack: list[tuple[str, Any]] = list(params.items())
    while stack:
        name, value = stack.pop()
        if not isinstance(value, TOML_TYPES):
            return name, value
        if isinstance(value, list):
            stack.extend((name, item) for item in value)
        elif isinstance(value, dict):
            stack.extend((name, item) for item in value.values())
    return None


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
