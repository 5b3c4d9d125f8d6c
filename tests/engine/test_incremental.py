"""The build cache is invisible: across a sequence of edits, a cached build, a build
with --no-cache and a build over a damaged cache write byte-identical packages and
lock, fail alike, and a cached card never hides an error. Builds run as the author
runs them, one process each, so an edited recipe is imported afresh."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXTURES, edit

RECIPES = """\
from matplotlib.figure import Figure

from ankigen import Step, WorkedExample, figure, num, worked_example


@figure("line")
def line(slope: float = 1.0) -> Figure:
    fig = Figure(figsize=(3, 2))
    fig.add_subplot().plot([0, 1], [0, slope], color="C0")
    return fig


@worked_example("double")
def double(x: float = 2.0) -> WorkedExample:
    return WorkedExample("double", (Step("twice", "2x", f"2 \\\\times {num(x)}", num(2 * x)),))
"""

CARDS = """\
---
deck: Cached::Figures
---

## A line {#a-line}

```figure line
slope = 2.0
```

## Twice three {#twice-three}

```example double
x = 3.0
```

## An image {#an-image}

![dot](img/_dot.png)
"""

PLAIN = """\
---
deck: Cached::Plain
---

## Question one {#one}

Answer one.

## Question two {#two .reversed}

Answer two.
"""


def make_project(root: Path) -> None:
    (root / "content" / "img").mkdir(parents=True)
    (root / "content" / "figures.md").write_text(CARDS, encoding="utf-8")
    (root / "content" / "plain.md").write_text(PLAIN, encoding="utf-8")
    shutil.copy(FIXTURES / "deck" / "content" / "img" / "_dot.png", root / "content" / "img")
    (root / "myrecipes").mkdir()
    (root / "myrecipes" / "__init__.py").write_text('"""Recipes."""\n', encoding="utf-8")
    (root / "myrecipes" / "drawing.py").write_text(RECIPES, encoding="utf-8")
    (root / "style.css").write_text(".card { color: #222; }\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.ankigen]\nrecipes = ["myrecipes"]\ncss = "style.css"\n', encoding="utf-8"
    )


@dataclass(frozen=True)
class Outcome:
    code: int
    err: str
    files: dict[str, bytes]  # packages and lock, by path in the project


def build(root: Path, cache_home: Path, epoch: int, *flags: str) -> Outcome:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-m", "ankigen", "build", *flags],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    outputs = [p for p in root.rglob("*") if p.suffix in (".apkg", ".lock") and p.is_file()]
    files = {str(p.relative_to(root)): p.read_bytes() for p in outputs}
    return Outcome(done.returncode, done.stderr, files)


def damage(root: Path, round_: int) -> None:
    """Breaks the cache a different way each round: truncated, random, swapped, deleted."""
    entries = sorted(p for p in (root / "build" / "cache").rglob("*") if p.is_file())
    contents = [entry.read_bytes() for entry in entries]  # before any is changed
    for index, entry in enumerate(entries):
        match (index + round_) % 4:
            case 0:
                entry.write_bytes(contents[index][:40])
            case 1:
                entry.write_bytes(os.urandom(200))
            case 2:
                entry.write_bytes(contents[(index + 1) % len(entries)])
            case _:
                entry.unlink()


def move(root: Path) -> None:
    (root / "content" / "part").mkdir()
    (root / "content" / "plain.md").rename(root / "content" / "part" / "plain.md")


def image(root: Path, source: Path) -> None:
    shutil.copy(source, root / "content" / "img" / "_dot.png")


Edit = Callable[[Path], None]
STEPS: list[tuple[str, Edit, str | None]] = [
    ("first build", lambda root: None, None),
    ("nothing changed", lambda root: None, None),
    ("a card edited", lambda r: edit(r / "content" / "plain.md", "Answer one.", "Answer 1."), None),
    (
        "recipe code edited",
        lambda r: edit(r / "myrecipes" / "drawing.py", 'color="C0"', 'color="C3"'),
        None,
    ),
    (
        "recipe parameters edited",
        lambda r: edit(r / "content" / "figures.md", "x = 3.0", "x = 4.5"),
        None,
    ),
    ("CSS edited", lambda r: edit(r / "style.css", "#222", "#333"), None),
    (
        "config edited",
        lambda r: edit(r / "pyproject.toml", '"style.css"', '"style.css"\noutput = "out"'),
        None,
    ),
    ("a file moved", move, None),
    (
        "an image changed",
        lambda r: image(r, r / "myrecipes" / "__init__.py"),
        "content/figures.md:19: image 'img/_dot.png': not an image",
    ),
    (
        "the image put back",
        lambda r: image(r, FIXTURES / "deck" / "content" / "img" / "_dot.png"),
        None,
    ),
    (
        "recipe broken",
        lambda r: edit(r / "myrecipes" / "drawing.py", "fig = Figure(", "fig = 1 / 0 or Figure("),
        "content/figures.md:7: figure 'line' failed: ZeroDivisionError",
    ),
    (
        "recipe fixed",
        lambda r: edit(r / "myrecipes" / "drawing.py", "fig = 1 / 0 or Figure(", "fig = Figure("),
        None,
    ),
    (
        "a card broken",
        lambda r: edit(r / "content" / "part" / "plain.md", "{#one}", "{#One}"),
        "content/part/plain.md:5: card id 'One' is invalid",
    ),
]


def test_cached_uncached_and_damaged_cache_builds_are_byte_identical(tmp_path: Path) -> None:
    roots = {name: tmp_path / name for name in ("cached", "uncached", "damaged")}
    for root in roots.values():
        make_project(root)
    cache_home = tmp_path / "cache-home"
    previous: dict[str, bytes] = {}
    for number, (name, change, refusal) in enumerate(STEPS):
        epoch = 1_800_000_000 + 1000 * number
        for root in roots.values():
            change(root)
        if number:
            damage(roots["damaged"], number)
        cached = build(roots["cached"], cache_home, epoch)
        uncached = build(roots["uncached"], cache_home, epoch, "--no-cache")
        damaged = build(roots["damaged"], cache_home, epoch)
        assert cached == uncached == damaged, name
        if refusal is None:
            assert cached.code == 0, (name, cached.err)
            previous = cached.files
        else:
            assert cached.code == 1 and refusal in cached.err, (name, cached.err)
            assert cached.files == previous, f"{name}: a refused build wrote files"
    assert not (roots["uncached"] / "build" / "cache").exists()


def test_an_unchanged_build_rewrites_nothing_and_says_so(tmp_path: Path) -> None:
    root = tmp_path / "p"
    make_project(root)
    first = build(root, tmp_path / "cache-home", 1_800_000_000)
    assert first.code == 0, first.err
    outputs = [root / "dist" / "Cached.apkg", root / "ankigen.lock"]
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in outputs]
    cache_home = str(tmp_path / "cache-home")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1800009999", "XDG_CACHE_HOME": cache_home}
    again = subprocess.run(
        [sys.executable, "-m", "ankigen", "build"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "unchanged dist/Cached.apkg: 5 notes (6 cards), 2 media files" in again.stdout
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in outputs] == before


def test_a_cached_check_runs_no_recipe_code(tmp_path: Path) -> None:
    """`check` with nothing changed takes every card and call from the cache."""
    root = tmp_path / "p"
    make_project(root)
    marker = root / "imported.txt"
    (root / "myrecipes" / "drawing.py").write_text(
        f"open({str(marker)!r}, 'a').write('x')\n" + RECIPES, encoding="utf-8"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache-home")}

    def check() -> None:
        command = [sys.executable, "-m", "ankigen", "check"]
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)

    for _ in range(3):
        check()
    assert marker.read_text() == "x"
    edit(root / "content" / "plain.md", "Answer one.", "Answer 1.")
    check()
    assert marker.read_text() == "x", "a card edit in a file without recipes imported them"


@pytest.mark.parametrize("flag", [[], ["--no-cache"]])
def test_duplicate_ids_across_cached_files_are_still_refused(
    tmp_path: Path, flag: list[str]
) -> None:
    root = tmp_path / "p"
    make_project(root)
    assert build(root, tmp_path / "cache-home", 1_800_000_000).code == 0
    (root / "content" / "copy.md").write_text(PLAIN.replace("Plain", "Other"), encoding="utf-8")
    edit(root / "content" / "copy.md", "deck: Cached::Other", "deck: Cached::Other")
    refused = build(root, tmp_path / "cache-home", 1_800_000_100, *flag)
    assert refused.code == 1 and "duplicate card id 'one'" in refused.err
