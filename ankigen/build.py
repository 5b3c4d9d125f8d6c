"""The straight line: discover -> parse -> resolve -> render -> package.

Everything is gathered and validated before anything is written (mkdocs' rule),
so a bad card fails the build before a package or the lock file is touched.
The parser, genanki and the recipes are imported only on the path that uses them:
a run with nothing to do (the cache says so) needs none of them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ankigen.cache import BuildCache, digest_of, file_digest
from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.errors import BuildError, Problem, display_path
from ankigen.incremental import Dependencies, SourceFile, StoredRuns, read_files
from ankigen.model import Note, NoteRow
from ankigen.output import write_all
from ankigen.stamps import (
    NOTE_PREFIX,
    Stamp,
    latest_kinds,
    lock_blobs,
    lock_text,
    note_key,
    note_type_digest,
    now,
    restamp,
    type_key,
)
from ankigen.style import project_css

if TYPE_CHECKING:
    from ankigen.compile import Compiled
    from ankigen.notetypes import NoteType
    from ankigen.recipes import Registry
    from ankigen.workers import Progress


@dataclass(frozen=True, slots=True)
class DeckReport:
    path: Path
    notes: int
    cards: int
    media: int
    written: bool  # False: the package there already holds exactly this


@dataclass(frozen=True, slots=True)
class CheckReport:
    notes: int
    cards: int


@dataclass(frozen=True, slots=True)
class BuildReport:
    decks: tuple[DeckReport, ...]
    removed: tuple[str, ...]  # "root_deck/card-id" of cards in the lock, gone from the sources
    lost_reverse: tuple[str, ...]  # "root_deck/card-id" of cards no longer shown both ways
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
            [
                Problem(
                    content,
                    0,
                    "content folder not found: create it, set 'content', or start a "
                    "project with 'ankigen init'",
                )
            ]
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


@dataclass(frozen=True, slots=True)
class _Project:
    """A project as this run reads it: its cache, and every Markdown file's bytes."""

    config: Config
    cache: BuildCache
    dependencies: Dependencies
    files: list[SourceFile]

    def run_key(self, command: str, *extra: object) -> str:
        """Covers every file and setting; what it cannot cover, Sources checks."""
        files = [[str(file.path), file.key] for file in self.files]
        return digest_of(command, self.dependencies.settings, files, *extra)


def _project(config: Config, use_cache: bool) -> _Project:
    cache = BuildCache.for_project(config.root, config.root / CACHE_FOLDER, use_cache)
    dependencies = Dependencies(config)
    return _Project(config, cache, dependencies, read_files(dependencies, discover(config)))


def collect(config: Config, use_cache: bool = True, progress: Progress | None = None) -> list[Note]:
    """Every note of the project, fully rendered and validated; writes nothing but the
    build cache (which only ever saves time: see cache.py)."""
    return _collected(_project(config, use_cache), progress).notes


def check(config: Config, use_cache: bool = True, progress: Progress | None = None) -> CheckReport:
    """What `collect` finds, counted: from the cache when no input changed."""
    project = _project(config, use_cache)
    runs = StoredRuns(project.cache, project.dependencies)
    key = project.run_key("check")
    stored = runs.get(key)
    if isinstance(stored, list) and len(stored) == 2 and all(type(n) is int for n in stored):
        return CheckReport(stored[0], stored[1])
    compiled = _collected(project, progress)
    report = CheckReport(len(compiled.notes), card_count(compiled.rows))
    runs.put(key, compiled.sources, [report.notes, report.cards])
    return report


def card_count(rows: Sequence[NoteRow]) -> int:
    """The cards the packages hold: Anki imports them as genanki made them."""
    return sum(len(row.card_ords) for row in rows)


def _collected(project: _Project, progress: Progress | None) -> Compiled:
    """Every file's notes, checked together: a problem anywhere raises them all."""
    from ankigen.compile import compile_files

    config = project.config
    registry = functools.cache(functools.partial(load_recipes, config))  # only when needed
    compiled = compile_files(project.dependencies, project.files, project.cache, registry, progress)
    problems = compiled.problems
    notes = compiled.notes
    _check_unique_ids(notes, problems)
    if not notes and not problems:
        # A deck of nothing is a mistake (a wrong 'content', headings at the wrong level),
        # not a success that writes an empty package.
        problems.append(
            Problem(
                config.content,
                0,
                "no cards found: add a Markdown file with a card heading such as "
                "'## What is ReLU? {#relu}' (cards are level-2 headings unless "
                "'card_level' says otherwise)",
            )
        )
    if problems:
        raise BuildError(problems)
    return compiled


def build(
    config: Config,
    use_cache: bool = True,
    progress: Progress | None = None,
    not_before: int = 0,
) -> BuildReport:
    """Collects and checks everything, stamps it, then writes every package and the lock
    as one set: a problem anywhere leaves every previous file byte-identical. A package
    whose inputs are those of the file already there is neither made nor written, and
    when no input changed at all, nothing is done. A changed note is stamped no earlier
    than `not_before` (sync: later than the collection's copy, which Anki stamped when
    it imported it)."""
    project = _project(config, use_cache)
    cache = project.cache
    runs = StoredRuns(cache, project.dependencies)
    # ankigen's own CSS is the engine's (whose digest signs every entry): the project's
    # is what can change.
    own_css = project_css(config)
    blobs = lock_blobs(config.lock)  # the build does not commit: one look serves the run
    stored = runs.get(project.run_key("build", own_css, _written(config, blobs)))
    if stored is not None:
        try:
            return _report_from_json(stored)
        except (TypeError, ValueError):
            pass  # not a report: build
    from ankigen.kinds import check_kind_changes, lost_reverse_sides
    from ankigen.notetypes import card_css
    from ankigen.package import package_bytes
    from ankigen.records import remember_package, shipped_records

    css = card_css() + own_css
    compiled = _collected(project, progress)
    notes, rows = compiled.notes, compiled.rows
    records = shipped_records(config, cache, blobs)
    shipped_kinds = latest_kinds(records.versions)
    check_kind_changes(notes, shipped_kinds)
    root_decks = sorted({n.root_deck for n in notes})
    current = {
        note_key(n.root_deck, n.card_id): Stamp(row.digest, 0, n.kind.value)
        for n, row in zip(notes, rows, strict=True)
    }
    used_types = used_note_types(notes)
    current.update(note_type_stamps(used_types, css))
    stamps = restamp(records.versions, current, max(now(), not_before))

    files: dict[Path, bytes] = {}
    made: dict[str, str] = {}  # package cache key -> digest of the bytes made
    shipped: dict[str, dict[str, Stamp]] = {}  # digest of a package made -> its stamps
    reports = []
    for root_deck in root_decks:
        members = [i for i, n in enumerate(notes) if n.root_deck == root_deck]
        group, group_rows = [notes[i] for i in members], [rows[i] for i in members]
        keys = [note_key(root_deck, n.card_id) for n in group]
        mods = [stamps[k].mod for k in keys]
        type_mods = {
            t.key: stamps[type_key(root_deck, t.key)].mod for ns, t in used_types if ns == root_deck
        }
        path = config.output / f"{root_deck}.apkg"
        contents = [_package_content(n, stamps[k]) for n, k in zip(group, keys, strict=True)]
        key = digest_of(root_deck, css, type_mods, contents)
        there = file_digest(path)
        if there is None or cache.get("package", key) != there:
            data = package_bytes(root_deck, group, group_rows, mods, type_mods, css)
            made[key] = hashlib.sha256(data).hexdigest()
            shipped[made[key]] = {
                k: stamps[k] for k in keys + [type_key(root_deck, t) for t in type_mods]
            }
            if made[key] != there:
                files[path] = data
        media = {item.name for n in group for item in n.media}
        cards = card_count(group_rows)
        reports.append(DeckReport(path, len(group), cards, len(media), path in files))
    if records.working != stamps:  # the same stamps are the same lock text
        files[config.lock] = lock_text(stamps).encode("utf-8")
    write_all(files)
    for key, digest in made.items():
        cache.put("package", key, digest)
    for digest, package_stamps in shipped.items():
        remember_package(cache, digest, package_stamps)

    previous = records.working or {}
    gone = (key for key in previous if key.startswith(NOTE_PREFIX) and key not in stamps)
    removed = tuple(sorted(key.removeprefix(NOTE_PREFIX) for key in gone))
    report = BuildReport(
        tuple(reports), removed, lost_reverse_sides(notes, shipped_kinds), records.warning
    )
    after = project.run_key("build", own_css, _written(config, blobs))
    runs.put(after, compiled.sources, _report_to_json(report))
    return report


def _written(config: Config, blobs: list[str] | None) -> list[object]:
    """What the build writes and reads back as shipped, as it is now: the packages, the
    lock and the lock's git history (`blobs`)."""
    packages = sorted(config.output.glob("*.apkg")) if config.output.is_dir() else []
    return [
        [[str(path), file_digest(path)] for path in packages],
        file_digest(config.lock),
        blobs,
    ]


def _report_to_json(report: BuildReport) -> list[list[object]]:
    """The decks only: what a build says about removed cards, lost reverse sides and the
    lock is said once, by the build that changed them; a build after it has nothing to
    add (its lock already records them)."""
    return [[str(d.path), d.notes, d.cards, d.media] for d in report.decks]


def _report_from_json(stored: list[list[Any]]) -> BuildReport:
    """The report of a build that left every file as it is: nothing is written."""
    decks = tuple(
        DeckReport(Path(path), int(notes), int(cards), int(media), False)
        for path, notes, cards, media in stored
    )
    return BuildReport(decks, (), (), "")


def _package_content(note: Note, stamp: Stamp) -> list[object]:
    """All of a note that its package holds (media by their content-hashed names)."""
    return [note.card_id, note.deck, stamp.digest, stamp.mod, [m.name for m in note.media]]


def used_note_types(notes: Sequence[Note]) -> list[tuple[str, NoteType]]:
    """(root deck, note type) of every note type these notes are written with."""
    from ankigen.notetypes import note_type_of

    kinds = {(n.root_deck, n.kind) for n in notes}
    return sorted({(root_deck, note_type_of(kind)) for root_deck, kind in kinds}, key=_type_order)


def _type_order(pair: tuple[str, NoteType]) -> tuple[str, str]:
    return pair[0], pair[1].key


def note_type_stamps(used_types: list[tuple[str, NoteType]], css: str) -> dict[str, Stamp]:
    """Only note types a package carries: a stamp is a record of what was shipped."""
    return {
        type_key(root_deck, t.key): Stamp(
            note_type_digest(
                t.model_id(root_deck),
                t.model_name(root_deck),
                t.fields,
                [(template.name, template.question, template.answer) for template in t.templates],
                css,
            ),
            0,
        )
        for root_deck, t in used_types
    }


def _check_unique_ids(notes: list[Note], problems: list[Problem]) -> None:
    seen: dict[tuple[str, str], Note] = {}
    for note in notes:
        first = seen.setdefault((note.root_deck, note.card_id), note)
        if first is not note:
            problems.append(
                Problem(
                    note.path,
                    note.line,
                    f"duplicate card id '{note.card_id}': also used at "
                    f"{display_path(first.path)}:{first.line}; "
                    f"ids must be unique within deck '{note.root_deck}'",
                )
            )


def load_recipes(config: Config) -> Registry:
    """The project's recipes; a module that fails to load is reported in the
    author's file (the innermost frame outside ankigen), never in ours."""
    from ankigen.recipes import RecipeLoadError, load_recipe_folders
    from ankigen.workers import one_blas_thread_each

    one_blas_thread_each()  # recipes run in forked workers, and numpy loads with them
    try:
        return load_recipe_folders(config.recipes)
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
CACHE_FOLDER = Path("build/cache")  # inside the project, git-ignored
