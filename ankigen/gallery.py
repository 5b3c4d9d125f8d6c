"""`ankigen figures`: every figure as PNG and SVG in one folder, to look at them.

Each registered figure is drawn with its defaults, and every distinct call the
content makes with its own parameters, so what a card shows is what you see.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ankigen.build import discover, load_recipes
from ankigen.config import Config
from ankigen.errors import BuildError, Problem
from ankigen.markdown import make_parser
from ankigen.output import write_all
from ankigen.parse import parse_file
from ankigen.products import DrawnFigure
from ankigen.recipes import RecipeError, Registry
from ankigen.stamps import content_digest
from ankigen.workers import ENDED_PROCESS, Progress, WorkerDied, run_all


@dataclass(frozen=True, slots=True)
class GalleryItem:
    png: Path
    svg_bytes: int


@dataclass(frozen=True, slots=True)
class FigureCall:
    name: str
    params: dict[str, Any]
    where: Problem  # where a problem with this call is reported (message filled in then)


def figure_calls(config: Config, registry: Registry) -> list[FigureCall]:
    """Defaults of every registered figure, then each distinct call in the content."""
    calls: dict[str, FigureCall] = {}
    for recipe in registry.recipes("figure"):
        path, line = recipe.source
        calls[json.dumps([recipe.name, {}])] = FigureCall(recipe.name, {}, Problem(path, line, ""))
    md = make_parser()
    problems: list[Problem] = []
    for path in discover(config):
        for card in parse_file(md, path, problems):
            for directive in card.directives:
                if directive.kind == "figure":
                    key = json.dumps([directive.name, directive.params], sort_keys=True)
                    where = Problem(path, directive.line, "")
                    calls.setdefault(key, FigureCall(directive.name, directive.params, where))
    if problems:
        raise BuildError(problems)
    return list(calls.values())


def render_gallery(
    config: Config, out: Path, progress: Progress | None = None
) -> list[GalleryItem]:
    """Draws everything first, on every core, then writes: a bad call leaves the folder
    as it was."""
    registry = load_recipes(config)
    calls = figure_calls(config, registry)
    try:
        drawings = run_all(_draw, registry, calls, progress=progress, what="figures")
    except WorkerDied as died:
        call = calls[died.index]
        message = f"figure '{call.name}' {ENDED_PROCESS}"
        raise BuildError([replace(call.where, message=message)]) from None
    files: dict[Path, bytes] = {}
    items = []
    problems: list[Problem] = []
    for call, drawn in zip(calls, drawings, strict=True):
        if isinstance(drawn, str):
            problems.append(replace(call.where, message=drawn))
            continue
        stem = call.name if not call.params else f"{call.name}-{content_digest(call.params)[:8]}"
        files[out / f"{stem}.svg"] = drawn.svg
        files[out / f"{stem}.png"] = drawn.png
        items.append(GalleryItem(out / f"{stem}.png", len(drawn.svg)))
    if problems:
        raise BuildError(problems)
    write_all(files)
    return items


def _draw(registry: Registry, call: FigureCall) -> DrawnFigure | str:
    """The figure, or what is wrong with the call."""
    recipe = registry.get("figure", call.name)
    if recipe is None:
        return f"unknown figure '{call.name}'"
    try:
        drawn = recipe.call(call.params, png=True)
    except RecipeError as error:
        return error.message
    assert isinstance(drawn, DrawnFigure)  # a figure recipe's call returns nothing else
    return drawn
