"""Packages and lock are written as one set: a failure anywhere leaves every old file."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from ankigen.errors import BuildError
from ankigen.output import write_all


def test_a_failed_rename_puts_back_the_files_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.apkg", tmp_path / "b.apkg"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    real_replace = os.replace
    calls: list[Any] = []

    def replace_then_fail(source: Any, target: Any) -> None:
        calls.append(target)
        if len(calls) == 2:  # the second package: the disk is full
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_then_fail)
    with pytest.raises(BuildError) as error:
        write_all({first: b"new a", second: b"new b"})
    monkeypatch.setattr(os, "replace", real_replace)
    assert "No space left on device" in str(error.value)
    assert (first.read_bytes(), second.read_bytes()) == (b"old a", b"old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.apkg", "b.apkg"]


def test_leftovers_of_an_interrupted_build_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".a.apkg.x1y2.ankigen-tmp").write_bytes(b"half")
    (tmp_path / ".a.apkg.abc.tmp").write_bytes(b"half, from ankigen 0.1")
    write_all({tmp_path / "a.apkg": b"whole"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.apkg"]
