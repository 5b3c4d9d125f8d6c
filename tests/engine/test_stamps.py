"""Stamps only go forward, whatever happens to the lock (stamps.py has the reasoning)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ankigen.errors import BuildError
from ankigen.stamps import (
    LockError,
    Stamp,
    lock_blobs,
    lock_text,
    lock_versions,
    parse_lock,
    read_lock,
    restamp,
)

A, B, C = ("a" * 64, "b" * 64, "c" * 64)


def test_unchanged_keeps_its_time_changed_and_new_get_later_ones() -> None:
    shipped = [{"x": Stamp(A, 100), "y": Stamp(B, 500)}]
    stamps = restamp(shipped, {"x": Stamp(A, 0), "y": Stamp(C, 0), "z": Stamp(C, 0)}, at=300)
    assert stamps == {"x": Stamp(A, 100), "y": Stamp(C, 501), "z": Stamp(C, 300)}


def test_content_that_went_back_to_an_older_version_is_stamped_anew() -> None:
    # A git revert restores the old lock (A at 100) beside the old content A,
    # but learners hold B from 200: A must arrive with a newer time.
    history = [{"x": Stamp(A, 100)}, {"x": Stamp(B, 200)}, {"x": Stamp(A, 100)}]
    assert restamp(history, {"x": Stamp(A, 0)}, at=150)["x"] == Stamp(A, 201)


def test_an_earlier_clock_never_gives_an_earlier_stamp() -> None:
    stamps = restamp([{"x": Stamp(A, 1000)}], {"x": Stamp(B, 0)}, at=10)
    assert stamps["x"].mod == 1001


def test_two_changes_in_one_second_get_two_times() -> None:
    first = restamp([], {"x": Stamp(A, 0)}, at=50)
    second = restamp([first], {"x": Stamp(B, 0)}, at=50)
    assert (first["x"].mod, second["x"].mod) == (50, 51)


def test_lock_round_trips_with_note_types() -> None:
    stamps = {"note:D/x": Stamp(A, 7, "reversed"), "notetype:D/basic": Stamp(B, 9)}
    assert parse_lock(lock_text(stamps)) == stamps


@pytest.mark.parametrize(
    "stamps",
    [
        {},
        {
            'note:深度 "学习"::子/x': Stamp(A, 7, "cloze"),
            "note:D\\x\n\u2028\x01é/y": Stamp(B, 10**10, "basic"),
            "notetype:D/basic": Stamp(C, 9),
        },
    ],
)
def test_the_lock_is_written_as_json_writes_it(stamps: dict[str, Stamp]) -> None:
    """Locks already committed keep their bytes: only a changed stamp shows in a diff."""
    entries = {
        key: {"hash": s.digest, "mod": s.mod, **({"kind": s.kind} if s.kind else {})}
        for key, s in sorted(stamps.items())
    }
    data = {"version": 2, "stamps": entries}
    assert lock_text(stamps) == json.dumps(data, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{\n "version": 2,\n "stamps": {\n  "x": {"hash": "', 4, "Unterminated string"),
        ('{"version": 7, "stamps": {}}', 1, "not an ankigen lock"),
        ('{"version": 2}', 1, "no 'stamps' table"),
        ('{"version": 2, "stamps": {\n"x": {"hash": "zz", "mod": 1}}}', 2, "bad entry 'x'"),
        ('{"version": 2, "stamps": {\n"x": {"hash": "' + A + '", "mod": -1}}}', 2, "bad entry"),
    ],
)
def test_damaged_lock_is_located(text: str, line: int, reason: str) -> None:
    with pytest.raises(LockError) as error:
        parse_lock(text)
    assert error.value.line == line and reason in error.value.reason


def test_conflict_markers_stop_the_build_at_their_line(tmp_path: Path) -> None:
    lock = tmp_path / "ankigen.lock"
    lock.write_text('{\n "version": 2,\n<<<<<<< HEAD\n "stamps": {}\n', encoding="utf-8")
    with pytest.raises(BuildError) as error:
        read_lock(lock)
    (problem,) = error.value.problems
    assert problem.line == 3 and "merge-conflict marker" in problem.message


def test_missing_lock_reads_as_none(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "ankigen.lock") is None


def test_git_history_holds_every_committed_version(tmp_path: Path) -> None:
    def git_history(lock: Path) -> list[dict[str, Stamp]] | None:
        return lock_versions(lock, lock_blobs(lock))

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    lock = tmp_path / "ankigen.lock"
    assert git_history(lock) is None  # not a repository
    git("init", "-q")
    git("config", "user.email", "a@b.c")
    git("config", "user.name", "a")
    assert git_history(lock) == []
    for stamps in ({"x": Stamp(A, 1)}, {"x": Stamp(B, 2)}):
        lock.write_text(lock_text(stamps), encoding="utf-8")
        git("add", "ankigen.lock")
        git("commit", "-q", "-m", "build")
    lock.unlink()
    git("commit", "-q", "-am", "lost the lock")
    versions = git_history(lock)
    assert versions is not None
    assert sorted(v["x"].mod for v in versions) == [1, 2]
