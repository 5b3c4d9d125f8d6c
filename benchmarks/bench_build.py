"""`make bench`: the author's loop timed end to end through the command line (interpreter
start included), on the deck itself and on generated projects of 10,000 and 50,000
cards, each case the median of several runs, beside its target."""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DECK_PARTS = ("content", "figures", "worked_examples", "dlmath", "pyproject.toml", "ankigen.lock")
FILES = 100
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


def deck_project(root: Path) -> Path:
    """A copy of this repository's deck, so the benchmark never writes into it."""
    for part in DECK_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / part)
    return min((root / "content").glob("*.md"))


def ankigen(root: Path, command: str = "build") -> Run:
    """One run in a fresh interpreter; peak memory is that of its largest process."""
    probe = (
        "import resource, subprocess, sys, time; start = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(time.perf_counter() - start, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "ankigen", command],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return Run(float(out[0]), float(out[1]))


def median_of(runs: int, prepare: Callable[[], None], measure: Callable[[], Run]) -> Run:
    results = []
    for _ in range(runs):
        prepare()
        results.append(measure())
    return Run(statistics.median(r.seconds for r in results), max(r.peak_mb for r in results))


def clean(root: Path) -> Callable[[], None]:
    def remove() -> None:
        shutil.rmtree(root / "build", ignore_errors=True)
        shutil.rmtree(root / "dist", ignore_errors=True)

    return remove


def one_card_edit(path: Path) -> Callable[[], None]:
    """Edits one card's answer, a different text each time (never back to a cached one)."""
    counter = iter(range(10**6))

    def edit() -> None:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
        answer = next(i for i in range(heading + 1, len(lines)) if lines[i].strip())
        lines[answer] = lines[answer].rstrip("\n") + f" {next(counter)}\n"
        path.write_text("".join(lines), encoding="utf-8")

    return edit


def nothing() -> None:
    pass


def measure(root: Path, edited: Path, name: str) -> dict[str, Run]:
    def build() -> Run:
        return ankigen(root)

    def check() -> Run:
        return ankigen(root, "check")

    return {
        f"{name}: clean build, empty cache": median_of(CLEAN_RUNS, clean(root), build),
        f"{name}: no-op build": median_of(RUNS, nothing, build),
        f"{name}: `check`, nothing changed": median_of(RUNS, nothing, check),
        f"{name}: one card's answer edited": median_of(RUNS, one_card_edit(edited), build),
    }


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
    results: dict[str, Run] = {}
    with tempfile.TemporaryDirectory() as folder:
        deck = Path(folder) / "deck"
        results |= measure(deck, deck_project(deck), "deck")
        for cards in (10_000, 50_000):
            root = Path(folder) / str(cards)
            label = f"{cards:,} cards"
            results |= measure(root, generated_project(root, cards), label)
    print(f"{'case':<42} {'median':>8} {'target':>8} {'peak':>8} {'target':>8}")
    verdicts = []
    for row in TARGETS:
        run = results[row.case]
        within = run.seconds <= row.target_seconds and (
            row.target_mb is None or run.peak_mb <= row.target_mb
        )
        verdicts.append(within)
        mb_target = f"{row.target_mb:.0f} MB" if row.target_mb else ""
        print(
            f"{row.case:<42} {run.seconds:>6.2f} s {row.target_seconds:>6.2f} s "
            f"{run.peak_mb:>5.0f} MB {mb_target:>8}  {'ok' if within else 'OVER'}"
        )
    print(f"medians of {RUNS} runs ({CLEAN_RUNS} for clean builds); peak: largest process")
    print(json.dumps({"within_targets": sum(verdicts), "rows": len(verdicts)}))


if __name__ == "__main__":
    main()
