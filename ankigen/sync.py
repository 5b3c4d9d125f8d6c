"""`ankigen sync`: applies the project to a local Anki collection through the official
`anki` package (the optional extra `ankigen[sync]`), without File > Import.

It imports the packages a build writes, as Anki's importer does (new notes and media
added, changed notes updated, review history kept, note types updated), then does
what a package cannot: moves cards whose deck changed in the sources, and with
`--delete` deletes notes that left them. It only touches notes and note types of this
project (their ids come from its root decks): a note made by hand or by another
project is never changed. A card moved out of the project's decks by the learner
stays where they put it. It refuses while Anki has the collection open, and backs it
up before changing anything.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ankigen.build import build, collect, used_note_types
from ankigen.config import Config
from ankigen.errors import BuildError, Problem
from ankigen.model import Note
from ankigen.notetypes import NOTE_TYPES, card_css, note_fields
from ankigen.package import note_guid
from ankigen.stamps import read_lock
from ankigen.style import project_css

if TYPE_CHECKING:
    from ankigen.workers import Progress


@dataclass
class SyncPlan:
    """What a sync changes in the collection; every entry is 'root deck/card id'."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # card, from deck, to deck
    gone: list[str] = field(default_factory=list)  # left the sources
    note_types: list[str] = field(default_factory=list)  # template or style changed


def anki_base() -> Path:
    """Where Anki keeps its profiles on this system."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "Anki2"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Anki2"
    return Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share")) / "Anki2"


def default_collection() -> Path:
    """The collection of the only profile, or of 'User 1' (Anki's first profile)."""
    base = anki_base()
    profiles = sorted(p.parent for p in base.glob("*/collection.anki2"))
    if len(profiles) == 1:
        return profiles[0] / "collection.anki2"
    if base / "User 1" in profiles:
        return base / "User 1" / "collection.anki2"
    if profiles:
        names = ", ".join(p.name for p in profiles)
        why = f"cannot tell which Anki profile to sync ({names})"
    else:
        why = "no Anki profile here (is Anki installed, and was it opened once?)"
    raise BuildError([Problem(base, 0, f"{why}: name its collection with --collection PATH")])


def sync(
    config: Config,
    collection: Path,
    dry_run: bool,
    delete: bool,
    progress: Progress | None = None,
) -> SyncPlan:
    notes = collect(config, progress=progress)
    col = _open(collection)
    try:
        plan = _plan(config, col, notes)
        if dry_run:
            return plan
        backups = collection.parent / "backups"  # where Anki keeps a profile's own
        backups.mkdir(exist_ok=True)
        col.create_backup(backup_folder=str(backups), force=True, wait_for_completion=True)
        _apply(config, col, notes, plan, delete, progress)
        return plan
    finally:
        col.close()


def _open(collection: Path) -> Any:
    from anki.collection import Collection
    from anki.errors import DBError

    if not collection.is_file():
        raise BuildError([Problem(collection, 0, "no Anki collection here: check --collection")])
    try:
        return Collection(str(collection))
    except DBError as error:
        if "already open" in str(error):
            message = (
                "the collection is open in Anki: close Anki and sync again, or import "
                "the .apkg files with File > Import"
            )
        else:
            message = "cannot open this as an Anki collection: check --collection"
        raise BuildError([Problem(collection, 0, message)]) from error


def _root_decks(config: Config, notes: list[Note]) -> set[str]:
    """This project's root decks: in the sources now, or in the lock (all removed)."""
    locked = read_lock(config.lock) or {}
    shipped = {key.split(":", 1)[1].split("/", 1)[0] for key in locked}
    return {note.root_deck for note in notes} | shipped


def _ours(config: Config, col: Any, notes: list[Note]) -> dict[str, Any]:
    """guid -> note of the collection, for every note of this project's note types."""
    found = {}
    for root_deck in _root_decks(config, notes):
        for note_type in NOTE_TYPES:
            if col.models.get(note_type.model_id(root_deck)) is None:
                continue
            for note_id in col.find_notes(f"mid:{note_type.model_id(root_deck)}"):
                note = col.get_note(note_id)
                found[note.guid] = note
    return found


def _plan(config: Config, col: Any, notes: list[Note]) -> SyncPlan:
    plan = SyncPlan()
    ours = _ours(config, col, notes)
    roots = _root_decks(config, notes)
    wanted = set()
    for note in notes:
        guid = note_guid(note.root_deck, note.card_id)
        wanted.add(guid)
        label = f"{note.root_deck}/{note.card_id}"
        existing = ours.get(guid)
        if existing is None:
            plan.new.append(label)
            continue
        if list(existing.fields) != list(note_fields(note)) or sorted(existing.tags) != sorted(
            note.tags
        ):
            plan.changed.append(label)
        for deck in sorted(_misplaced(col, existing, note.deck, roots)):
            plan.moved.append((label, deck, note.deck))
    for guid, existing in sorted(ours.items()):
        if guid not in wanted:
            model = col.models.get(existing.mid)
            root_deck = str(model["name"]).split(" · ", 1)[0]
            plan.gone.append(f"{root_deck}/{existing['ID']}")
    css = card_css() + project_css(config)
    for root_deck, note_type in used_note_types(notes):  # the ones a build ships
        model = col.models.get(note_type.model_id(root_deck))
        if model is None:
            continue
        templates = [(t["qfmt"], t["afmt"]) for t in model["tmpls"]]
        if model["css"] != css or templates != [
            (t.question, t.answer) for t in note_type.templates
        ]:
            plan.note_types.append(f"{root_deck}/{note_type.key}")
    return plan


def _misplaced(col: Any, existing: Any, deck: str, roots: set[str]) -> dict[str, list[int]]:
    """Deck name -> ids of the note's cards that are in another of the project's decks
    than the sources say (a card the learner moved out of the project's decks stays)."""
    found: dict[str, list[int]] = {}
    for card in existing.cards():
        name = col.decks.name(card.did)
        in_project = any(name == root or name.startswith(f"{root}::") for root in roots)
        if in_project and name != deck:
            found.setdefault(name, []).append(card.id)
    return found


def _apply(
    config: Config,
    col: Any,
    notes: list[Note],
    plan: SyncPlan,
    delete: bool,
    progress: Progress | None,
) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    # Anki stamps a note it adds with the time of the import: what changes now must be
    # newer than that, or the importer keeps the collection's copy (anki-facts.md 7b).
    ours = _ours(config, col, notes)
    types = [col.models.get(t.model_id(r)) for r, t in used_note_types(notes)]
    latest = [note.mod for note in ours.values()] + [int(m["mod"]) for m in types if m]
    report = build(config, not_before=max(latest, default=0) + 1)
    for deck in report.decks:
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(deck.path), options=ImportAnkiPackageOptions()
            )
        )
    ours = _ours(config, col, notes)  # now with the notes just added
    roots = _root_decks(config, notes)
    for count, note in enumerate(notes, start=1):
        existing = ours.get(note_guid(note.root_deck, note.card_id))
        if existing is not None:
            misplaced = _misplaced(col, existing, note.deck, roots)
            cards = [card for ids in misplaced.values() for card in ids]
            if cards:
                col.set_deck(cards, col.decks.id(note.deck))
        if progress is not None and (count % 100 == 0 or count == len(notes)):
            progress("placing cards", count, len(notes))
    if delete and plan.gone:
        wanted = {note_guid(n.root_deck, n.card_id) for n in notes}
        col.remove_notes([note.id for guid, note in ours.items() if guid not in wanted])
