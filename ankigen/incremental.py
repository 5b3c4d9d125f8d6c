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
from dataclasses import asdict
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ankigen.cache import BuildCache, digest_of, file_digest
from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.model import Media, Note, NoteKind

LIBRARIES = ("numpy", "matplotlib", "markdown-it-py", "mdit-py-plugins", "pygments", "genanki")


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


class StoredFiles:
    """A file's notes kept across builds, trusted only while everything they came
    from is unchanged."""

    def __init__(self, cache: BuildCache, dependencies: Dependencies) -> None:
        self.cache = cache
        self.dependencies = dependencies

    def get(self, key: str) -> tuple[Note, ...] | None:
        entry = self.cache.get("file", key)
        try:
            if entry is None or not self._current(entry):
                return None
            return tuple(_note_from_json(note) for note in entry["notes"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(
        self, key: str, notes: tuple[Note, ...], images: dict[str, str], calls_recipes: bool
    ) -> None:
        entry = {
            "recipes": self.dependencies.recipes if calls_recipes else None,
            "images": images,
            "notes": [_note_to_json(note) for note in notes],
        }
        self.cache.put("file", key, entry)

    def _current(self, entry: dict[str, Any]) -> bool:
        recipes = entry["recipes"]
        if recipes is not None and recipes != self.dependencies.recipes:
            return False
        root = self.dependencies.config.root
        return all(
            inside_project(root, Path(path)) is not None and file_digest(Path(path)) == digest
            for path, digest in entry["images"].items()
        )


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


def _note_to_json(note: Note) -> dict[str, Any]:
    fields = asdict(note)
    fields["path"] = str(note.path)
    fields["kind"] = note.kind.value
    fields["tags"] = list(note.tags)
    fields["media"] = [_media_to_json(item) for item in note.media]
    return fields


def _note_from_json(fields: dict[str, Any]) -> Note:
    return Note(
        path=Path(fields["path"]),
        line=int(fields["line"]),
        root_deck=str(fields["root_deck"]),
        card_id=str(fields["card_id"]),
        kind=NoteKind(fields["kind"]),
        deck=str(fields["deck"]),
        question=str(fields["question"]),
        answer=str(fields["answer"]),
        extra=str(fields["extra"]),
        source=str(fields["source"]),
        tags=tuple(str(tag) for tag in fields["tags"]),
        media=tuple(_media_from_json(item) for item in fields["media"]),
    )


def _media_to_json(media: Media) -> dict[str, str]:
    return {"name": media.name, "data": base64.b64encode(media.data).decode("ascii")}


def _media_from_json(fields: dict[str, str]) -> Media:
    return Media(str(fields["name"]), base64.b64decode(fields["data"], validate=True))
