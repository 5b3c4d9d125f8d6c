"""Forked workers inherit what the build has loaded, and return results in order."""

from __future__ import annotations

import os

import pytest

from ankigen import workers as workers_module
from ankigen.workers import BLAS_THREADS, WorkerDied, one_blas_thread_each, run_all


def _scaled(state: tuple[object, int], item: int) -> tuple[int, int]:
    check, factor = state
    assert callable(check)
    return item * factor, os.getpid()


def test_state_is_inherited_not_pickled_and_results_keep_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(workers_module, "worker_count", lambda: 2)
    state = (lambda: None, 3)  # a lambda cannot be pickled: only a fork can pass it on
    seen: list[tuple[str, int, int]] = []
    results = run_all(
        _scaled, state, list(range(20)), progress=lambda *a: seen.append(a), what="items"
    )
    assert [value for value, _ in results] == [3 * item for item in range(20)]
    assert all(pid != os.getpid() for _, pid in results)
    assert seen == [("items", done, 20) for done in range(1, 21)]


def test_work_kept_here_is_done_here() -> None:
    results = run_all(_scaled, (print, 2), list(range(5)), in_workers=False)
    assert results == [(2 * item, os.getpid()) for item in range(5)]


def _ends_its_process(state: None, item: int) -> int:
    if item == 3:
        os._exit(1)  # what a recipe's native crash looks like from here
    return item


@pytest.mark.parametrize("workers", [1, 2])
def test_an_item_that_ends_its_worker_is_named(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers_module, "worker_count", lambda: workers)
    with pytest.raises(WorkerDied) as died:
        run_all(_ends_its_process, None, list(range(6)))
    assert died.value.index == 3


@pytest.mark.parametrize("chosen", [None, "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"])
def test_one_blas_thread_per_worker_unless_the_user_chose(
    chosen: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers_module, "worker_count", lambda: 2)
    for name in BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    if chosen is not None:
        monkeypatch.setenv(chosen, "4")
    one_blas_thread_each()
    expected = {name: "1" for name in BLAS_THREADS} if chosen is None else {chosen: "4"}
    assert {name: os.environ[name] for name in BLAS_THREADS if name in os.environ} == expected
