"""`make bench`: the author's loop timed end to end through the command line (interpreter
start included), on the deck itself and on generated projects of 10,000 and 50,000
cards, each case the median of several runs, beside its target.

`make bench AGAINST=<git revision>` also times that revision's engine (on its own deck,
and on the same generated projects), each of its runs right after one of ours: this
machine's speed drifts by a fifth from minute to minute, so only interleaved runs
compare two versions."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DECK_PARTS = ("content", "figures", "worked_examples", "dlmath", "pyproject.toml", "ankigen.lock")
FILES = 100
SIZES = (10_000, 50_000)  # cards in the generated projects
RUNS = 5
CLEAN_RUNS = 3  # a clean build of 50,000 cards takes seconds


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float


@dataclass(frozen=True)
class Row:
    case: str
    target_seconds: float
    target_mb: float | None = None


@dataclass(frozen=True)
class Engine:
    """An ankigen to time: this checkout's, or another revision's (`python_path` then
    puts its package first)."""

    name: str
    source: Path  # the tree whose deck is timed
    python_path: str | None = None


def card(index: int) -> str:
    """A mix like the real deck: formulas, lists, code, clozes and reversed pairs."""
    kind = index % 5
    if kind == 0:
        return (
            f"## 第 {index} 题：$\\sigma(x_{{{index}}}) = \\frac{{1}}{{1+e^{{-x}}}}$ 的导数？"
            f" {{#card-{index}}}\n\n"
            f"$\\sigma'(x) = \\sigma(x)(1-\\sigma(x))$，最大值 $\\frac14$。\n\n"
            f"---\n\n补充说明 **{index}**。\n\nSource: benchmark §{index}\n"
        )
    if kind == 1:
        return f"## 列表题 {index} {{#card-{index}}}\n\n- 第一点 *a*\n- 第二点 `code`\n- 第三点\n"
    if kind == 2:
        return (
            f"## 代码题 {index} {{#card-{index}}}\n\n```python\n"
            f"def f(x: int) -> int:\n    return x * {index}\n```\n"
        )
    if kind == 3:
        return f"## 填空 {index} {{#card-{index}}}\n\nReLU(x) = {{{{c1::$\\max(0, x)$}}}}。\n"
    return f"## 术语 {index} {{#card-{index} .reversed}}\n\nterm {index}\n"


def generated_project(root: Path, cards: int) -> Path:
    content = root / "content"
    content.mkdir(parents=True)
    per_file = cards // FILES
    for number in range(FILES):
        body = "\n".join(card(number * per_file + i) for i in range(per_file))
        header = f"---\ndeck: Bench::Part {number:03d}\ntags: [bench]\n---\n\n# 分组\n\n"
        (content / f"part-{number:03d}.md").write_text(header + body, encoding="utf-8")
    return content / "part-000.md"


def deck_project(root: Path, source: Path) -> Path:
    """A copy of a tree's deck, so the benchmark never writes into it."""
    for part in DECK_PARTS:
        found = source / part
        if found.is_dir():
            shutil.copytree(found, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif found.exists():
            shutil.copy(found, root / part)
    return min((root / "content").glob("*.md"))


def ankigen(engine: Engine, root: Path, command: str = "build") -> Run:
    """One run in a fresh interpreter; peak memory is that of its largest process."""
    probe = (
        "import resource, subprocess, sys, time; start = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - start, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    env = dict(os.environ)
    if engine.python_path is not None:
        env["PYTHONPATH"] = engine.python_path
    out = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "ankigen", command],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return Run(float(out[0]), float(out[1]))


def clean(root: Path) -> Callable[[], None]:
    def remove() -> None:
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(root / "dist", ignore_errors=True)

    return remove


def one_card_edit(path: Path) -> Callable[[], None]:
    """Edits the second card's answer (text, not a formula), a different text each
    time (never back to a cached one)."""
    counter = iter(range(10**6))

    def edit() -> None:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        heading = [i for i, line in enumerate(lines) if line.startswith("## ")][1]
        answer = next(i for i in range(heading + 1, len(lines)) if lines[i].strip())
        lines[answer] = lines[answer].rstrip("\n") + f" {next(counter)}\n"
        path.write_text("".join(lines), encoding="utf-8")

    return edit


def nothing() -> None:
    pass


# (case, runs, prepare, command) for a project whose first file is `edited`
Case = tuple[str, int, Callable[[], None], str]


def cases(root: Path, edited: Path, name: str) -> list[Case]:
    return [
        (f"{name}: clean build, empty cache", CLEAN_RUNS, clean(root), "build"),
        (f"{name}: no-op build", RUNS, nothing, "build"),
        (f"{name}: `check`, nothing changed", RUNS, nothing, "check"),
        (f"{name}: one card's answer edited", RUNS, one_card_edit(edited), "build"),
    ]


def measure(folder: Path, engines: list[Engine]) -> dict[str, list[Run]]:
    """Every case's median run for each engine, in order; the engines' runs alternate."""
    projects: list[list[list[Case]]] = [[] for _ in engines]
    roots = []
    for index, engine in enumerate(engines):
        deck = folder / f"{engine.name}-deck"
        projects[index].append(cases(deck, deck_project(deck, engine.source), "deck"))
        roots.append([deck])
        for cards in SIZES:
            root = folder / f"{engine.name}-{cards}"
            edited = generated_project(root, cards)
            projects[index].append(cases(root, edited, f"{cards:,} cards"))
            roots[index].append(root)
    results: dict[str, list[Run]] = {}
    for project in range(len(roots[0])):
        for case in range(len(projects[0][project])):
            runs: list[list[Run]] = [[] for _ in engines]
            name, count, _, command = projects[0][project][case]
            for _ in range(count):
                for index, engine in enumerate(engines):
                    prepare = projects[index][project][case][2]
                    prepare()
                    runs[index].append(ankigen(engine, roots[index][project], command))
            results[name] = [_median(engine_runs) for engine_runs in runs]
    return results


def _median(runs: list[Run]) -> Run:
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs))


def baseline(folder: Path, revision: str) -> Engine:
    """That revision's tree, extracted, and a path that puts its ankigen package first."""
    archive = subprocess.run(
        ["git", "archive", revision], cwd=REPO, check=True, capture_output=True
    ).stdout
    source = folder / "baseline-tree"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}  # 3.11.4+
        tar.extractall(source, **safe)  # type: ignore[arg-type]
    packages = folder / "baseline-path"
    packages.mkdir()
    (packages / "ankigen").symlink_to(source / "ankigen")
    return Engine(revision, source, str(packages))


TARGETS = [
    Row("deck: no-op build", 0.5),
    Row("deck: `check`, nothing changed", 0.5),
    Row("deck: one card's answer edited", 0.8),
    Row("deck: clean build, empty cache", 3.0),
    Row("10,000 cards: clean build, empty cache", 0.7),
    Row("10,000 cards: no-op build", 0.3),
    Row("10,000 cards: `check`, nothing changed", 0.3),
    Row("10,000 cards: one card's answer edited", 0.4),
    Row("50,000 cards: clean build, empty cache", 3.5, 300),
    Row("50,000 cards: no-op build", 1.5),
    Row("50,000 cards: `check`, nothing changed", 1.5),
    Row("50,000 cards: one card's answer edited", 2.0),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REVISION", help="also time this git revision")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        engines = [Engine("this", REPO)]
        if args.against:
            engines.append(baseline(folder, args.against))
        results = measure(folder, engines)
    against = f" {args.against[:10]:>10}  ratio" if args.against else ""
    print(f"{'case':<42} {'median':>8} {'target':>8} {'peak':>8} {'target':>8}      {against}")
    verdicts = []
    for row in TARGETS:
        run = results[row.case][0]
        within = run.seconds <= row.target_seconds and (
            row.target_mb is None or run.peak_mb <= row.target_mb
        )
        verdicts.append(within)
        mb_target = f"{row.target_mb:.0f} MB" if row.target_mb else ""
        verdict = "ok" if within else "OVER"
        other = ""
        if args.against:
            theirs = results[row.case][1].seconds
            other = f" {theirs:>8.2f} s  {theirs / run.seconds:>4.1f}x"
        print(
            f"{row.case:<42} {run.seconds:>6.2f} s {row.target_seconds:>6.2f} s "
            f"{run.peak_mb:>5.0f} MB {mb_target:>8}  {verdict:<4}{other}"
        )
    print(f"medians of {RUNS} runs ({CLEAN_RUNS} for clean builds); peak: largest process")
    if args.against:
        print(f"ratio: {args.against}'s median over this checkout's, runs interleaved")
    print(json.dumps({"within_targets": sum(verdicts), "rows": len(verdicts)}))


if __name__ == "__main__":
    main()
