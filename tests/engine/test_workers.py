"""Forked workers inherit what the build has loaded, and return results in order."""

from __future__ import annotations

import os

import pytest

from ankigen import workers
from ankigen.workers import BLAS_THREADS, forked_map, one_blas_thread_each


def _scaled(state: tuple[object, int], item: int) -> tuple[int, int]:
    check, factor = state
    assert callable(check)
    return item * factor, os.getpid()


def test_state_is_inherited_not_pickled_and_results_keep_their_order() -> None:
    state = (lambda: None, 3)  # a lambda cannot be pickled: only a fork can pass it on
    results = list(forked_map(_scaled, state, list(range(20))))
    assert [value for value, _ in results] == [3 * item for item in range(20)]
    assert all(pid != os.getpid() for _, pid in results)


def test_one_blas_thread_per_worker_unless_the_user_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "worker_count", lambda: 2)
    for name in BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    one_blas_thread_each()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "4"
