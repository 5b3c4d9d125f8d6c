"""The last built packages are a record of what was shipped, for builds outside git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ankigen.cache import BuildCache
from ankigen.records import package_versions
from ankigen.stamps import read_lock

CARD = "## A card in a second root deck {#other-card}\n\n"
KEY = "note:Other deck/other-card"


def build_at(cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch, epoch: int) -> Any:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    result = cli("build", project)
    assert result.code == 0, result.err
    return result


def lock_of(project: Path) -> dict[str, Any]:
    lock = read_lock(project / "ankigen.lock")
    assert lock is not None
    return lock


def set_answer(project: Path, answer: str) -> None:
    (project / "content" / "other.md").write_text(
        f"---\ndeck: Other deck\n---\n\n{CARD}{answer}\n", encoding="utf-8"
    )


def test_packages_hold_the_same_stamps_as_the_lock(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_at(cli, project, monkeypatch, 1_000)
    packages = package_versions(project / "dist", BuildCache(None, None))
    from_packages = {key: stamp for version in packages for key, stamp in version.items()}
    assert from_packages == lock_of(project)


def test_a_reverted_lock_outside_git_cannot_take_a_note_back_in_time(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_answer(project, "First words.")
    build_at(cli, project, monkeypatch, 1_000)
    old_lock = (project / "ankigen.lock").read_bytes()
    set_answer(project, "Second words.")
    build_at(cli, project, monkeypatch, 2_000)
    set_answer(project, "First words.")  # the author undoes the edit, lock included
    (project / "ankigen.lock").write_bytes(old_lock)
    build_at(cli, project, monkeypatch, 1_500)
    assert lock_of(project)[KEY].mod == 2_001


def test_a_lost_lock_and_an_early_clock_outside_git(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_at(cli, project, monkeypatch, 1_000)
    before = lock_of(project)
    (project / "ankigen.lock").unlink()
    set_answer(project, "Edited words.")
    result = build_at(cli, project, monkeypatch, 500)
    after = lock_of(project)
    assert after[KEY].mod == 1_001
    assert {k: v for k, v in after.items() if k != KEY} == {
        k: v for k, v in before.items() if k != KEY
    }
    assert "stamps were taken from the last built packages" in result.err
