"""`ankigen sync` applies the project to a real Anki collection: history kept, moved
cards moved, deleted notes gone (with --delete), other notes untouched, a backup made,
and a collection held open elsewhere refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, ship_then_edit, write_pyproject

from ankigen.cli import main


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["sync", "--root", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(path: Path) -> dict[str, tuple[str, ...]]:
    """guid -> fields, tags and the decks of its cards, and each card's review state."""
    from anki.collection import Collection

    col: Any = Collection(str(path))
    try:
        state = {}
        for note_id in col.find_notes(""):
            note = col.get_note(note_id)
            cards = note.cards()
            decks = tuple(sorted(col.decks.name(card.did) for card in cards))
            reviews = tuple(f"{card.reps}/{card.ivl}/{card.type}" for card in cards)
            state[note.guid] = (*note.fields, " ".join(note.tags), *decks, *reviews)
        return state
    finally:
        col.close()


def answer_every_card(path: Path, deck: str) -> None:
    from anki.collection import Collection
    from anki.scheduler.v3 import CardAnswer

    col: Any = Collection(str(path))
    try:
        for card_id in col.find_cards(f'"deck:{deck}"'):
            card = col.get_card(card_id)
            card.start_timer()
            states = col._backend.get_scheduling_states(card.id)
            answer = col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
            col.sched.answer_card(answer)
    finally:
        col.close()


def add_foreign_notes(path: Path, other_project: Path) -> None:
    """A note the learner made by hand, and the notes of another ankigen project."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col: Any = Collection(str(path))
    try:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "my own question", "my own answer"
        col.add_note(note, col.decks.id("Fixture::Basics"))
        for apkg in sorted((other_project / "dist").glob("*.apkg")):
            request = ImportAnkiPackageRequest(
                package_path=str(apkg), options=ImportAnkiPackageOptions()
            )
            col.import_anki_package(request)
    finally:
        col.close()


def ours(col: Any, card_id: str) -> list[int]:
    """The note ids of this project's card (the other project has cards of the same id)."""
    return [
        n
        for n in col.find_notes(f"ID:{card_id}")
        if "Elsewhere" not in str(col.get_note(n).note_type()["name"])
    ]


def test_sync_applies_exactly_what_dry_run_reports(
    cli: Any, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from anki.collection import Collection

    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    Collection(str(path)).close()
    code, out, err = run(capsys, project, "--collection", str(path))
    assert code == 0, err
    assert "8 new, 0 changed, 0 moved, 0 gone, 0 note types" in out
    answer_every_card(path, "Fixture::Basics")

    other = tmp_path / "other"
    shutil.copytree(FIXTURES / "deck", other)
    write_pyproject(other)
    for md in (other / "content").rglob("*.md"):
        text = md.read_text(encoding="utf-8")
        md.write_text(text.replace("Fixture", "Elsewhere").replace("Other deck", "Elsewhere 2"))
    assert cli("build", other).code == 0
    add_foreign_notes(path, other)

    ship_then_edit(cli, project)  # build, then: edit, move, delete, add, new style
    before = snapshot(path)
    code, out, err = run(capsys, project, "--collection", str(path), "--dry-run")
    assert code == 0, err
    assert out.splitlines() == [
        "new        Other deck/new-card",
        "changed    Fixture/dilated-term",
        "changed    Fixture/raw-html",
        "moved      Fixture/raw-html",
        "           Fixture::Basics -> Fixture::Moved",
        "gone       Fixture/relu-cloze",
        "           left the sources: --delete deletes it",
        "note type  Fixture/basic",
        "note type  Other deck/basic",
        "dry run: 1 new, 2 changed, 1 moved, 1 gone, 2 note types; nothing was changed",
    ]
    assert snapshot(path) == before

    code, out, err = run(capsys, project, "--collection", str(path), "--delete")
    assert code == 0, err
    assert "1 new, 2 changed, 1 moved, 1 deleted, 2 note types" in out
    after = snapshot(path)
    untouched = {guid: state for guid, state in before.items() if "Elsewhere" in str(state)}
    untouched |= {g: s for g, s in before.items() if s[0] == "my own question"}
    assert len(untouched) == 9
    assert all(after[guid] == state for guid, state in untouched.items())

    col: Any = Collection(str(path))
    try:
        dilated = col.get_note(ours(col, "dilated-term")[0])
        assert "atrous" in dilated["Back"]
        assert all(card.reps == 1 for card in dilated.cards()), "review history lost"
        raw_html = col.get_note(ours(col, "raw-html")[0])
        assert {col.decks.name(card.did) for card in raw_html.cards()} == {"Fixture::Moved"}
        assert all(card.reps == 1 for card in raw_html.cards())
        assert ours(col, "relu-cloze") == []
        assert ours(col, "new-card")
        basic = col.models.by_name("Fixture · ankigen")  # the cloze type is no longer used
        assert basic is not None and basic["css"].endswith(".card { color: #123; }\n")
    finally:
        col.close()
    assert list((path.parent / "backups").glob("*.colpkg")), "no backup"

    code, out, err = run(capsys, project, "--collection", str(path), "--dry-run")
    assert code == 0 and out.splitlines()[-1].startswith("dry run: nothing to change")


def test_sync_refuses_a_collection_open_in_anki(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from anki.collection import Collection

    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    Collection(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from anki.collection import Collection; "
            "c = Collection(sys.argv[1]); print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        code, _out, err = run(capsys, project, "--collection", str(path))
    finally:
        holder.kill()
        holder.wait()
    assert code == 1
    assert "the collection is open in Anki: close Anki and sync again" in err
    assert "Traceback" not in err


def test_the_profile_collection_is_found_or_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ankigen.errors import BuildError
    from ankigen.sync import default_collection

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    base = tmp_path / "Anki2"
    with pytest.raises(BuildError, match="name its collection with --collection PATH"):
        default_collection()
    for profile in ("Alice", "User 1"):
        (base / profile).mkdir(parents=True)
        (base / profile / "collection.anki2").write_bytes(b"")
    assert default_collection() == base / "User 1" / "collection.anki2"
    (base / "User 1" / "collection.anki2").unlink()
    assert default_collection() == base / "Alice" / "collection.anki2"


def test_a_file_that_is_not_a_collection_is_a_clear_error(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.anki2"
    path.write_bytes(b"not a database")
    code, _out, err = run(capsys, project, "--collection", str(path))
    assert code == 1 and "cannot open this as an Anki collection" in err
    assert path.read_bytes() == b"not a database"
