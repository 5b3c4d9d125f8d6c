"""What a cached result depends on, and the JSON it is kept as (cache.py stores it).

- A file's notes depend on its bytes and place, the configuration, the engine, the
  images its cards read and, when it calls recipes, the recipes' source.
- A recipe call's result depends on the call and the recipes' source: every Python
  file a recipe can import from the project (this deck's dlmath, for one), and the
  versions of the libraries that draw and compute.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ankigen.cache import BuildCache, digest_of, file_digest
from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.errors import Problem
from ankigen.model import Media, Note, NoteKind, NoteRow

LIBRARIES = (
    "numpy",
    "matplotlib",
    "markdown-it-py",
    "mdit-py-plugins",
    "pygments",
    "pyyaml",
    "genanki",
)


class Dependencies:
    """The digests an entry is checked against, each computed once per build."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @cached_property
    def settings(self) -> str:
        """Configuration and library versions: a change means every file is redone."""
        versions = [_version(name) for name in LIBRARIES]
        return digest_of(repr(self.config), sys.version, versions)

    @cached_property
    def recipes(self) -> str:
        """Every Python file a recipe can import from the project: each recipe folder's
        parent is on `sys.path`, so its modules and packages (dlmath beside figures)."""
        parents = sorted({folder.resolve().parent for folder in self.config.recipes})
        paths = [path for parent in parents for path in _importable_files(parent)]
        return digest_of([[str(path), file_digest(path)] for path in paths])

    def entry(self, sources: Sources) -> dict[str, Any]:
        """The part of a cache entry that says what it was made from."""
        return {
            "recipes": self.recipes if sources.calls_recipes else None,
            "images": sources.images,
        }

    def current(self, entry: Any) -> Sources | None:
        """The sources of an entry made by `entry`, or None if any has changed since."""
        if not isinstance(entry, dict):
            return None
        recipes, images = entry.get("recipes"), entry.get("images")
        if recipes is not None and recipes != self.recipes:
            return None
        if not isinstance(images, dict):
            return None
        root = self.config.root
        for path, digest in images.items():
            if inside_project(root, Path(path)) is None or file_digest(Path(path)) != digest:
                return None
        return Sources(dict(images), recipes is not None)

    def file_key(self, path: Path, data: bytes) -> str:
        return digest_of(self.settings, str(path), hashlib.sha256(data).hexdigest())

    def call_key(self, call: str) -> str:
        return digest_of(self.recipes, call)


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def _importable_files(parent: Path) -> list[Path]:
    """The modules beside `parent`'s packages and, for each package, all of its files."""
    found = sorted(path for path in parent.glob("*.py") if path.is_file())
    for package in sorted(path.parent for path in parent.glob("*/__init__.py")):
        for folder, subfolders, names in os.walk(package):
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
            found.extend(Path(folder, name) for name in sorted(names) if name.endswith(".py"))
    return found


@dataclass(frozen=True, slots=True)
class Sources:
    """What some notes were made from besides their files: images read (path -> sha256)
    and whether they called recipes (then the recipes' digest counts)."""

    images: dict[str, str] = field(default_factory=dict)
    calls_recipes: bool = False

    def __or__(self, other: Sources) -> Sources:
        return Sources(self.images | other.images, self.calls_recipes or other.calls_recipes)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Markdown file as read for this build, and its cache key."""

    path: Path
    data: bytes | None  # None: unreadable (the problem says why)
    problems: tuple[Problem, ...]
    key: str


def read_files(dependencies: Dependencies, paths: Sequence[Path]) -> list[SourceFile]:
    files = []
    for path in paths:
        problems: list[Problem] = []
        data = read_source(path, problems)
        key = dependencies.file_key(path, data) if data is not None else ""
        files.append(SourceFile(path, data, tuple(problems), key))
    return files


def read_source(path: Path, problems: list[Problem]) -> bytes | None:
    """A Markdown file's bytes, or None with the problem that says why not."""
    try:
        return path.read_bytes()
    except OSError as error:
        problems.append(Problem(path, 1, f"cannot read the file: {error.strerror or error}"))
        return None


class StoredFiles:
    """A file's notes kept across builds, trusted only while everything they came
    from is unchanged."""

    def __init__(self, cache: BuildCache, dependencies: Dependencies) -> None:
        self.cache = cache
        self.dependencies = dependencies

    def get(self, file: SourceFile) -> tuple[tuple[Note, ...], tuple[NoteRow, ...], Sources] | None:
        """The file's notes, their rows, and what they came from (the key holds the
        file's path, which its notes share)."""
        entry = self.cache.get("file", file.key)
        try:
            sources = self.dependencies.current(entry)
            if sources is None:
                return None
            notes = tuple(_note_from_json(file.path, note) for note in entry["notes"])
            rows = tuple(_row_from_json(row) for row in entry["rows"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        return (notes, rows, sources) if len(rows) == len(notes) else None

    def put(
        self, file: SourceFile, notes: Sequence[Note], rows: Sequence[NoteRow], sources: Sources
    ) -> None:
        entry = self.dependencies.entry(sources)
        entry["notes"] = [_note_to_json(note) for note in notes]
        entry["rows"] = [[row.guid, list(row.card_ords), row.digest] for row in rows]
        self.cache.put("file", file.key, entry)


class StoredRuns:
    """A whole build's or check's outcome, kept for when every input is as it was: the
    run's key covers every file and setting, `Sources` the rest."""

    def __init__(self, cache: BuildCache, dependencies: Dependencies) -> None:
        self.cache = cache
        self.dependencies = dependencies

    def get(self, key: str) -> Any:
        entry = self.cache.get("run", key)
        if self.dependencies.current(entry) is None:
            return None
        return entry.get("outcome")

    def put(self, key: str, sources: Sources, outcome: Any) -> None:
        entry = self.dependencies.entry(sources)
        entry["outcome"] = outcome
        self.cache.put("run", key, entry)


class StoredCalls:
    """Recipe calls kept across builds (resolve.StoredCalls)."""

    def __init__(self, cache: BuildCache, dependencies: Dependencies) -> None:
        self.cache = cache
        self.dependencies = dependencies

    def get(self, key: str) -> tuple[str, Media | None] | None:
        entry = self.cache.get("call", self.dependencies.call_key(key))
        try:
            if entry is None:
                return None
            media = entry["media"]
            return str(entry["html"]), _media_from_json(media) if media is not None else None
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, result: tuple[str, Media | None]) -> None:
        html, media = result
        entry = {"html": html, "media": _media_to_json(media) if media is not None else None}
        self.cache.put("call", self.dependencies.call_key(key), entry)


def _note_to_json(note: Note) -> list[Any]:
    return [
        note.line,
        note.root_deck,
        note.card_id,
        note.kind.value,
        note.deck,
        note.question,
        note.answer,
        note.extra,
        note.source,
        list(note.tags),
        [_media_to_json(item) for item in note.media],
    ]


def _note_from_json(path: Path, fields: list[Any]) -> Note:
    """A note from an entry this engine wrote and signed (cache.py): its values have the
    types they were written with, so only their number is checked."""
    line, root_deck, card_id, kind, deck, question, answer, extra, source, tags, media = fields
    return Note(
        path,
        line,
        root_deck,
        card_id,
        _KINDS[kind],
        deck,
        question,
        answer,
        extra,
        source,
        tuple(tags),
        tuple(_media_from_json(item) for item in media) if media else (),
    )


_KINDS = {kind.value: kind for kind in NoteKind}


def _row_from_json(fields: list[Any]) -> NoteRow:
    guid, card_ords, digest = fields
    return NoteRow(guid, tuple(card_ords), digest)


def _media_to_json(media: Media) -> dict[str, str]:
    return {"name": media.name, "data": base64.b64encode(media.data).decode("ascii")}


def _media_from_json(fields: dict[str, str]) -> Media:
    return Media(str(fields["name"]), base64.b64decode(fields["data"], validate=True))
