"""`ankigen build | check | figures | preview`: the only place that prints or exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ankigen.build import build, check, discover
from ankigen.config import Config, load_config
from ankigen.errors import BuildError, display_path

if TYPE_CHECKING:
    from ankigen.workers import Progress

COMMANDS = (
    (
        "init",
        "start a new project in DIR: example cards, a recipe, a style",
        "ankigen init my-deck",
    ),
    ("build", "write one .apkg per root deck", "ankigen build   # then File > Import in Anki"),
    ("check", "parse and validate everything, write nothing", "ankigen check --root my-deck"),
    (
        "figures",
        "render every figure to PNG and SVG in a folder, to look at",
        "ankigen figures --out /tmp/figures",
    ),
    (
        "preview",
        "write a static site showing every card as Anki will (opens from disk)",
        "ankigen preview --watch",
    ),
    (
        "diff",
        "show what the next build would change for learners (writes nothing)",
        "ankigen diff",
    ),
    (
        "sync",
        "apply the project to your Anki collection (close Anki first; needs ankigen[sync])",
        "ankigen sync --dry-run",
    ),
    (
        "ids",
        "write a generated {#id} into every card heading that has none (edits the sources)",
        "ankigen ids && git diff content/",
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ankigen", description="Turn Markdown notes into Anki decks (.apkg)."
    )
    parser.add_argument("--version", action=_PrintVersion, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text, example in COMMANDS:
        command = commands.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "init":
            command.add_argument(
                "dir", type=Path, nargs="?", default=Path("."), help="default: this folder"
            )
            continue
        command.add_argument(
            "--root", type=Path, default=Path("."), help="project folder (default: .)"
        )
        if name in ("build", "check"):
            command.add_argument(
                "--no-cache",
                action="store_true",
                help="redo everything instead of reusing build/cache/ (the output is the same)",
            )
        if name == "sync":
            command.add_argument(
                "--collection",
                type=Path,
                help="the collection.anki2 to change (default: the Anki profile's)",
            )
            command.add_argument(
                "--dry-run", action="store_true", help="say what would change, change nothing"
            )
            command.add_argument(
                "--delete", action="store_true", help="delete notes that left the sources"
            )
        if name == "figures":
            command.add_argument(
                "--out", type=Path, default=Path("build/figures"), help="default: build/figures"
            )
        if name == "preview":
            command.add_argument(
                "--out", type=Path, default=Path("build/preview"), help="default: build/preview"
            )
            command.add_argument(
                "--watch", action="store_true", help="rewrite the site whenever content changes"
            )
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            return _init(args.dir)
        config = load_config(args.root)
        if args.command == "check":
            checked = check(config, not args.no_cache, _progress())
            print(
                f"ok: {counted(checked.notes, 'note')} ({counted(checked.cards, 'card')}), "
                "no problems"
            )
            return 0
        if args.command == "figures":
            from ankigen.gallery import render_gallery  # matplotlib, only when asked

            for item in render_gallery(config, args.out, _progress()):
                print(f"{display_path(item.png)}  (SVG {item.svg_bytes / 1024:.1f} KB)")
            return 0
        if args.command == "preview":
            return _preview(config, args.out, args.watch)
        if args.command == "ids":
            return _ids(config)
        if args.command == "diff":
            return _diff(config)
        if args.command == "sync":
            return _sync(config, args.collection, args.dry_run, args.delete)
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


def _init(folder: Path) -> int:
    from ankigen.scaffold import scaffold

    for path in scaffold(folder):
        print(f"wrote {display_path(path)}")
    where = "" if folder == Path(".") else f"cd {folder} && "
    print(f"next: {where}ankigen build, then import dist/*.apkg into Anki")
    return 0


def _sync(config: Config, collection: Path | None, dry_run: bool, delete: bool) -> int:
    try:
        from ankigen.sync import default_collection, sync
    except ModuleNotFoundError as error:  # the anki package is an optional extra
        print(f"ankigen sync needs the anki package: pip install 'ankigen[sync]' ({error})")
        return 1
    path = collection or default_collection()
    plan = sync(config, path, dry_run, delete, _progress())
    for label in plan.new:
        print(f"{'new':<10} {label}")
    for label in plan.changed:
        print(f"{'changed':<10} {label}")
    for label, before, after in plan.moved:
        print(f"{'moved':<10} {label}\n{'':<10} {before} -> {after}")
    for label in plan.gone:
        print(f"{'gone':<10} {label}")
        if dry_run or not delete:
            print(f"{'':<10} left the sources: --delete deletes it")
    for label in plan.note_types:
        print(f"{'note type':<10} {label}")
    gone = "deleted" if delete and not dry_run else "gone"
    counts = (
        f"{len(plan.new)} new, {len(plan.changed)} changed, {len(plan.moved)} moved, "
        f"{len(plan.gone)} {gone}, {len(plan.note_types)} note types"
    )
    empty = not (plan.new or plan.changed or plan.moved or plan.gone or plan.note_types)
    if dry_run:
        print("dry run: nothing to change" if empty else f"dry run: {counts}; nothing was changed")
    else:
        backups = display_path(path.parent / "backups")
        print(f"synced {display_path(path)}: {counts}; a backup is in {backups}")
    return 0


def _diff(config: Config) -> int:
    from ankigen.diff import WHAT, planned_changes

    changes = planned_changes(config)
    for change in changes:
        print(f"{change.what:<10} {change.key}")
        for detail in change.details:
            print(f"{'':<10} {detail}")
    counts = [f"{sum(c.what == what for c in changes)} {label}" for what, label in WHAT.items()]
    print(", ".join(counts) if changes else "nothing would change")
    return 0


def _ids(config: Config) -> int:
    from ankigen.ids import add_missing_ids

    added = add_missing_ids(discover(config))
    for item in added:
        print(f"{display_path(item.path)}:{item.line}: {{#{item.card_id}}}")
    print(f"added {counted(len(added), 'id')}" if added else "every card has an id already")
    return 0


def _preview(config: Config, out: Path, keep_watching: bool) -> int:
    from ankigen.preview import watch, write_preview  # the card renderer, only when asked

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


class _PrintVersion(argparse.Action):
    """`--version`, looked up only when asked (importlib.metadata is slow to load)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from importlib.metadata import version

        print(f"ankigen {version('ankigen')}")
        parser.exit()


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
