"""One Markdown file -> its rendered notes; files are independent, so large
projects compile them in parallel worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import Problem
from ankigen.markdown import make_parser
from ankigen.model import Note
from ankigen.parse import parse_file
from ankigen.recipes import Registry
from ankigen.render import render_card
from ankigen.resolve import Resolver

# Below this much Markdown, starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FileResult:
    notes: tuple[Note, ...]
    problems: tuple[Problem, ...]


class Compiler:
    """One parser and one resolver (which renders each distinct recipe call once) for
    every file of a project."""

    def __init__(self, root: Path, registry: Registry) -> None:
        self.root = root
        self.md = make_parser()
        self.resolver = Resolver(registry)

    def compile(self, path: Path) -> FileResult:
        """Parse, resolve and render one file; a file with problems yields no notes."""
        problems: list[Problem] = []
        cards = parse_file(self.md, path, problems)
        if problems:
            return FileResult((), tuple(problems))
        notes = tuple(
            render_card(self.md, card, self.resolver.resolve(card, self.root, problems))
            for card in cards
        )
        return FileResult(notes if not problems else (), tuple(problems))


_worker: Compiler | None = None  # this worker process's compiler


def _start_worker(compiler: Compiler) -> None:
    global _worker
    _worker = compiler


def _compile_in_worker(path: Path) -> FileResult:
    assert _worker is not None
    return _worker.compile(path)


def compile_files(root: Path, registry: Registry, paths: Sequence[Path]) -> list[FileResult]:
    """Results in the order of `paths`, whichever way they were computed.

    Workers are forked, so they inherit the compiler and the recipes already loaded here.
    """
    compiler = Compiler(root, registry)
    workers = min(os.cpu_count() or 1, 8)
    size = sum(path.stat().st_size for path in paths)
    if workers < 2 or size < PARALLEL_MIN_BYTES:
        return [compiler.compile(path) for path in paths]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(compiler,)
    ) as pool:
        chunk = max(1, len(paths) // (workers * 4))
        return list(pool.map(_compile_in_worker, paths, chunksize=chunk))
