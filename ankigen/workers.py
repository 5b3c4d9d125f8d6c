"""Work spread over every core in forked worker processes. A forked worker inherits
what this process has loaded (the recipes, files already parsed, results already
made) instead of loading it again."""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

MAX_WORKERS = 8
# The workers are one process per core: a BLAS that starts a thread per core in each of
# them (OpenBLAS spins while it waits) has them fight for the cores: a tenth of a clean
# build's time. numpy reads these when it loads; OpenBLAS prefers its own over OMP's.
BLAS_THREADS = (
    "OPENBLAS_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

Progress = Callable[[str, int, int], None]  # (what, done, total)
# A recipe's exception is reported where it is called; this is what else stops one.
ENDED_PROCESS = (
    "ended the process running it (os._exit, or a crash in native code): "
    "make the recipe return or raise instead"
)
State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")


def worker_count() -> int:
    return min(os.cpu_count() or 1, MAX_WORKERS)


def one_blas_thread_each() -> None:
    """Before numpy is imported (recipes import it): one BLAS thread per worker, unless
    the user has chosen a number of threads in any of the ways BLAS libraries read."""
    if worker_count() >= 2 and not any(name in os.environ for name in BLAS_THREADS):
        for name in BLAS_THREADS:
            os.environ[name] = "1"


def run_all(
    work: Callable[[State, Item], Result],
    state: State,
    items: Sequence[Item],
    *,
    progress: Progress | None = None,
    what: str = "",
    in_workers: bool = True,
    chunksize: int = 1,
) -> list[Result]:
    """`work(state, item)` for each item, in order, reported to `progress` as `what`:
    in forked workers, as many as there are cores and items, when `in_workers`, else
    here. `work` must be a module-level function; the workers inherit `state` when they
    fork, it is never pickled. Recipe code run in a worker cannot end ankigen: an item
    that ends its process (os._exit, a crash in native code) raises WorkerDied."""
    results: list[Result] = []

    def done(result: Result) -> None:
        results.append(result)
        if progress is not None:
            progress(what, len(results), len(items))

    if not (in_workers and items):
        for item in items:
            done(work(state, item))
        return results
    try:
        with _pool(min(worker_count(), len(items)), state) as pool:
            for result in pool.map(functools.partial(_in_worker, work), items, chunksize=chunksize):
                done(result)
    except BrokenProcessPool:
        for index in range(len(results), len(items)):
            done(_alone(work, state, items, index))
    return results


class WorkerDied(Exception):
    """`items[index]` ended the process that worked on it (reported with ENDED_PROCESS,
    after what did it)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"item {index} ended its worker process")
        self.index = index


def _alone(
    work: Callable[[State, Item], Result], state: State, items: Sequence[Item], index: int
) -> Result:
    """One item in a worker of its own, so that the item that ends its process is the
    one named, not one that was running beside it."""
    try:
        with _pool(1, state) as pool:
            return pool.submit(_in_worker, work, items[index]).result()
    except BrokenProcessPool:
        raise WorkerDied(index) from None


def _pool(workers: int, state: object) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_inherit, initargs=(state,))


_state: Any = None  # this worker's inherited state


def _inherit(state: object) -> None:
    global _state
    _state = state


def _in_worker(work: Callable[[Any, Item], Result], item: Item) -> Result:
    return work(_state, item)
