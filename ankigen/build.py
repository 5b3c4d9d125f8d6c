"""The straight line: discover -> parse -> resolve -> render -> package.

Everything is gathered and validated before anything is written (mkdocs' rule),
so a bad card fails the build before a package or the lock file is touched.
"""

from __future__ import annotations

import traceback
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ankigen.compile import compile_files
from ankigen.config import Config
from ankigen.errors import BuildError, Problem, display_path
from ankigen.model import Note
from ankigen.notetypes import NOTE_TYPES, card_css
from ankigen.package import write_package
from ankigen.recipes import load_recipe_folders
from ankigen.stamps import content_digest, now, read_lock, restamp, write_lock


@dataclass(frozen=True, slots=True)
class DeckReport:
    path: Path
    notes: int
    media: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    decks: tuple[DeckReport, ...]
    removed: tuple[str, ...]  # "namespace/card-id" of cards in the lock, gone from the sources


def discover(content: Path) -> list[Path]:
    """Markdown files under `content/`, sorted; README files describe, they are not cards."""
    if not content.is_dir():
        raise BuildError(
            [Problem(content, 1, "content folder not found: create it or set 'content'")]
        )
    return sorted(p for p in content.rglob("*.md") if p.name.lower() != "readme.md")


def collect(config: Config) -> list[Note]:
    """Every note of the project, fully rendered and validated; writes nothing."""
    load_recipes(config)
    results = compile_files(discover(config.content))
    problems = [problem for result in results for problem in result.problems]
    notes = [note for result in results for note in result.notes]
    _check_unique_ids(notes, problems)
    if problems:
        raise BuildError(problems)
    return notes


def build(config: Config) -> BuildReport:
    notes = collect(config)
    previous = read_lock(config.lock)
    digests = {note_key(n): content_digest(n.kind.value, n.fields, n.tags) for n in notes}
    css = card_css()
    type_digests = _note_type_digests(css)
    digests.update(type_digests)
    stamps = restamp(previous, digests, now())
    by_namespace: dict[str, list[Note]] = defaultdict(list)
    for note in notes:
        by_namespace[note.namespace].append(note)
    type_mod = max(stamps[key].mod for key in type_digests)
    reports = []
    for namespace in sorted(by_namespace):
        group = by_namespace[namespace]
        mods = [stamps[note_key(n)].mod for n in group]
        path = config.output / f"{namespace}.apkg"
        write_package(path, group, mods, max([type_mod, *mods]), css)
        media = {item.name for n in group for item in n.media}
        reports.append(DeckReport(path, len(group), len(media)))
    write_lock(config.lock, stamps)
    gone = (key for key in previous if key.startswith(NOTE_PREFIX) and key not in stamps)
    removed = tuple(sorted(key.removeprefix(NOTE_PREFIX) for key in gone))
    return BuildReport(tuple(reports), removed)


NOTE_PREFIX = "note:"


def note_key(note: Note) -> str:
    return f"{NOTE_PREFIX}{note.namespace}/{note.card_id}"


def _note_type_digests(css: str) -> dict[str, str]:
    return {
        f"notetype:{t.model_id}": content_digest(t.name, t.fields, repr(t.templates), css)
        for t in NOTE_TYPES.values()
    }


def _check_unique_ids(notes: list[Note], problems: list[Problem]) -> None:
    seen: dict[tuple[str, str], Note] = {}
    for note in notes:
        first = seen.setdefault((note.namespace, note.card_id), note)
        if first is not note:
            problems.append(
                Problem(
                    note.path,
                    note.line,
                    f"duplicate card id '{note.card_id}': also used at "
                    f"{display_path(first.path)}:{first.line}; "
                    f"ids must be unique within deck '{note.namespace}'",
                )
            )


def load_recipes(config: Config) -> None:
    """Imports the recipe folders; a recipe module that fails to import is a located problem."""
    try:
        load_recipe_folders(config.recipes)
    except Exception as error:  # a recipe module that cannot be imported
        frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
        if isinstance(error, SyntaxError) and error.filename:
            where = Problem(Path(error.filename), error.lineno or 1, "")
        elif frame is not None:
            where = Problem(Path(frame.filename), frame.lineno or 1, "")
        else:
            where = Problem(config.root, 1, "")
        message = f"cannot load recipes: {type(error).__name__}: {error}"
        raise BuildError([Problem(where.path, where.line, message)]) from error
