"""The straight line: discover -> parse -> resolve -> render -> package.

Everything is gathered and validated before anything is written (mkdocs' rule),
so a bad card fails the build before a package or the lock file is touched.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from ankigen.compile import compile_files
from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.errors import BuildError, Problem, display_path
from ankigen.model import Note, NoteKind
from ankigen.notetypes import NOTE_TYPES, NoteType, card_css, note_type_of
from ankigen.output import write_all
from ankigen.package import package_bytes
from ankigen.recipes import RecipeLoadError, load_recipe_folders
from ankigen.stamps import (
    Stamp,
    content_digest,
    git_history,
    latest_kinds,
    lock_text,
    now,
    read_lock,
    restamp,
)


@dataclass(frozen=True, slots=True)
class DeckReport:
    path: Path
    notes: int
    media: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    decks: tuple[DeckReport, ...]
    removed: tuple[str, ...]  # "namespace/card-id" of cards in the lock, gone from the sources
    lost_reverse: tuple[str, ...]  # "namespace/card-id" of cards no longer shown both ways
    warning: str  # "" or what the author should know about the lock


def discover(config: Config) -> list[Path]:
    """Markdown files under `content/`, sorted; README files describe, they are not cards.

    Symlinks (to files or folders) are followed only inside the project: a
    stranger's pull request must not make the build read the machine's files,
    and a folder it cannot enter is an error, never silently skipped.
    """
    content = config.content
    if not content.is_dir():
        raise BuildError(
            [Problem(content, 0, "content folder not found: create it or set 'content'")]
        )
    paths: list[Path] = []
    problems: list[Problem] = []
    visited: set[Path] = set()
    for folder, folders, names in os.walk(content, followlinks=True):
        here = inside_project(config.root, Path(folder))
        if here is None or here in visited:
            why = "leads outside the project" if here is None else "is a symlink loop"
            problems.append(Problem(Path(folder), 0, f"{why}: replace the symlink with the files"))
            folders.clear()
            continue
        visited.add(here)
        folders.sort()
        for name in names:
            path = Path(folder) / name
            if name.endswith(".md") and name.lower() != "readme.md":
                _add_markdown(config.root, path, paths, problems)
    if problems:
        raise BuildError(problems)
    return sorted(paths)


def _add_markdown(root: Path, path: Path, paths: list[Path], problems: list[Problem]) -> None:
    target = inside_project(root, path)
    if target is None:
        problems.append(
            Problem(
                path, 0, "leads outside the project (or loops): replace the symlink with the file"
            )
        )
    elif not target.exists():
        problems.append(Problem(path, 0, "is a symlink to nothing: remove it or fix it"))
    elif target.is_file():
        paths.append(path)


def collect(config: Config) -> list[Note]:
    """Every note of the project, fully rendered and validated; writes nothing."""
    load_recipes(config)
    results = compile_files(config.root, discover(config))
    problems = [problem for result in results for problem in result.problems]
    notes = [note for result in results for note in result.notes]
    _check_unique_ids(notes, problems)
    if problems:
        raise BuildError(problems)
    return notes


def build(config: Config) -> BuildReport:
    """Collects and checks everything, stamps it, then writes every package and the lock
    as one set: a problem anywhere leaves every previous file byte-identical."""
    notes = collect(config)
    working = read_lock(config.lock)
    history = git_history(config.lock)
    shipped = [*(history or []), *([working] if working is not None else [])]
    current = {note_key(n): _note_stamp(n) for n in notes}
    namespaces = sorted({n.namespace for n in notes})
    css = card_css()
    current.update(_note_type_stamps(namespaces, css))
    shipped_kinds = latest_kinds(shipped)
    _check_kind_changes(notes, shipped_kinds)
    stamps = restamp(shipped, current, now())

    files: dict[Path, bytes] = {}
    reports = []
    for namespace in namespaces:
        group = [n for n in notes if n.namespace == namespace]
        mods = [stamps[note_key(n)].mod for n in group]
        type_mods = {t.key: stamps[type_key(namespace, t)].mod for t in NOTE_TYPES}
        path = config.output / f"{namespace}.apkg"
        files[path] = package_bytes(namespace, group, mods, type_mods, css)
        media = {item.name for n in group for item in n.media}
        reports.append(DeckReport(path, len(group), len(media)))
    lock = lock_text(stamps).encode("utf-8")
    if working is None or lock_text(working).encode("utf-8") != lock:
        files[config.lock] = lock
    write_all(files)

    previous = working or {}
    gone = (key for key in previous if key.startswith(NOTE_PREFIX) and key not in stamps)
    removed = tuple(sorted(key.removeprefix(NOTE_PREFIX) for key in gone))
    return BuildReport(
        tuple(reports),
        removed,
        _lost_reverse_sides(notes, shipped_kinds),
        _lock_warning(config, working, history),
    )


NOTE_PREFIX = "note:"


def note_key(note: Note) -> str:
    return f"{NOTE_PREFIX}{note.namespace}/{note.card_id}"


def type_key(namespace: str, note_type: NoteType) -> str:
    return f"notetype:{namespace}/{note_type.key}"


def _note_stamp(note: Note) -> Stamp:
    digest = content_digest(note.kind.value, note.fields, note.tags)
    return Stamp(digest, 0, note.kind.value)


def _note_type_stamps(namespaces: list[str], css: str) -> dict[str, Stamp]:
    return {
        type_key(namespace, t): Stamp(
            content_digest(
                t.model_id(namespace), t.model_name(namespace), t.fields, repr(t.templates), css
            ),
            0,
        )
        for namespace in namespaces
        for t in NOTE_TYPES
    }


def _check_kind_changes(notes: list[Note], shipped_kinds: dict[str, str]) -> None:
    """Anki never moves a note to another note type on import (anki-facts.md 4b): a
    learner would keep the old card, silently. Refuse it here, at the card."""
    problems = []
    for note in notes:
        shipped = shipped_kinds.get(note_key(note))
        before = note_type_of(NoteKind(shipped)).key if shipped in KINDS else None
        now_type = note_type_of(note.kind).key
        if before is not None and before != now_type:
            problems.append(
                Problem(
                    note.path,
                    note.line,
                    f"card '{note.card_id}' was shipped as a {before} card and is now a "
                    f"{now_type} card, which Anki cannot update: keep it a {before} card, or "
                    f"give it a new id (e.g. {{#{note.card_id}-{now_type}}}) to make a new card "
                    "(its review history starts over; the old one is reported as removed)",
                )
            )
    if problems:
        raise BuildError(problems)


def _lost_reverse_sides(notes: list[Note], shipped_kinds: dict[str, str]) -> tuple[str, ...]:
    """Cards that were shown both ways and no longer are: the note updates in place,
    but Anki keeps the reverse card (blank now) until the learner deletes it."""
    return tuple(
        note_key(note).removeprefix(NOTE_PREFIX)
        for note in notes
        if note.kind is NoteKind.BASIC
        and shipped_kinds.get(note_key(note)) == NoteKind.REVERSED.value
    )


KINDS = frozenset(kind.value for kind in NoteKind)


def _lock_warning(
    config: Config, working: dict[str, Stamp] | None, history: list[dict[str, Stamp]] | None
) -> str:
    if working is not None:
        return ""
    if history:
        return (
            f"{display_path(config.lock)} was missing: stamps were taken from its git "
            "history and a new lock was written; commit it with your sources"
        )
    return (
        f"{display_path(config.lock)} not found (and no earlier version in git): every note "
        "was stamped as changed, so importing replaces learners' own edits of them; "
        "commit the lock with your sources from now on"
    )


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
    """Imports the recipe folders; a module that fails to load is reported in the
    author's file (the innermost frame outside ankigen), never in ours."""
    try:
        load_recipe_folders(config.recipes)
    except RecipeLoadError as error:
        raise BuildError([Problem(error.path, error.line, error.message)]) from error
    except (Exception, SystemExit) as error:  # a recipe module that cannot be imported
        if isinstance(error, SyntaxError) and error.filename:
            path, line = Path(error.filename), error.lineno or 1
        else:
            frames = traceback.extract_tb(error.__traceback__)
            authors = [f for f in frames if not Path(f.filename).is_relative_to(ENGINE)]
            frame = authors[-1] if authors else None
            path = Path(frame.filename) if frame else config.root / "pyproject.toml"
            line = (frame.lineno or 1) if frame else 0
        message = f"cannot load recipes: {type(error).__name__}: {error}"
        raise BuildError([Problem(path, line, message)]) from error


ENGINE = Path(__file__).resolve().parent
