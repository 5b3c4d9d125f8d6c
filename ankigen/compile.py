"""The project's Markdown files -> their rendered notes. Files are independent: a file
whose notes are in the build cache is not parsed again, large projects compile in
parallel worker processes, and recipe calls (figures, mostly) are made in parallel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ankigen.cache import BuildCache
from ankigen.errors import BuildError, Problem
from ankigen.incremental import Dependencies, SourceFile, Sources, StoredCalls, StoredFiles
from ankigen.markdown import make_parser
from ankigen.model import Directive, Media, Note, NoteRow, SourceCard
from ankigen.package import note_row
from ankigen.parse import parse_bytes
from ankigen.recipes import Registry
from ankigen.render import render_card
from ankigen.resolve import Resolver
from ankigen.workers import ENDED_PROCESS, Progress, WorkerDied, run_all, worker_count

# Below this much Markdown, starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class FileResult:
    notes: tuple[Note, ...]
    rows: tuple[NoteRow, ...]  # each note's, in order
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class _Compiled:
    result: FileResult
    sources: Sources  # what the notes were made from, for the cache


class Compiler:
    """One parser and one resolver (each distinct recipe call made once) for the files
    of a project."""

    def __init__(
        self,
        root: Path,
        registry: Callable[[], Registry],
        stored_calls: StoredCalls | None,
        stored_files: StoredFiles,
    ) -> None:
        self.root = root
        self.md = make_parser()
        self.resolver = Resolver(registry, stored_calls)
        self.stored_files = stored_files
        self._parsed: dict[Path, tuple[list[SourceCard], list[Problem]]] = {}

    def parse(self, path: Path, data: bytes) -> tuple[list[SourceCard], list[Problem]]:
        """The file's cards, kept for `compile` (parsed once, even in a forked worker)."""
        if path not in self._parsed:
            problems: list[Problem] = []
            self._parsed[path] = parse_bytes(self.md, path, data, problems), problems
        return self._parsed[path]

    def compile(self, file: SourceFile) -> _Compiled:
        """Resolve and render the file's cards, and keep them in the build cache (here:
        in parallel when this is a worker); a file with problems yields no notes."""
        cards, problems = self.parse(file.path, file.data or b"")
        del self._parsed[file.path]
        if problems:
            return _failed(problems)
        self.resolver.images_read = {}
        notes = tuple(
            render_card(self.md, card, self.resolver.resolve(card, self.root, problems))
            for card in cards
        )
        if problems:  # every card is resolved, so that every problem is reported
            return _failed(problems)
        rows = tuple(note_row(note) for note in notes)
        calls_recipes = any(card.directives for card in cards)
        sources = Sources(self.resolver.images_read, calls_recipes)
        self.stored_files.put(file, notes, rows, sources)
        return _Compiled(FileResult(notes, rows, ()), sources)


def _failed(problems: list[Problem]) -> _Compiled:
    return _Compiled(FileResult((), (), tuple(problems)), Sources())


@dataclass(frozen=True, slots=True)
class Compiled:
    """Every file's notes, rows and problems, in the order of the files."""

    notes: list[Note]
    rows: list[NoteRow]  # each note's, in the order of `notes`
    problems: list[Problem]
    sources: Sources  # every image and recipe the notes came from


def compile_files(
    dependencies: Dependencies,
    files: Sequence[SourceFile],
    cache: BuildCache,
    registry: Callable[[], Registry],
    progress: Progress | None = None,
) -> Compiled:
    """Every file's notes, from the cache where it is current; `dependencies` are the
    build's (each digest is worked out once per build)."""
    stored_files = StoredFiles(cache, dependencies)
    stored_calls = StoredCalls(cache, dependencies) if cache.enabled else None
    results: dict[Path, FileResult] = {}
    sources = Sources()
    todo: list[SourceFile] = []
    for file in files:
        if file.data is None:
            results[file.path] = FileResult((), (), file.problems)
            continue
        stored = stored_files.get(file)
        if stored is None:
            todo.append(file)
        else:
            notes, rows, file_sources = stored
            results[file.path] = FileResult(notes, rows, ())
            sources |= file_sources
    compiler = Compiler(dependencies.config.root, registry, stored_calls, stored_files)
    for file, done in zip(todo, _compile(compiler, registry, todo, progress), strict=True):
        results[file.path] = done.result
        sources |= done.sources
    ordered = [results[file.path] for file in files]
    return Compiled(
        [note for result in ordered for note in result.notes],
        [row for result in ordered for row in result.rows],
        [problem for result in ordered for problem in result.problems],
        sources,
    )


def _compile(
    compiler: Compiler,
    registry: Callable[[], Registry],
    files: list[SourceFile],
    progress: Progress | None,
) -> list[_Compiled]:
    """Recipe calls first, on every core (drawing figures dominates a clean build), then
    the files: in forked workers when there is enough Markdown to pay for them (they
    inherit the calls just made and the files parsed to find them), else here."""
    # A directive's fence names its kind, so a file without these words calls no recipe.
    calling = [f for f in files if f.data and (b"figure" in f.data or b"example" in f.data)]
    parsed = [compiler.parse(file.path, file.data or b"") for file in calling]
    cards = [card for found, problems in parsed if not problems for card in found]
    _make_calls(compiler, registry, cards, progress)
    # Workers pay for themselves with enough Markdown; they get the recipes loaded here.
    size = sum(len(file.data or b"") for file in files)
    parallel = worker_count() >= 2 and size >= PARALLEL_MIN_BYTES
    if parallel:
        registry()
    try:
        return run_all(
            _compile_one,
            compiler,
            files,
            progress=progress,
            what="files",
            in_workers=parallel,
            chunksize=max(1, len(files) // (worker_count() * 4)),
        )
    except WorkerDied as died:
        message = f"compiling this file {ENDED_PROCESS}"
        raise BuildError([Problem(files[died.index].path, 1, message)]) from None


def _make_calls(
    compiler: Compiler,
    registry: Callable[[], Registry],
    cards: list[SourceCard],
    progress: Progress | None,
) -> None:
    """The cards' figures and worked examples not in the cache, on every core: drawing
    dominates a clean build. A call that fails is left for the resolver, which reports
    it; one that ends its process is reported here, at its directive."""
    calls = compiler.resolver.missing(d for card in cards for d in card.directives)
    if not calls:
        return
    registry()
    try:
        made = run_all(_make_call, compiler, calls, progress=progress, what="figures and examples")
    except WorkerDied as died:
        call = calls[died.index]
        path = next(card.path for card in cards if call in card.directives)
        message = f"{call.kind} '{call.name}' {ENDED_PROCESS}"
        raise BuildError([Problem(path, call.line, message)]) from None
    for directive, result in zip(calls, made, strict=True):
        if result is not None:
            compiler.resolver.remember(directive, result)


def _compile_one(compiler: Compiler, file: SourceFile) -> _Compiled:
    return compiler.compile(file)


def _make_call(compiler: Compiler, directive: Directive) -> tuple[str, Media | None] | None:
    return compiler.resolver.made(directive)
