"""Images and directives -> media and HTML. The only step that runs recipe code."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ankigen.confine import inside_project
from ankigen.errors import Problem, display_path
from ankigen.images import UnsafeImage, image_suffix
from ankigen.model import Directive, Media, Resolved, SourceCard
from ankigen.recipes import RecipeError, Registry, wrong_return
from ankigen.svg import figure_to_svg, is_figure, smallest_text_pt
from ankigen.worked import WorkedExample, render_worked_example


class Resolver:
    """Resolves cards one by one, rendering each distinct directive call once per build."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._calls: dict[str, tuple[str, Media | None]] = {}

    def resolve(self, card: SourceCard, root: Path, problems: list[Problem]) -> Resolved:
        """`root` is the project folder: no image may be read from outside it."""
        media: dict[str, Media] = {}
        image_names: dict[str, str] = {}
        for inline, image in _images(card):
            src = str(image.attrGet("src") or "")
            found = _load_image(root, card.path, src, _line_of(inline, src), problems)
            if found is not None:
                image_names[src] = found.name
                media[found.name] = found
        directive_html: dict[int, str] = {}
        for directive in card.directives:
            result = self._call(card.path, directive, problems)
            if result is not None:
                html, item = result
                directive_html[directive.line] = html
                if item is not None:
                    media[item.name] = item
        return Resolved(image_names, directive_html, tuple(media[k] for k in sorted(media)))

    def _call(
        self, path: Path, directive: Directive, problems: list[Problem]
    ) -> tuple[str, Media | None] | None:
        key = json.dumps([directive.kind, directive.name, directive.params], sort_keys=True)
        if key in self._calls:
            return self._calls[key]
        recipe = self.registry.get(directive.kind, directive.name)
        if recipe is None:
            known = ", ".join(self.registry.names(directive.kind)) or "none"
            problems.append(
                Problem(
                    path,
                    directive.line,
                    f"unknown {directive.kind} '{directive.name}': registered are {known}",
                )
            )
            return None
        try:
            result = recipe.call(directive.params, partial(_to_html, directive))
        except RecipeError as error:
            line = directive.param_lines.get(error.parameter or "", directive.line)
            problems.append(Problem(path, line, error.message))
            return None
        self._calls[key] = result
        return result


def _to_html(directive: Directive, value: Any) -> tuple[str, Media | None]:
    if directive.kind == "figure" and is_figure(value):
        data = figure_to_svg(value, salt=directive.name)
        media = Media(_hashed_name(directive.name, data, ".svg"), data)
        alt = escapeHtml(directive.name)
        text = f"{smallest_text_pt(value):g}"
        return (
            f'<div class="figure"><img src="{media.name}" alt="{alt}" '
            f'data-min-text-pt="{text}"></div>\n'
        ), media
    if directive.kind == "example" and isinstance(value, WorkedExample):
        return render_worked_example(directive.name, value), None
    raise wrong_return(directive.kind, directive.name, value)


def _images(card: SourceCard) -> Iterator[tuple[Token, Token]]:
    blocks = [card.question, *card.answer, *card.extra]
    if card.source is not None:
        blocks.append(card.source)
    for block in blocks:
        for child in _descendants(block):
            if child.type == "image":
                yield block, child


def _descendants(token: Token) -> Iterator[Token]:
    for child in token.children or []:
        yield child
        yield from _descendants(child)


def _load_image(
    root: Path, card_path: Path, src: str, line: int, problems: list[Problem]
) -> Media | None:
    """The image's bytes, only from a file inside the project that really is an image:
    a card must never carry the build machine's files into a shared deck."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        problems.append(
            Problem(card_path, line, f"image '{src}' is not a local file: save it beside the notes")
        )
        return None
    relative = unquote(parts.path)
    if relative.startswith(("/", "\\")) or PureWindowsPath(relative).drive:
        problems.append(
            Problem(
                card_path,
                line,
                f"image '{src}' is an absolute path: write it relative to this file",
            )
        )
        return None
    inside = inside_project(root, card_path.parent / relative)
    if inside is None:
        problems.append(
            Problem(
                card_path,
                line,
                f"image '{src}' is outside the project: keep images in the project folder",
            )
        )
        return None
    try:
        data = inside.read_bytes()
    except OSError as error:
        reason = {FileNotFoundError: "not found", IsADirectoryError: "is a folder"}.get(
            type(error), error.strerror
        )
        problems.append(
            Problem(card_path, line, f"image '{src}' {reason}: no file at {display_path(inside)}")
        )
        return None
    try:
        suffix = image_suffix(data)
    except UnsafeImage as error:
        problems.append(Problem(card_path, line, f"image '{src}': {error.message}"))
        return None
    return Media(_hashed_name(inside.stem, data, suffix), data)


def _hashed_name(stem: str, data: bytes, suffix: str) -> str:
    """A changed file gets a new name, so Anki's flat media folder never serves a stale one;
    the slug never starts with `_`, a prefix Anki treats as never-refreshed."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-_") or "media"
    return f"{slug}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"


def _line_of(inline: Token, needle: str) -> int:
    start = inline.map[0] + 1 if inline.map else 1
    offset = max(inline.content.find(needle), 0)
    return start + inline.content[:offset].count("\n")
