"""One Markdown file -> its rendered notes; files are independent, so large
projects compile them in parallel worker processes."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from markdown_it import MarkdownIt

from ankigen.errors import Problem
from ankigen.markdown import make_parser
from ankigen.model import Note
from ankigen.parse import parse_file
from ankigen.recipes import REGISTRY
from ankigen.render import render_card
from ankigen.resolve import Resolver

# Below this much Markdown, starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FileResult:
    notes: tuple[Note, ...]
    problems: tuple[Problem, ...]


@cache
def _tools() -> tuple[MarkdownIt, Resolver]:
    """One parser and one resolver per process (the resolver caches recipe calls)."""
    return make_parser(), Resolver(REGISTRY)


def compile_file(root: Path, path: Path) -> FileResult:
    """Parse, resolve and render one file of the project in `root`; a file with
    problems yields no notes."""
    md, resolver = _tools()
    problems: list[Problem] = []
    cards = parse_file(md, path, problems)
    if problems:
        return FileResult((), tuple(problems))
    notes = tuple(render_card(md, card, resolver.resolve(card, root, problems)) for card in cards)
    return FileResult(notes if not problems else (), tuple(problems))


def compile_files(root: Path, paths: Sequence[Path]) -> list[FileResult]:
    """Results in the order of `paths`, whichever way they were computed.

    Workers are forked, so they inherit the recipes already loaded here.
    """
    workers = min(os.cpu_count() or 1, 8)
    size = sum(path.stat().st_size for path in paths)
    if workers < 2 or size < PARALLEL_MIN_BYTES:
        return [compile_file(root, path) for path in paths]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        chunk = max(1, len(paths) // (workers * 4))
        return list(pool.map(partial(compile_file, root), paths, chunksize=chunk))
