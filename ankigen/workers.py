"""Work spread over every core in forked worker processes. A forked worker inherits
what this process has loaded (the recipes, files already parsed, results already
made) instead of loading it again."""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

MAX_WORKERS = 8
# The workers are one process per core: a BLAS that starts a thread per core in each of
# them (OpenBLAS spins while it waits) has them fight for the cores, a sixth of a clean
# build's time. numpy reads these when it loads.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def one_blas_thread_each() -> None:
    """Before numpy is imported (recipes import it): one BLAS thread per worker, unless
    the user has set otherwise."""
    if worker_count() >= 2:
        for name in BLAS_THREADS:
            os.environ.setdefault(name, "1")


def forked_map(
    work: Callable[[State, Item], Result],
    state: State,
    items: Sequence[Item],
    chunksize: int = 1,
) -> Iterator[Result]:
    """`work(state, item)` for each item, in order, on every core: `work` must be a
    module-level function, `state` is inherited by the forked workers, never copied."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        worker_count(), mp_context=context, initializer=_inherit, initargs=(state,)
    ) as pool:
        yield from pool.map(functools.partial(_in_worker, work), items, chunksize=chunksize)


_state: Any = None  # this worker's inherited state


def _inherit(state: object) -> None:
    global _state
    _state = state


def _in_worker(work: Callable[[Any, Any], Any], item: object) -> Any:
    return work(_state, item)
