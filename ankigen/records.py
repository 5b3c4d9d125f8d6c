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

from ankigen.config import Config
from ankigen.errors import display_path
from ankigen.notetypes import NOTE_TYPES, kind_of_fields
from ankigen.stamps import (
    Stamp,
    git_history,
    note_digest,
    note_key,
    note_type_digest,
    read_lock,
    type_key,
)

ID_FIELD = "ID"
ANKI_CLOZE_TYPE = 1


@dataclass(frozen=True, slots=True)
class Records:
    working: dict[str, Stamp] | None  # the lock as it is in the checkout
    versions: list[dict[str, Stamp]]  # every record, the working lock last
    warning: str  # "" or what the author should know


def shipped_records(config: Config) -> Records:
    working = read_lock(config.lock)
    history = git_history(config.lock)
    packages = package_versions(config.output)
    versions = [*packages, *(history or []), *([working] if working is not None else [])]
    return Records(working, versions, _warning(config, working, history, packages))


def package_versions(output: Path) -> list[dict[str, Stamp]]:
    """The stamps of each `.apkg` in `output`, as ankigen wrote them (digests included)."""
    versions = []
    for apkg in sorted(output.glob("*.apkg")) if output.is_dir() else []:
        try:
            versions.append(_package_stamps(apkg))
        except (OSError, zipfile.BadZipFile, sqlite3.Error, KeyError, ValueError):
            continue  # not ours, or damaged: no evidence
    return versions


def _package_stamps(apkg: Path) -> dict[str, Stamp]:
    root_deck = apkg.stem
    with zipfile.ZipFile(apkg) as archive, tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        database.write_bytes(archive.read("collection.anki2"))
        connection = sqlite3.connect(database)
        try:
            (models_json,) = connection.execute("select models from col").fetchone()
            rows = connection.execute("select mid, flds, tags, mod from notes").fetchall()
        finally:
            connection.close()
    models = {int(mid): model for mid, model in json.loads(models_json).items()}
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
        f"{lock} not found (and no earlier version in git, no earlier package): every "
        "note was stamped as changed, so importing replaces learners' own edits of them; "
        "commit the lock with your sources from now on"
    )
