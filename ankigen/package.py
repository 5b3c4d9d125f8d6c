"""Notes -> the bytes of an .apkg. The only module that imports genanki.

GUIDs come from the root deck's name and the card id, so edits update the same
note; every note and note type carries its own modification time (stamps.py);
the zip is written with fixed entry times, so the same input gives the same
bytes. Writing the file is output.py's job.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import genanki

from ankigen.model import Media, Note
from ankigen.notetypes import NOTE_TYPES, NoteType, note_fields, note_type_of

ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def note_guid(root_deck: str, card_id: str) -> str:
    """Stable across edits: only the root deck's name and the author's id go in."""
    return str(genanki.guid_for(root_deck, card_id))


def deck_id(name: str) -> int:
    """A fixed id per deck name, in the range genanki recommends."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


class _StampedNote(genanki.Note):  # type: ignore[misc]
    """A note written with its own modification time instead of the package's."""

    def __init__(self, mod: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        super().write_to_db(cursor, self.mod, deck_id, id_gen)


class _StampedModel(genanki.Model):  # type: ignore[misc]
    """A note type written with its own modification time instead of the package's:
    a later build must never ship it with a time newer than its next change gets."""

    def __init__(self, mod: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> Any:
        return super().to_json(self.mod, deck_id)


def _genanki_model(root_deck: str, note_type: NoteType, css: str, mod: int) -> genanki.Model:
    return _StampedModel(
        mod,
        model_id=note_type.model_id(root_deck),
        name=note_type.model_name(root_deck),
        fields=[{"name": name} for name in note_type.fields],
        templates=[
            {"name": t.name, "qfmt": t.question, "afmt": t.answer} for t in note_type.templates
        ],
        css=css,
        model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
    )


def package_bytes(
    root_deck: str,
    notes: Sequence[Note],
    note_mods: Sequence[int],
    type_mods: Mapping[str, int],
    css: str,
) -> bytes:
    """The .apkg of one root deck; `type_mods` dates each note type it uses, by key."""
    models = {
        t.key: _genanki_model(root_deck, t, css, type_mods[t.key])
        for t in NOTE_TYPES
        if t.key in type_mods
    }
    decks: dict[str, genanki.Deck] = {}
    media: dict[str, Media] = {}
    for note, mod in zip(notes, note_mods, strict=True):
        deck = decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        deck.add_note(
            _StampedNote(
                mod,
                model=models[note_type_of(note.kind).key],
                fields=list(note_fields(note)),
                tags=list(note.tags),
                guid=note_guid(note.root_deck, note.card_id),
            )
        )
        media.update((item.name, item) for item in note.media)
    package = genanki.Package([decks[name] for name in sorted(decks)])
    collection = _collection_bytes(package, max([*type_mods.values(), *note_mods]))
    stream = io.BytesIO()
    _write_zip(stream, collection, [media[name] for name in sorted(media)])
    return stream.getvalue()


def _collection_bytes(package: genanki.Package, timestamp: int) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            package.write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
            connection.commit()
        finally:
            connection.close()
        return database.read_bytes()


def _write_zip(stream: Any, collection: bytes, media: Sequence[Media]) -> None:
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _add(archive, "collection.anki2", collection)
        names = {str(index): item.name for index, item in enumerate(media)}
        _add(archive, "media", json.dumps(names, ensure_ascii=False).encode("utf-8"))
        for index, item in enumerate(media):
            _add(archive, str(index), item.data)


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)
