"""The straight line: discover -> parse -> resolve -> render -> package.

Everything is gathered and validated before anything is written (mkdocs' rule),
so a bad card fails the build before a package or the lock file is touched.
"""

from __future__ import annotations

import functools
import hashlib
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

from ankigen.cache import BuildCache, digest_of, file_digest
from ankigen.cardview import card_count
from ankigen.compile import Progress, compile_files
from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.errors import BuildError, Problem, display_path
from ankigen.kinds import check_kind_changes, lost_reverse_sides
from ankigen.model import Note
from ankigen.notetypes import NoteType, card_css, note_fields, note_type_of
from ankigen.output import write_all
from ankigen.package import package_bytes
from ankigen.recipes import RecipeLoadError, Registry, load_recipe_folders
from ankigen.records import shipped_records
from ankigen.stamps import (
    NOTE_PREFIX,
    Stamp,
    latest_kinds,
    lock_text,
    note_digest,
    note_key,
    note_type_digest,
    now,
    restamp,
    type_key,
)
from ankigen.style import project_css


@dataclass(frozen=True, slots=True)
class DeckReport:
    path: Path
    notes: int
    cards: int
    media: int
    written: bool  # False: the package there already holds exactly this


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


def collect(config: Config, use_cache: bool = True, progress: Progress | None = None) -> list[Note]:
    """Every note of the project, fully rendered and validated; writes nothing but the
    build cache (which only ever saves time: see cache.py)."""
    cache = BuildCache.for_project(config.root, config.root / CACHE_FOLDER, use_cache)
    return _collected(config, cache, progress)


def _collected(config: Config, cache: BuildCache, progress: Progress | None) -> list[Note]:
    registry = functools.cache(functools.partial(load_recipes, config))  # only when needed
    results = compile_files(config, discover(config), cache, registry, progress)
    problems = [problem for result in results for problem in result.problems]
    notes = [note for result in results for note in result.notes]
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
    return notes


def build(config: Config, use_cache: bool = True, progress: Progress | None = None) -> BuildReport:
    """Collects and checks everything, stamps it, then writes every package and the lock
    as one set: a problem anywhere leaves every previous file byte-identical. A package
    whose inputs are those of the file already there is neither made nor written."""
    cache = BuildCache.for_project(config.root, config.root / CACHE_FOLDER, use_cache)
    notes = _collected(config, cache, progress)
    records = shipped_records(config)
    shipped_kinds = latest_kinds(records.versions)
    check_kind_changes(notes, shipped_kinds)
    root_decks = sorted({n.root_deck for n in notes})
    css = card_css() + project_css(config)
    current = {
        note_key(n.root_deck, n.card_id): Stamp(
            note_digest(n.kind.value, note_fields(n), n.tags), 0, n.kind.value
        )
        for n in notes
    }
    used_types = sorted({(n.root_deck, note_type_of(n.kind)) for n in notes}, key=_type_order)
    current.update(_note_type_stamps(used_types, css))
    stamps = restamp(records.versions, current, now())

    files: dict[Path, bytes] = {}
    made: dict[str, str] = {}  # package cache key -> digest of the bytes made
    reports = []
    for root_deck in root_decks:
        group = [n for n in notes if n.root_deck == root_deck]
        mods = [stamps[note_key(root_deck, n.card_id)].mod for n in group]
        type_mods = {
            t.key: stamps[type_key(root_deck, t.key)].mod for ns, t in used_types if ns == root_deck
        }
        path = config.output / f"{root_deck}.apkg"
        key = digest_of(root_deck, css, type_mods, [_package_row(n, stamps) for n in group])
        there = file_digest(path)
        if there is None or cache.get("package", key) != there:
            data = package_bytes(root_deck, group, mods, type_mods, css)
            made[key] = hashlib.sha256(data).hexdigest()
            if made[key] != there:
                files[path] = data
        media = {item.name for n in group for item in n.media}
        reports.append(DeckReport(path, len(group), card_count(group), len(media), path in files))
    lock = lock_text(stamps).encode("utf-8")
    if records.working is None or lock_text(records.working).encode("utf-8") != lock:
        files[config.lock] = lock
    write_all(files)
    for key, digest in made.items():
        cache.put("package", key, digest)

    previous = records.working or {}
    gone = (key for key in previous if key.startswith(NOTE_PREFIX) and key not in stamps)
    removed = tuple(sorted(key.removeprefix(NOTE_PREFIX) for key in gone))
    return BuildReport(
        tuple(reports), removed, lost_reverse_sides(notes, shipped_kinds), records.warning
    )


def _package_row(note: Note, stamps: dict[str, Stamp]) -> list[object]:
    """All of a note that its package holds (media by their content-hashed names)."""
    stamp = stamps[note_key(note.root_deck, note.card_id)]
    return [note.card_id, note.deck, stamp.digest, stamp.mod, [m.name for m in note.media]]


def _type_order(pair: tuple[str, NoteType]) -> tuple[str, str]:
    return pair[0], pair[1].key


def _note_type_stamps(used_types: list[tuple[str, NoteType]], css: str) -> dict[str, Stamp]:
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
