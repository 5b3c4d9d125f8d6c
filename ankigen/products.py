"""What a recipe call gives, as data: a drawn figure or a worked example; and the one
renderer that turns either into the HTML (and media file) a card shows."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any

from markdown_it.common.utils import escapeHtml

from ankigen.model import Media
from ankigen.svg import figure_to_svg, is_figure, smallest_text_pt
from ankigen.worked import WorkedExample, check_worked_example, render_worked_example


@dataclass(frozen=True, slots=True)
class DrawnFigure:
    """A figure already drawn, so drawing can fail only inside the guarded call."""

    name: str
    svg: bytes  # byte-identical on every run
    smallest_text_pt: float  # for the check that text stays readable on a phone
    png: bytes  # b"" unless asked for (the gallery shows PNGs)


Product = DrawnFigure | WorkedExample

EXPECTED = {
    "figure": "a figure must return a matplotlib Figure",
    "example": "an example must return an ankigen.WorkedExample",
}


class WrongReturn(Exception):
    """A recipe returned something its kind cannot show."""


def product_of(kind: str, name: str, value: Any, png: bool = False) -> Product:
    """The recipe's return value checked against its kind (a worked example can then
    always be rendered), a figure drawn."""
    if kind == "figure" and is_figure(value):
        png_bytes = b""
        if png:
            buffer = io.BytesIO()
            value.savefig(buffer, format="png", dpi=150)
            png_bytes = buffer.getvalue()
        svg = figure_to_svg(value, salt=name)
        return DrawnFigure(name, svg, smallest_text_pt(value), png_bytes)
    if kind == "example" and isinstance(value, WorkedExample):
        check_worked_example(value)
        return value
    raise WrongReturn(f"{kind} recipe '{name}' returned {type(value).__name__}: {EXPECTED[kind]}")


def product_html(name: str, product: Product) -> tuple[str, Media | None]:
    """The HTML a card shows for a directive, and the media file it needs, if any."""
    if isinstance(product, WorkedExample):
        return render_worked_example(name, product), None
    media = Media(hashed_name(name, product.svg, ".svg"), product.svg)
    return (
        f'<div class="figure"><img src="{media.name}" alt="{escapeHtml(name)}" '
        f'data-min-text-pt="{product.smallest_text_pt:g}"></div>\n'
    ), media


def hashed_name(stem: str, data: bytes, suffix: str) -> str:
    """A changed file gets a new name, so Anki's flat media folder never serves a stale one;
    the slug never starts with `_`, a prefix Anki treats as never-refreshed."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-_") or "media"
    return f"{slug}-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
