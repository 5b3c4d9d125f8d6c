"""Rebuilding must update edited notes, never duplicate them, never touch review history."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import import_package

from ankigen.workers import run_all


def answer_good(col: Any, card_id: int) -> None:
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def history(col: Any, card_id: int) -> tuple[int, int, int, int]:
    card = col.get_card(card_id)
    revlog = col.db.scalar("select count() from revlog where cid = ?", card_id)
    return card.reps, card.ivl, card.type, revlog


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_edit_updates_the_same_note_and_keeps_review_history(
    cli: Any, project: Path, collection: Any
) -> None:
    apkg = project / "dist" / "Fixture.apkg"
    assert cli("build", project).code == 0
    first = import_package(collection, apkg)
    assert len(first.new) == 7
    card_id = collection.find_cards("ID:code-and-image")[0]
    answer_good(collection, card_id)
    before = history(collection, card_id)
    assert before[0] == 1 and before[3] == 1

    source = project / "content" / "basics.md"
    text = source.read_text(encoding="utf-8")
    text = text.replace(
        "## Code and an image {#code-and-image}", "## Code, edited {#code-and-image}"
    )
    text = text.replace("![a red dot]", "Edited answer.\n\n![a red dot]")
    source.write_text(text, encoding="utf-8")
    assert cli("build", project).code == 0
    second = import_package(collection, apkg)
    assert (len(second.new), len(second.updated), len(second.conflicting)) == (0, 1, 0)
    assert collection.note_count() == 8 - 1  # the "Other deck" package was not imported
    card = collection.get_card(card_id)
    assert "Code, edited" in card.question() and "Edited answer." in card.answer()
    assert history(collection, card_id) == before

    assert cli("build", project).code == 0
    third = import_package(collection, apkg)
    assert (len(third.new), len(third.updated)) == (0, 0)
    assert history(collection, card_id) == before


def test_same_sources_give_identical_bytes(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cli("build", project).code == 0
    first = {p.name: digest(p) for p in (project / "dist").glob("*.apkg")}
    (project / "ankigen.lock").unlink()
    for apkg in (project / "dist").glob("*.apkg"):
        apkg.unlink()
    assert cli("build", project).code == 0
    second = {p.name: digest(p) for p in (project / "dist").glob("*.apkg")}
    assert first == second and len(first) == 2


def test_rebuild_without_changes_keeps_bytes_and_lock(cli: Any, project: Path) -> None:
    assert cli("build", project).code == 0
    lock = (project / "ankigen.lock").read_bytes()
    apkg = digest(project / "dist" / "Fixture.apkg")
    assert cli("build", project).code == 0
    assert (project / "ankigen.lock").read_bytes() == lock
    assert digest(project / "dist" / "Fixture.apkg") == apkg


def test_failed_build_leaves_previous_package_untouched(cli: Any, project: Path) -> None:
    assert cli("build", project).code == 0
    apkg = project / "dist" / "Fixture.apkg"
    before, lock = apkg.read_bytes(), (project / "ankigen.lock").read_bytes()
    source = project / "content" / "basics.md"
    source.write_text(
        source.read_text(encoding="utf-8") + "\n## Broken {#raw-html}\n\nduplicate id\n",
        encoding="utf-8",
    )
    result = cli("build", project)
    assert result.code == 1 and "duplicate card id 'raw-html'" in result.err
    assert apkg.read_bytes() == before
    assert (project / "ankigen.lock").read_bytes() == lock
    assert sorted(p.name for p in apkg.parent.iterdir()) == ["Fixture.apkg", "Other deck.apkg"]


def test_removed_card_is_reported(cli: Any, project: Path) -> None:
    assert cli("build", project).code == 0
    (project / "content" / "other.md").unlink()
    result = cli("build", project)
    assert result.code == 0
    assert "stay in learners' collections" in result.err
    assert "  ID:other-card   (deck Other deck)" in result.err.splitlines()


def test_parallel_compilation_gives_the_same_package(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert cli("build", project).code == 0
    serial = digest(project / "dist" / "Fixture.apkg")
    runs: list[tuple[str, bool]] = []

    def noted(*args: Any, **kwargs: Any) -> Any:
        runs.append((kwargs["what"], kwargs.get("in_workers", True)))
        return run_all(*args, **kwargs)

    monkeypatch.setattr("ankigen.compile.run_all", noted)
    monkeypatch.setattr("ankigen.compile.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    shutil.rmtree(project / "build")  # nothing cached: every file is compiled again
    (project / "ankigen.lock").unlink()
    assert cli("build", project).code == 0
    assert ("files", True) in runs, runs
    assert digest(project / "dist" / "Fixture.apkg") == serial
    assert cli("build", project).code == 0  # and from the cache the workers wrote
    assert digest(project / "dist" / "Fixture.apkg") == serial
