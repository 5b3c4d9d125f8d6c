"""Notes -> the bytes of an .apkg. The only module that imports genanki.

GUIDs come from the root deck's name and the card id, so edits update the same
note; every note and note type carries its own modification time (stamps.py);
the zip is written with fixed entry times, so the same input gives the same
bytes. Writing the file is output.py's job.

A package holds what genanki would write, row for row. The per-note work (GUID,
which cards the note makes, the digest its stamp follows) is a `NoteRow`, made
where the note is rendered, in parallel, and kept in the build cache; writing a
package then only copies rows into SQLite.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import genanki

from ankigen.model import Media, Note, NoteRow
from ankigen.notetypes import NOTE_TYPES, NoteType, note_fields, note_type_of
from ankigen.stamps import note_digest

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# genanki's rows (note.py, card.py): no sort-field checksum, a new card, due 0.
_NOTE_ROW = "INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?);"
_CARD_ROW = "INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);"


def note_guid(root_deck: str, card_id: str) -> str:
    """Stable across edits: only the root deck's name and the author's id go in."""
    return str(genanki.guid_for(root_deck, card_id))


def deck_id(name: str) -> int:
    """A fixed id per deck name, in the range genanki recommends."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return (1 << 30) + digest % (1 << 30)


def note_row(note: Note) -> NoteRow:
    """The note's row, as genanki works it out (it decides which cards a note makes)."""
    fields = note_fields(note)
    model = _card_model(note_type_of(note.kind))
    cards = genanki.Note(model=model, fields=list(fields), tags=list(note.tags)).cards
    return NoteRow(
        note_guid(note.root_deck, note.card_id),
        tuple(card.ord for card in cards),
        note_digest(note.kind.value, fields, note.tags),
    )


@functools.cache
def _card_model(note_type: NoteType) -> genanki.Model:
    """The note type as genanki decides which cards a note makes (ids and style play no
    part in that)."""
    return _genanki_model("", note_type, "", 0)


class _StampedModel(genanki.Model):  # type: ignore[misc]
    """A note type written with its own modification time instead of the package's:
    a later build must never ship it with a time newer than its next change gets."""

    def __init__(self, mod: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mod = mod

    def to_json(self, timestamp: float, deck_id: int) -> Any:
        return super().to_json(self.mod, deck_id)


class _RowNote:
    """A note as genanki's Deck writes it, from its ready-made row: the same statements
    in the same order as genanki.Note, so the same bytes, without its per-note work."""

    __slots__ = ("_fields", "_mod", "_row", "_tags", "model")

    def __init__(self, model: genanki.Model, note: Note, row: NoteRow, mod: int) -> None:
        self.model = model
        self._fields = note_fields(note)
        self._tags = " " + " ".join(note.tags) + " "
        self._row = row
        self._mod = mod

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        row, mod = self._row, self._mod
        fields = self._fields
        note = (next(id_gen), row.guid, self.model.model_id, mod, -1, self._tags)
        sort_field = fields[self.model.sort_field_index]
        cursor.execute(_NOTE_ROW, (*note, "\x1f".join(fields), sort_field, 0, 0, ""))
        note_id = cursor.lastrowid
        for ordinal in row.card_ords:
            card = (next(id_gen), note_id, deck_id, ordinal, mod, -1)
            cursor.execute(_CARD_ROW, (*card, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ""))


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
    rows: Sequence[NoteRow],
    note_mods: Sequence[int],
    type_mods: Mapping[str, int],
    css: str,
) -> bytes:
    """The .apkg of one root deck; `rows` are the notes' `note_row`s, `type_mods` dates
    each note type it uses, by key."""
    models = {
        t.key: _genanki_model(root_deck, t, css, type_mods[t.key])
        for t in NOTE_TYPES
        if t.key in type_mods
    }
    decks: dict[str, genanki.Deck] = {}
    media: dict[str, Media] = {}
    for note, row, mod in zip(notes, rows, note_mods, strict=True):
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        decks[note.deck].add_note(_RowNote(models[note_type_of(note.kind).key], note, row, mod))
        media.update((item.name, item) for item in note.media)
    package = genanki.Package([decks[name] for name in sorted(decks)])
    collection = collection_bytes(package, max([*type_mods.values(), *note_mods]))
    stream = io.BytesIO()
    _write_zip(stream, collection, [media[name] for name in sorted(media)])
    return stream.getvalue()


def collection_bytes(package: genanki.Package, timestamp: int) -> bytes:
    """The package's SQLite collection, built in memory: no file, and none of the header
    fields a file gets (write counter, the SQLite version that wrote it), so the bytes
    do not depend on the machine's SQLite."""
    connection = sqlite3.connect(":memory:")
    try:
        package.write_to_db(connection.cursor(), timestamp, itertools.count(timestamp * 1000))
        connection.commit()
        return connection.serialize()
    finally:
        connection.close()


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
