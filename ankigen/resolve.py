"""Images and directives -> media and HTML. The only step that runs recipe code."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PureWindowsPath
from typing import Protocol
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from ankigen.confine import inside_project
from ankigen.errors import Problem, display_path
from ankigen.images import UnsafeImage, image_suffix
from ankigen.model import Directive, Media, Resolved, SourceCard
from ankigen.products import hashed_name, product_html
from ankigen.recipes import RecipeError, Registry


class StoredCalls(Protocol):
    """Recipe calls kept from earlier builds, by the call's JSON key."""

    def get(self, key: str) -> tuple[str, Media | None] | None: ...

    def put(self, key: str, result: tuple[str, Media | None]) -> None: ...


class Resolver:
    """Resolves cards one by one, rendering each distinct directive call once per build."""

    def __init__(self, registry: Callable[[], Registry], stored: StoredCalls | None = None) -> None:
        """`registry` loads the recipes when a call is not stored (a cached build of
        unchanged recipes never imports them); `stored` keeps calls across builds."""
        self._registry = registry
        self._stored = stored
        self._calls: dict[str, tuple[str, Media | None]] = {}
        self.images_read: dict[str, str] = {}  # path -> sha256 of every image read

    def resolve(self, card: SourceCard, root: Path, problems: list[Problem]) -> Resolved:
        """`root` is the project folder: no image may be read from outside it."""
        media: dict[str, Media] = {}
        image_names: dict[str, str] = {}
        for inline, image in _images(card):
            src = str(image.attrGet("src") or "")
            found = _load_image(root, card.path, src, _line_of(inline, src), problems)
            if found is not None:
                path, image_media = found
                self.images_read[str(path)] = hashlib.sha256(image_media.data).hexdigest()
                image_names[src] = image_media.name
                media[image_media.name] = image_media
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
        key = call_key(directive)
        made = self._known(key)
        if made is not None:
            return made
        registry = self._registry()
        recipe = registry.get(directive.kind, directive.name)
        if recipe is None:
            known = ", ".join(registry.names(directive.kind)) or "none"
            problems.append(
                Problem(
                    path,
                    directive.line,
                    f"unknown {directive.kind} '{directive.name}': registered are {known}",
                )
            )
            return None
        try:
            result = product_html(directive.name, recipe.call(directive.params))
        except RecipeError as error:
            line = directive.param_lines.get(error.parameter or "", directive.line)
            problems.append(Problem(path, line, error.message))
            return None
        if self._stored is not None:
            self._stored.put(key, result)
        self._calls[key] = result
        return result

    def missing(self, directives: Iterable[Directive]) -> list[Directive]:
        """The distinct calls among `directives` neither made in this build nor stored."""
        found: dict[str, Directive] = {}
        for directive in directives:
            key = call_key(directive)
            if key not in found and self._known(key) is None:
                found[key] = directive
        return list(found.values())

    def _known(self, key: str) -> tuple[str, Media | None] | None:
        """The call's result if this build made it, or an earlier one stored it."""
        if key not in self._calls and self._stored is not None:
            stored = self._stored.get(key)
            if stored is not None:
                self._calls[key] = stored
        return self._calls.get(key)

    def made(self, directive: Directive) -> tuple[str, Media | None] | None:
        """Makes one call for another process's resolver (which reports its problems)."""
        self._call(Path(), directive, [])
        return self._calls.get(call_key(directive))

    def remember(self, directive: Directive, result: tuple[str, Media | None]) -> None:
        self._calls[call_key(directive)] = result


def call_key(directive: Directive) -> str:
    return json.dumps([directive.kind, directive.name, directive.params], sort_keys=True)


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
) -> tuple[Path, Media] | None:
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
    return inside, Media(hashed_name(inside.stem, data, suffix), data)


def _line_of(inline: Token, needle: str) -> int:
    start = inline.map[0] + 1 if inline.map else 1
    offset = max(inline.content.find(needle), 0)
    return start + inline.content[:offset].count("\n")
