"""What was shipped before: the evidence stamps.py needs to never go backwards.

Three witnesses, each possibly missing or partial: the working lock, every
version of the lock in git, and the packages the last build left in the
output folder (they cover builds whose lock was never committed, and projects
outside git). Only the working lock is input the author must fix when damaged;
the others are evidence, read when they can be and skipped when they cannot.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ankigen.cache import BuildCache, file_digest
from ankigen.config import Config
from ankigen.errors import display_path
from ankigen.notetypes import NOTE_TYPES, kind_of_fields
from ankigen.stamps import (
    Stamp,
    lock_versions,
    note_digest,
    note_key,
    note_type_digest,
    read_lock,
    type_key,
)

ID_FIELD = "ID"
ANKI_CLOZE_TYPE = 1


# What reading a package that is not ours, or is damaged, can raise: it is no evidence.
NOT_OURS = (
    OSError,
    zipfile.BadZipFile,
    sqlite3.Error,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
)


@dataclass(frozen=True, slots=True)
class Records:
    working: dict[str, Stamp] | None  # the lock as it is in the checkout
    versions: list[dict[str, Stamp]]  # every record, the working lock last
    warning: str  # "" or what the author should know


def shipped_records(config: Config, cache: BuildCache, blobs: list[str] | None) -> Records:
    """`blobs`: the lock's committed versions (stamps.lock_blobs), read once per build."""
    working = read_lock(config.lock)
    history = lock_versions(config.lock, blobs)
    packages = package_versions(config.output, cache)
    versions = [*packages, *(history or []), *([working] if working is not None else [])]
    return Records(working, versions, _warning(config, working, history, packages))


def package_versions(output: Path, cache: BuildCache) -> list[dict[str, Stamp]]:
    """The stamps of each `.apkg` in `output`, as ankigen wrote them (digests included);
    read once per package's bytes, then from the cache."""
    versions = []
    for apkg in sorted(output.glob("*.apkg")) if output.is_dir() else []:
        digest = file_digest(apkg)
        stored = cache.get("shipped", digest) if digest is not None else None
        if isinstance(stored, dict):
            stamps = {key: Stamp(*value) for key, value in stored.items()}
        else:
            try:
                stamps = _package_stamps(apkg)
            except NOT_OURS:
                continue  # not ours, or damaged: no evidence
            if digest is not None:
                remember_package(cache, digest, stamps)
        versions.append(stamps)
    return versions


def remember_package(cache: BuildCache, digest: str, stamps: dict[str, Stamp]) -> None:
    """What a package of these bytes holds, so the next build need not open it."""
    cache.put("shipped", digest, {key: [s.digest, s.mod, s.kind] for key, s in stamps.items()})


@dataclass(frozen=True, slots=True)
class ShippedNote:
    """A note as the last built package holds it: what `ankigen diff` compares with."""

    kind: str
    deck: str
    fields: dict[str, str]  # field name -> HTML
    tags: tuple[str, ...]
    stamp: Stamp


def package_notes(apkg: Path) -> dict[str, ShippedNote]:
    """Every note of one of our packages, by lock key; {} for a file that is not one."""
    try:
        models, rows, decks = _read_package(apkg)
        stamps = _stamps(apkg.stem, models, [row[:4] for row in rows])
        notes = {}
        for mid, flds, tags, _mod, did in rows:
            names = [field["name"] for field in models[mid]["flds"]]
            fields = dict(zip(names, flds.split("\x1f"), strict=True))
            key = note_key(apkg.stem, fields[ID_FIELD])
            stamp = stamps[key]
            deck = decks.get(did, "")
            notes[key] = ShippedNote(stamp.kind, deck, fields, tuple(tags.split()), stamp)
    except NOT_OURS:
        return {}
    return notes


def _read_package(
    apkg: Path,
) -> tuple[dict[int, Any], list[tuple[int, str, str, int, int]], dict[int, str]]:
    """The note types, the notes (with the deck of their first card) and deck names."""
    with zipfile.ZipFile(apkg) as archive, tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        database.write_bytes(archive.read("collection.anki2"))
        connection = sqlite3.connect(database)
        try:
            models_json, decks_json = connection.execute("select models, decks from col").fetchone()
            rows = connection.execute(
                "select n.mid, n.flds, n.tags, n.mod, (select did from cards c where c.nid = n.id "
                "order by c.ord limit 1) from notes n order by n.id"
            ).fetchall()
        finally:
            connection.close()
    models = {int(mid): model for mid, model in json.loads(models_json).items()}
    decks = {int(did): str(deck["name"]) for did, deck in json.loads(decks_json).items()}
    return models, rows, decks


def _package_stamps(apkg: Path) -> dict[str, Stamp]:
    models, rows, _decks = _read_package(apkg)
    return _stamps(apkg.stem, models, [row[:4] for row in rows])


def _stamps(
    root_deck: str, models: dict[int, Any], rows: list[tuple[int, str, str, int]]
) -> dict[str, Stamp]:
    stamps: dict[str, Stamp] = {}
    for note_type in NOTE_TYPES:
        model = models.get(note_type.model_id(root_deck))
        if model is not None:
            digest = note_type_digest(
                int(model["id"]),
                model["name"],
                [field["name"] for field in model["flds"]],
                [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]],
                model["css"],
            )
            stamps[type_key(root_deck, note_type.key)] = Stamp(digest, int(model["mod"]))
    for mid, flds, tags, mod in rows:
        names = [field["name"] for field in models[mid]["flds"]]
        fields = flds.split("\x1f")
        values = dict(zip(names, fields, strict=True))
        kind = kind_of_fields(models[mid]["type"] == ANKI_CLOZE_TYPE, values)
        digest = note_digest(kind.value, fields, tags.split())
        stamps[note_key(root_deck, values[ID_FIELD])] = Stamp(digest, int(mod), kind.value)
    return stamps


def _warning(
    config: Config,
    working: dict[str, Stamp] | None,
    history: list[dict[str, Stamp]] | None,
    packages: list[dict[str, Stamp]],
) -> str:
    if working is not None:
        return ""
    lock = display_path(config.lock)
    if history or packages:
        where = "its git history" if history else "the last built packages"
        return f"{lock} was missing: stamps were taken from {where}; commit the new lock"
    return (
        f"first build: {lock} is new; commit it with your sources (it keeps learners' "
        "review history safe). If this deck was shipped before, restore its lock from "
        "git or put its last .apkg in the output folder, and build again"
    )
