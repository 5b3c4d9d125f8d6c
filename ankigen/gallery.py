"""`ankigen figures`: every figure as PNG and SVG in one folder, to look at them.

Each registered figure is drawn with its defaults, and every distinct call the
content makes with its own parameters, so what a card shows is what you see.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankigen.build import discover, load_recipes
from ankigen.config import Config
from ankigen.errors import BuildError, Problem
from ankigen.markdown import make_parser
from ankigen.parse import parse_file
from ankigen.recipes import REGISTRY, RecipeError
from ankigen.stamps import content_digest
from ankigen.svg import figure_to_svg


@dataclass(frozen=True, slots=True)
class GalleryItem:
    png: Path
    svg_bytes: int


def figure_calls(config: Config) -> list[tuple[str, dict[str, Any]]]:
    """Defaults of every registered figure, then each distinct call in the content."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in REGISTRY.names("figure"):
        calls[json.dumps([name, {}])] = (name, {})
    md = make_parser()
    problems: list[Problem] = []
    for path in discover(config.content):
        for card in parse_file(md, path, problems):
            for directive in card.directives:
                if directive.kind == "figure":
                    key = json.dumps([directive.name, directive.params], sort_keys=True)
                    calls.setdefault(key, (directive.name, directive.params))
    if problems:
        raise BuildError(problems)
    return list(calls.values())


def render_gallery(config: Config, out: Path) -> list[GalleryItem]:
    load_recipes(config)
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for name, params in figure_calls(config):
        recipe = REGISTRY.get("figure", name)
        if recipe is None:
            raise BuildError([Problem(config.content, 1, f"unknown figure '{name}'")])
        try:
            figure = recipe.call(params)
        except RecipeError as error:
            raise BuildError([Problem(config.content, 1, error.message)]) from error
        stem = name if not params else f"{name}-{content_digest(params)[:8]}"
        svg = figure_to_svg(figure, salt=name)
        (out / f"{stem}.svg").write_bytes(svg)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=150)
        (out / f"{stem}.png").write_bytes(buffer.getvalue())
        items.append(GalleryItem(out / f"{stem}.png", len(svg)))
    return items
