"""`ankigen preview`: every card of the project as a learner will see it, in a
static site that opens from disk with the network off.

Each side is rendered by cardview.py from the note types' own templates and
CSS, math is typeset by MathJax 3.2.2 with its HTML output and fonts, as Anki
does, shipped with the site (vendor/mathjax, Apache-2.0: a PyPI install alone
brings it), and media sit beside the page under the names the cards use.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from markdown_it.common.utils import escapeHtml

from ankigen.build import collect
from ankigen.cardview import CardSide, card_sides
from ankigen.config import Config
from ankigen.errors import BuildError, display_path
from ankigen.model import Note
from ankigen.notetypes import card_css
from ankigen.output import write_all
from ankigen.style import project_css

MATHJAX = "tex-chtml-full.js"


@dataclass(frozen=True, slots=True)
class PreviewReport:
    index: Path
    notes: int
    sides: int


def write_preview(config: Config, out: Path) -> PreviewReport:
    notes = collect(config)
    return write_site(notes, out, card_css() + project_css(config))


def write_site(notes: Sequence[Note], out: Path, css: str) -> PreviewReport:
    entries = []
    sides = 0
    for note in notes:
        rendered = card_sides(note)
        sides += len(rendered)
        entries.append(_entry(note, rendered))
    decks = sorted({note.deck for note in notes})
    tags = sorted({tag for note in notes for tag in note.tags})
    page = (
        files("ankigen")
        .joinpath("preview.html")
        .read_text(encoding="utf-8")
        .replace("@CARD_CSS@", css)
        .replace("@DECK_OPTIONS@", "".join(_option(deck) for deck in decks))
        .replace("@TAG_OPTIONS@", "".join(_option(tag) for tag in tags))
        .replace("@CARDS@", "\n".join(entries))
    )
    site = {out / "index.html": page.encode("utf-8")}
    vendor = files("ankigen").joinpath("vendor", "mathjax")
    site[out / MATHJAX] = vendor.joinpath(MATHJAX).read_bytes()
    site[out / "MATHJAX-LICENSE"] = vendor.joinpath("LICENSE").read_bytes()
    for font in vendor.joinpath("fonts").iterdir():
        site[out / "mathjax-fonts" / font.name] = font.read_bytes()
    for note in notes:
        for item in note.media:
            site[out / item.name] = item.data
    write_all(site)
    return PreviewReport(out / "index.html", len(notes), sides)


def _entry(note: Note, rendered: Sequence[CardSide]) -> str:
    source = f"{display_path(note.path)}:{note.line}"
    sides = "".join(
        f'<div class="side" data-side="{side.side}" data-ordinal="{side.ordinal}">'
        f'<div class="label">{escapeHtml(side.template)} · {side.side}</div>'
        f'<div class="card">{side.html}</div></div>'
        for side in rendered
    )
    return (
        f'<section class="entry" id="{escapeHtml(note.card_id)}" '
        f'data-id="{escapeHtml(note.card_id)}" data-deck="{escapeHtml(note.deck)}" '
        f'data-tags="{escapeHtml(" ".join(note.tags))}" data-source="{escapeHtml(source)}">'
        f'<div class="meta">{escapeHtml(source)} · {escapeHtml(note.deck)} · '
        f"ID:{escapeHtml(note.card_id)}</div>"
        f'<div class="sides">{sides}</div></section>'
    )


def _option(value: str) -> str:
    return f'<option value="{escapeHtml(value)}">{escapeHtml(value)}</option>'


def watch(config: Config, out: Path, report: Callable[[str], None], interval: float = 0.5) -> None:
    """Rewrites the preview whenever a Markdown file or image under content/ changes.

    Recipe calls are cached by the build's resolver, so a rebuild re-renders
    only what changed; a bad edit is reported and the last good preview stays.
    """
    seen = _mtimes(config.content)
    while True:
        time.sleep(interval)
        now = _mtimes(config.content)
        if now == seen:
            continue
        seen = now
        try:
            result = write_preview(config, out)
        except BuildError as error:
            for problem in error.problems:
                report(str(problem))
            continue
        report(f"updated {display_path(result.index)}: {result.notes} notes")


def _mtimes(content: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in content.rglob("*") if path.is_file()}
