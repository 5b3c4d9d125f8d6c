"""`ankigen diff`: what the next build would change for learners, before anything is
built: new cards, changed ones (with a short text diff), cards gone from the sources,
cards moved to another deck, and kind changes the build will refuse.

It compares the sources with what was shipped: the lock (every note's digest and kind)
and, where present, the last built packages, which also hold each note's text and
deck. It writes nothing but the build cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from ankigen.build import collect, note_type_stamps, used_note_types
from ankigen.config import Config
from ankigen.model import Note, NoteKind
from ankigen.notetypes import card_css, note_fields, note_type_of
from ankigen.records import ShippedNote, package_notes
from ankigen.stamps import NOTE_PREFIX, note_digest, note_key, read_lock
from ankigen.style import project_css

CONTEXT = 30  # characters shown around a change
WHAT = {  # each kind of change, and how a count of it reads
    "new": "new",
    "changed": "changed",
    "moved": "moved",
    "kind": "kind changes",
    "removed": "removed",
    "note type": "note types changed",
}


@dataclass(frozen=True, slots=True)
class Change:
    what: str  # a key of WHAT
    key: str  # "root deck/card-id"
    details: tuple[str, ...] = ()


def planned_changes(config: Config) -> list[Change]:
    notes = collect(config)
    lock = read_lock(config.lock) or {}
    shipped: dict[str, ShippedNote] = {}
    if config.output.is_dir():
        for apkg in sorted(config.output.glob("*.apkg")):
            shipped |= package_notes(apkg)
    changes: list[Change] = []
    current = set()
    for note in notes:
        key = note_key(note.root_deck, note.card_id)
        current.add(key)
        label = key.removeprefix(NOTE_PREFIX)
        before = lock.get(key) or (shipped[key].stamp if key in shipped else None)
        package = shipped.get(key)
        if before is None:
            changes.append(Change("new", label, (note.deck,)))
            continue
        if before.kind and note_type_of(NoteKind(before.kind)) != note_type_of(note.kind):
            detail = f"{before.kind} -> {note.kind.value}: the build refuses this (see why there)"
            changes.append(Change("kind", label, (detail,)))
            continue
        if note_digest(note.kind.value, note_fields(note), note.tags) != before.digest:
            details = _field_changes(_named_fields(note), note.tags, package)
            changes.append(Change("changed", label, details))
        if package is not None and package.deck and package.deck != note.deck:
            changes.append(Change("moved", label, (f"{package.deck} -> {note.deck}",)))
    for key in sorted((set(lock) | set(shipped)) - current):
        if key.startswith(NOTE_PREFIX):
            changes.append(Change("removed", key.removeprefix(NOTE_PREFIX)))
    css = card_css() + project_css(config)
    for key, stamp in sorted(note_type_stamps(used_note_types(notes), css).items()):
        if key in lock and lock[key].digest != stamp.digest:
            label = key.split(":", 1)[1]
            changes.append(Change("note type", label, ("its template or style changed",)))
    return changes


def _named_fields(note: Note) -> dict[str, str]:
    return dict(zip(note_type_of(note.kind).fields, note_fields(note), strict=True))


def _field_changes(
    now: dict[str, str], tags: tuple[str, ...], package: ShippedNote | None
) -> tuple[str, ...]:
    """Two lines per changed field: the text around its first difference, before and
    after; and the tags, if they changed."""
    if package is None:
        return ("(no earlier package to compare the text with)",)
    lines = []
    for name, new in now.items():
        old = package.fields.get(name, "")
        if old == new:
            continue
        before, after = _text(old), _text(new)
        pairs = enumerate(zip(before, after, strict=False))
        start = next((i for i, (a, b) in pairs if a != b), min(len(before), len(after)))
        lines.append(f"{name}: - {_excerpt(before, start)}")
        lines.append(f"{' ' * len(name)}  + {_excerpt(after, start)}")
    if tuple(tags) != package.tags:
        lines.append(f"tags: {' '.join(package.tags) or '(none)'} -> {' '.join(tags) or '(none)'}")
    return tuple(lines)


def _text(html: str) -> str:
    """Fields as a reader sees them: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]*>", " ", html))).strip()


def _excerpt(text: str, start: int) -> str:
    left = max(0, start - CONTEXT)
    piece = text[left : start + CONTEXT]
    return ("…" if left else "") + piece + ("…" if start + CONTEXT < len(text) else "")
