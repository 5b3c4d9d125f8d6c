"""The build cache only ever saves time: an entry it cannot trust is not there."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import ankigen.cache
from ankigen.cache import BuildCache, digest_of


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The signing key lives in this test's own cache home."""
    home = tmp_path / "home-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def project_cache(root: Path) -> BuildCache:
    root.mkdir(exist_ok=True)
    return BuildCache.for_project(root, root / "build" / "cache")


def only_entry(root: Path) -> Path:
    (entry,) = (root / "build" / "cache" / "call").iterdir()
    return entry


def test_a_stored_value_comes_back_under_its_key_only(tmp_path: Path) -> None:
    cache = project_cache(tmp_path / "p")
    key = digest_of("a call")
    cache.put("call", key, {"html": "<p>x</p>", "n": [1, 2]})
    assert cache.get("call", key) == {"html": "<p>x</p>", "n": [1, 2]}
    assert cache.get("call", digest_of("another call")) is None
    assert cache.get("file", key) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"",
        lambda data: os.urandom(len(data)),
        lambda data: data.replace(b"<p>x</p>", b"<script>alert(1)</script>"),
        lambda data: data.replace(b"\n", b"", 1),
    ],
    ids=["truncated", "empty", "random bytes", "payload edited", "no signature line"],
)
def test_a_damaged_or_tampered_entry_is_not_there(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = project_cache(tmp_path / "p")
    key = digest_of("a call")
    cache.put("call", key, {"html": "<p>x</p>"})
    entry = only_entry(tmp_path / "p")
    entry.write_bytes(damage(entry.read_bytes()))
    assert cache.get("call", key) is None
    cache.put("call", key, {"html": "<p>again</p>"})  # and it is written anew
    assert cache.get("call", key) == {"html": "<p>again</p>"}


def test_an_entry_moved_to_another_key_is_not_there(tmp_path: Path) -> None:
    cache = project_cache(tmp_path / "p")
    cache.put("call", digest_of("harmless"), {"html": "<p>x</p>"})
    entry = only_entry(tmp_path / "p")
    entry.rename(entry.with_name(digest_of("another")))
    assert cache.get("call", digest_of("another")) is None


def test_a_cache_committed_by_someone_else_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries signed with another user's key (a pull request's build/cache) never verify."""
    theirs = project_cache(tmp_path / "p")
    key = digest_of("a call")
    theirs.put("call", key, {"html": "<script>alert(1)</script>"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "my-cache-home"))
    assert project_cache(tmp_path / "p").get("call", key) is None


def test_an_entry_of_another_engine_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = project_cache(tmp_path / "p")
    key = digest_of("a call")
    cache.put("call", key, {"html": "<p>x</p>"})
    monkeypatch.setattr(ankigen.cache, "engine_digest", lambda: "another ankigen")
    assert cache.get("call", key) is None


def test_a_cache_folder_leading_outside_the_project_is_never_used(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "p"
    (root / "build").mkdir(parents=True)
    (root / "build" / "cache").symlink_to(outside)
    cache = BuildCache.for_project(root, root / "build" / "cache")
    cache.put("call", digest_of("a"), {"html": "x"})
    assert not cache.enabled and list(outside.iterdir()) == []


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    cache = BuildCache.for_project(root, root / "build" / "cache", enabled=False)
    cache.put("call", digest_of("a"), {"html": "x"})
    assert cache.get("call", digest_of("a")) is None and not (root / "build").exists()


def test_an_unwritable_cache_is_no_cache(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "build").mkdir(parents=True)
    (root / "build" / "cache").write_text("a file where the folder would be")
    cache = BuildCache.for_project(root, root / "build" / "cache")
    cache.put("call", digest_of("a"), {"html": "x"})
    assert cache.get("call", digest_of("a")) is None
