"""`make bench`: builds a generated corpus of 10,000 cards through the command line,
end to end (interpreter start included), and prints cards per second and peak memory."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CARDS = 10_000
FILES = 100
TARGET_SECONDS = 3.0


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


def write_corpus(root: Path) -> None:
    content = root / "content"
    content.mkdir()
    per_file = CARDS // FILES
    for number in range(FILES):
        cards = "\n".join(card(number * per_file + i) for i in range(per_file))
        header = f"---\ndeck: Bench::Part {number:03d}\ntags: [bench]\n---\n\n# 分组\n\n"
        (content / f"part-{number:03d}.md").write_text(header + cards, encoding="utf-8")


def timed_build(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ankigen", "build"], cwd=root, check=True)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_corpus(root)
        first = timed_build(root)
        again = timed_build(root)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size_mb = sum(p.stat().st_size for p in (root / "dist").glob("*.apkg")) / 1e6
    print(f"cards:            {CARDS}")
    print(f"first build:      {first:.2f} s  ({CARDS / first:,.0f} cards/s)")
    print(f"unchanged build:  {again:.2f} s  ({CARDS / again:,.0f} cards/s)")
    print(f"peak memory:      {peak_mb:.0f} MB (largest single process)")
    print(f"package size:     {size_mb:.1f} MB")
    verdict = "within" if max(first, again) < TARGET_SECONDS else "OVER"
    print(f"target {TARGET_SECONDS:.0f} s end to end: {verdict}")


if __name__ == "__main__":
    main()
