"""`ankigen build | check | figures | preview`: the only place that prints or exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from ankigen.build import build, collect
from ankigen.cardview import card_count
from ankigen.compile import Progress
from ankigen.config import Config, load_config
from ankigen.errors import BuildError, display_path
from ankigen.gallery import render_gallery
from ankigen.preview import watch, write_preview


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ankigen", description="Turn Markdown notes into Anki decks (.apkg)."
    )
    parser.add_argument("--version", action="version", version=f"ankigen {version('ankigen')}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("build", "write one .apkg per root deck"),
        ("check", "parse and validate everything, write nothing"),
        ("figures", "render every figure to PNG and SVG in a folder, to look at"),
        ("preview", "write a static site showing every card as Anki will (opens from disk)"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--root", type=Path, default=Path("."), help="project folder (default: .)"
        )
        if name in ("build", "check"):
            command.add_argument(
                "--no-cache",
                action="store_true",
                help="redo everything instead of reusing build/cache/ (the output is the same)",
            )
        if name == "figures":
            command.add_argument("--out", type=Path, default=Path("build/figures"))
        if name == "preview":
            command.add_argument("--out", type=Path, default=Path("build/preview"))
            command.add_argument(
                "--watch", action="store_true", help="rewrite the site whenever content changes"
            )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.root)
        if args.command == "check":
            notes = collect(config, not args.no_cache, _progress())
            cards = card_count(notes)
            print(f"ok: {counted(len(notes), 'note')} ({counted(cards, 'card')}), no problems")
            return 0
        if args.command == "figures":
            for item in render_gallery(config, args.out):
                print(f"{display_path(item.png)}  (SVG {item.svg_bytes / 1024:.1f} KB)")
            return 0
        if args.command == "preview":
            return _preview(config, args.out, args.watch)
        report = build(config, not args.no_cache, _progress())
    except BuildError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(f"ankigen: {counted(count, 'problem')}, nothing written", file=sys.stderr)
        return 1
    for deck in report.decks:
        print(
            f"{'wrote' if deck.written else 'unchanged'} {display_path(deck.path)}: "
            f"{counted(deck.notes, 'note')} ({counted(deck.cards, 'card')}), "
            f"{counted(deck.media, 'media file')}"
        )
    if report.warning:
        print(f"warning: {report.warning}", file=sys.stderr)
    if report.removed:
        print(
            f"note: {len(report.removed)} card(s) left the sources but stay in learners' "
            "collections (an .apkg cannot delete them); to find one in Anki's browser, search:",
            file=sys.stderr,
        )
        _print_card_list(report.removed)
    if report.lost_reverse:
        print(
            f"note: {len(report.lost_reverse)} card(s) are no longer shown both ways; learners "
            "keep a blank reverse card until they run Tools > Empty Cards in Anki:",
            file=sys.stderr,
        )
        _print_card_list(report.lost_reverse)
    return 0


def _preview(config: Config, out: Path, keep_watching: bool) -> int:
    result = write_preview(config, out)
    print(
        f"wrote {display_path(result.index)}: {counted(result.notes, 'note')}, "
        f"{counted(result.sides, 'card side')}; "
        f"open {result.index.resolve().as_uri()}"
    )
    if keep_watching:
        print("watching content/ for changes (Ctrl-C stops)")
        try:
            watch(config, out, report=lambda line: print(line, flush=True))
        except KeyboardInterrupt:
            return 0
    return 0


def _progress() -> Progress | None:
    """A one-line bar on a terminal; nothing where the output is read by a program."""
    if not sys.stderr.isatty():
        return None

    def show(what: str, done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        bar = "#" * filled + "." * (30 - filled)
        end = "\n" if done >= total else ""
        print(f"\r{what:<22} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _print_card_list(keys: tuple[str, ...]) -> None:
    for key in keys:
        root_deck, card_id = key.split("/", 1)
        print(f"  ID:{card_id}   (deck {root_deck})", file=sys.stderr)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


def counted(count: int, noun: str) -> str:
    """'1 note', '2 notes': the counts users read after every build."""
    return f"{count} {noun}{'s' * (count != 1)}"
