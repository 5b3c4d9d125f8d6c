"""Bad input, one row per case, through the real command line.

Each case starts from the fixture project after a good build, breaks one thing, and
runs `python -m ankigen build` in a subprocess. The build must stop with exit status
1, no traceback, a line `path:line: message` naming the author's file (relative to
the project), nothing claimed written on stdout, and `dist/` and the lock exactly as
they were just before that build: no byte changed, no file added (hidden temporary
files included). A secret file with random bytes lies outside the project in every
case; the cases that try to leak it are refused, and its bytes appear nowhere in
`dist/` (inside the packages either) nor in the messages.

A second test builds hostile Markdown that is accepted, imports it with the official
Anki, and checks that no card renders anything live.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, REPO, import_package

# (project root, folder outside the project holding the secret files) -> None
Setup = Callable[[Path, Path], None]

CARDS = "content/cards.md"
FRONT = "---\ndeck: Fixture::Bad\n---\n\n"  # the first card heading is on line 5
Q = "## Q {#q}\n\n"  # a card heading on line 5, its answer from line 7
OUTSIDE = "@OUTSIDE@"  # replaced by the absolute path of the outside folder
PNG = b"\x89PNG\r\n\x1a\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">{}</svg>\n'
RECIPE_FOLDERS = (REPO / "figures", REPO / "worked_examples", FIXTURES / "fixture_recipes")


@dataclass(frozen=True, slots=True)
class Bad:
    """One bad change, and where and how the build must report it."""

    name: str
    setup: Setup
    where: str  # "path:line", or "path" where no line makes sense
    message: str  # a fragment of the reported line


# ---- setups ---------------------------------------------------------------------------


def _write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def card(body: str, front: str = FRONT, path: str = CARDS) -> Setup:
    """A new card file (front matter + body); `@OUTSIDE@` names the outside folder."""

    def setup(root: Path, outside: Path) -> None:
        _write(root / path, (front + body).replace(OUTSIDE, str(outside)))

    return setup


def raw(path: str, data: str | bytes) -> Setup:
    """A file of the project written as given (bytes exactly)."""

    def setup(root: Path, outside: Path) -> None:
        _write(root / path, data)

    return setup


def edit(path: str, old: str, new: str, count: int = 1) -> Setup:
    """Replaces text in a file of the project (which must contain it)."""

    def setup(root: Path, outside: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text, (path, old)
        (root / path).write_text(text.replace(old, new, count), encoding="utf-8")

    return setup


def edit_regex(path: str, pattern: str, new: str) -> Setup:
    """Replaces the first match of `pattern` in a file of the project."""

    def setup(root: Path, outside: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        changed, count = re.subn(pattern, new, text, count=1)
        assert count == 1, (path, pattern)
        (root / path).write_text(changed, encoding="utf-8")

    return setup


def keep_lines(path: str, count: int) -> Setup:
    """Keeps only the first `count` lines of a file: a truncated write."""

    def setup(root: Path, outside: Path) -> None:
        lines = (root / path).read_text(encoding="utf-8").splitlines(keepends=True)
        (root / path).write_text("".join(lines[:count]), encoding="utf-8")

    return setup


def insert_lines(path: str, after: int, text: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        lines = (root / path).read_text(encoding="utf-8").splitlines(keepends=True)
        (root / path).write_text("".join([*lines[:after], text, *lines[after:]]), "utf-8")

    return setup


def symlink(link: str, target: str) -> Setup:
    """A symlink in the project; a target starting with `@OUTSIDE@` lies outside it."""

    def setup(root: Path, outside: Path) -> None:
        path = root / link
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target.replace(OUTSIDE, str(outside)))

    return setup


def replace_with_folder(path: str) -> Setup:
    """Turns a file the build writes into a folder, so writing it really fails."""

    def setup(root: Path, outside: Path) -> None:
        (root / path).unlink()
        (root / path).mkdir()
        (root / path / "keep").write_bytes(b"in the way")

    return setup


def replace_with_file(path: str) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        shutil.rmtree(root / path)
        (root / path).write_bytes(b"not a folder")

    return setup


def pyproject(*extra_folders: str, tail: str = "") -> Setup:
    """pyproject.toml with the usual recipe folders on line 2, then `extra_folders`,
    then `tail` from line 3."""
    folders = [*(str(f) for f in RECIPE_FOLDERS), *extra_folders]
    recipes = ", ".join(f'"{folder}"' for folder in folders)
    return raw("pyproject.toml", f"[tool.ankigen]\nrecipes = [{recipes}]\n{tail}")


def recipe_modules(modules: dict[str, str], folder: str = "local_recipes") -> Setup:
    """A recipe folder inside the project with these modules, listed in pyproject.toml."""

    def setup(root: Path, outside: Path) -> None:
        _write(root / folder / "__init__.py", '"""Recipes of this project."""\n')
        for name, text in modules.items():
            _write(root / folder / f"{name}.py", text)
        pyproject(folder)(root, outside)

    return setup


def steps(*setups: Setup) -> Setup:
    def setup(root: Path, outside: Path) -> None:
        for each in setups:
            each(root, outside)

    return setup


def directive(kind: str, name: str, params: str = "") -> str:
    """A card whose answer is one directive; its fence is on line 7."""
    return f"{Q}```{kind} {name}\n{params}```\n"


def math(tex: str) -> str:
    """A card whose answer line 7 holds one inline formula."""
    return f"{Q}see ${tex}$ here\n"


def image(src: str) -> str:
    """A card whose answer line 7 shows one image."""
    return f"{Q}![x]({src})\n"


def svg_file(body: str) -> Setup:
    return steps(raw("content/img/evil.svg", SVG.format(body)), card(image("img/evil.svg")))


def twin_recipe(name: str) -> str:
    """A recipe module whose decorator is on line 6."""
    return (
        '"""A recipe."""\n\nfrom ankigen import Step, WorkedExample, worked_example\n\n\n'
        f'@worked_example("{name}")\ndef twin() -> WorkedExample:\n'
        '    return WorkedExample(title="t", steps=(Step("s", result="1"),))\n'
    )


# Recipes only the cases that call them load (a module of the case's own project).
ODD_RECIPES = '''"""Recipes that misbehave."""

import os
import sys

from ankigen import Step, WorkedExample, figure, worked_example


@worked_example("exits")
def exits() -> WorkedExample:
    sys.exit(3)  # a helper that ends the process (argparse does on bad input)


@worked_example("ends-process")
def ends_process() -> WorkedExample:
    os._exit(3)  # as a crash in native code would: no exception to catch


@figure("not-a-figure")
def not_a_figure() -> WorkedExample:
    return WorkedExample(title="x", steps=(Step("x", result="1"),))
'''

YAML_BOMB = (
    "---\ndeck: Fixture::Bad\n"
    'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n'
    + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "tags: *i\n---\n\n"
)
# The start of a 'billion laughs' expansion: one entity is enough to refuse.
SVG_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY lol "lol">]>\n'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&lol;</text></svg>\n'
)
LOCK = "ankigen.lock"
FIRST_LOCK_KEY = 4  # the lock's first entry ('note:Fixture/code-and-image') is on line 4


# ---- the table ------------------------------------------------------------------------

# Command -> a formula using it: each would make markup, links or styles in MathJax.
MATH_COMMANDS = {
    "href": r"\href{javascript:alert(1)}{x}",
    "class": r"\class{x}{y}",
    "cssId": r"\cssId{x}{y}",
    "style": r"\style{color:red}{y}",
    "unicode": r"\unicode{x41}",
    "require": r"\require{html}",
    "bbox": r"\bbox[border:1px]{x}",
    "color": r"\color{red}{x}",
    "mmlToken": r"\mmlToken{mi}{x}",
}

CASES: list[Bad] = [
    # -- card headings and answers
    Bad("card without id", card("## A question\n\nAn answer.\n"), f"{CARDS}:5", "card has no id"),
    Bad("setext heading", card(f"{Q}Some text\n---\n"), f"{CARDS}:7", "leave a blank line"),
    Bad("invalid id", card("## Q {#Not_Valid}\n\nA.\n"), f"{CARDS}:5", "card id 'Not_Valid'"),
    Bad("non-ASCII id", card("## Q {#卡片}\n\nA.\n"), f"{CARDS}:5", "card id '卡片' is invalid"),
    Bad(
        "unknown class",
        card("## Q {#q .flipped}\n\nA.\n"),
        f"{CARDS}:5",
        "unknown card class '.flipped'",
    ),
    Bad(
        "cloze that is also reversed",
        card("## Q {#q .reversed}\n\nIt is {{c1::x}}.\n"),
        f"{CARDS}:5",
        "a cloze card cannot also be '.reversed'",
    ),
    Bad("empty question", card("## {#q}\n\nA.\n"), f"{CARDS}:5", "question is empty"),
    Bad("empty answer", card(f"{Q}## R {{#r}}\n\nA.\n"), f"{CARDS}:5", "answer is empty"),
    Bad(
        "duplicate id in one file",
        card(f"{Q}A.\n\n## R {{#q}}\n\nB.\n"),
        f"{CARDS}:9",
        "duplicate card id 'q': also used at content/cards.md:5",
    ),
    Bad(
        "duplicate id across files",
        card("## Q {#math-inline}\n\nA.\n"),
        f"{CARDS}:5",
        "duplicate card id 'math-inline': also used at content/basics.md:10",
    ),
    Bad(
        "unbalanced dollar",
        card(f"{Q}first line\nthe sum $x + y is\n"),
        f"{CARDS}:8",
        "unbalanced '$'",
    ),
    Bad("dollar amounts", card(f"{Q}it costs $5 and $6\n"), f"{CARDS}:7", "unbalanced '$'"),
    Bad(
        "dollar in the question",
        card("## Does it cost $5? {#q}\n\nA.\n"),
        f"{CARDS}:5",
        "unbalanced '$'",
    ),
    Bad(
        "100,000-character heading of '{#a'",
        card("## " + "{#a" * 33_334 + "\n\nA.\n"),
        f"{CARDS}:5",
        "card has no id",
    ),
    # -- the file itself
    Bad(
        "not UTF-8",
        raw(CARDS, (FRONT + f"{Q}café\n").encode("latin-1")),
        f"{CARDS}:7",
        "file is not valid UTF-8",
    ),
    Bad(
        "UTF-8 BOM, error on line 8",
        raw(CARDS, ("\ufeff" + FRONT + f"{Q}first line\nthe sum $x is\n").encode()),
        f"{CARDS}:8",
        "unbalanced '$'",
    ),
    Bad("empty file", card("", front=""), f"{CARDS}:1", "no front matter"),
    # -- front matter
    Bad("no front matter", card(f"{Q}A.\n", front=""), f"{CARDS}:1", "no front matter"),
    Bad(
        "bad YAML",
        card(f"{Q}A.\n", front="---\ndeck: [unclosed\n---\n\n"),
        f"{CARDS}:2",
        "front matter is not valid YAML",
    ),
    Bad(
        "YAML python tag",
        card(f"{Q}A.\n", front="---\ndeck: !!python/object/apply:os.system ['touch pwned']\n---\n"),
        f"{CARDS}:2",
        "front matter is not valid YAML",
    ),
    Bad(
        "front matter is a list",
        card(f"{Q}A.\n", front="---\n- deck\n---\n\n"),
        f"{CARDS}:2",
        "front matter must be 'key: value' lines",
    ),
    Bad(
        "front matter without deck",
        card(f"{Q}A.\n", front="---\ntags: [a]\n---\n\n"),
        f"{CARDS}:2",
        "front matter needs 'deck: Name'",
    ),
    Bad(
        "unknown front matter key on line 4",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::Bad\ntags: [a]\ncolour: red\n---\n\n"),
        f"{CARDS}:4",
        "unknown front matter key 'colour'",
    ),
    Bad(
        "YAML alias bomb",
        card(f"{Q}A.\n", front=YAML_BOMB),
        f"{CARDS}:3",
        "unknown front matter key 'a'",
    ),
    Bad(
        "deck name with NUL",
        card(f"{Q}A.\n", front='---\ndeck: "Fixture::A\\0B"\n---\n\n'),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "deck name with a control character",
        card(f"{Q}A.\n", front='---\ndeck: "Fixture::A\\eB"\n---\n\n'),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "deck name with '/'",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::A/B\n---\n\n"),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "root deck name that is a path",
        card(f"{Q}A.\n", front="---\ndeck: ../../../tmp/evil\n---\n\n"),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "root deck name with ':'",
        card(f"{Q}A.\n", front="---\ndeck: C:evil\n---\n\n"),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "empty subdeck name",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::::B\n---\n\n"),
        f"{CARDS}:2",
        "is invalid",
    ),
    Bad(
        "root deck name of 300 characters",
        card(f"{Q}A.\n", front="---\ndeck: " + "a" * 300 + "\n---\n\n"),
        f"{CARDS}:2",
        "too long to name its .apkg file",
    ),
    Bad(
        "bad tags",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::Bad\ntags: [two words]\n---\n\n"),
        f"{CARDS}:3",
        "'tags' must be a list of words",
    ),
    Bad(
        "card_level out of range",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::Bad\ncard_level: 7\n---\n\n"),
        f"{CARDS}:3",
        "'card_level' must be a heading level from 1 to 6",
    ),
    Bad(
        "card_level not a number",
        card(f"{Q}A.\n", front="---\ndeck: Fixture::Bad\ncard_level: two\n---\n\n"),
        f"{CARDS}:3",
        "'card_level' must be a heading level from 1 to 6",
    ),
    # -- directives
    Bad(
        "unknown figure",
        card(directive("figure", "nope")),
        f"{CARDS}:7",
        "unknown figure 'nope'",
    ),
    Bad(
        "unknown example",
        card(directive("example", "nope")),
        f"{CARDS}:7",
        "unknown example 'nope'",
    ),
    Bad(
        "directive without name",
        card(f"{Q}```figure\n```\n"),
        f"{CARDS}:7",
        "'figure' needs one recipe name",
    ),
    Bad(
        "directive name that is a path",
        card(directive("figure", "../../etc/passwd")),
        f"{CARDS}:7",
        "'figure' needs one recipe name",
    ),
    Bad(
        "missing parameter",
        card(directive("example", "needs-size")),
        f"{CARDS}:7",
        "missing parameter 'size' for example 'needs-size'",
    ),
    Bad(
        "unknown parameter",
        card(directive("figure", "activation", 'name = "relu"\ncolour = "red"\n')),
        f"{CARDS}:9",
        "unknown parameter 'colour' for figure 'activation'",
    ),
    Bad(
        "wrong parameter type",
        card(directive("figure", "activation", "name = 3\n")),
        f"{CARDS}:8",
        "parameter 'name' of figure 'activation' must be one of",
    ),
    Bad(
        "parameter out of range",
        card(directive("example", "conv-output-size", "size = 4\nkernel = 3\nstride = 0\n")),
        f"{CARDS}:10",
        "parameter 'stride' of example 'conv-output-size': must be at least 1",
    ),
    Bad(
        "bad TOML",
        card(directive("figure", "activation", "name = relu\n")),
        f"{CARDS}:7",
        "bad parameters for figure 'activation'",
    ),
    Bad(
        "TOML nested 5000 deep",
        card(directive("example", "needs-size", "a = " + "[" * 5000 + "]" * 5000 + "\n")),
        f"{CARDS}:7",
        "bad parameters for example 'needs-size'",
    ),
    Bad(
        "TOML date as parameter",
        card(directive("example", "needs-size", "size = 1979-05-27\n")),
        f"{CARDS}:8",
        "parameter 'size' is a date",
    ),
    Bad(
        "TOML time inside a list",
        card(directive("example", "needs-size", "size = [07:32:00]\n")),
        f"{CARDS}:8",
        "parameter 'size' is a time",
    ),
    Bad(
        "recipe that raises",
        card(directive("example", "broken")),
        f"{CARDS}:7",
        "example 'broken' failed: ZeroDivisionError",
    ),
    Bad(
        "recipe returning the wrong type",
        card(directive("example", "wrong-type")),
        f"{CARDS}:7",
        "example recipe 'wrong-type' returned str",
    ),
    Bad(
        "figure recipe returning a worked example",
        steps(recipe_modules({"odd": ODD_RECIPES}), card(directive("figure", "not-a-figure"))),
        f"{CARDS}:7",
        "figure recipe 'not-a-figure' returned WorkedExample",
    ),
    Bad(
        "worked example whose steps are strings",
        card(directive("example", "not-a-step")),
        f"{CARDS}:7",
        "example 'not-a-step'",
    ),
    Bad(
        "worked example table with unbalanced '$'",
        card(directive("example", "unbalanced-table")),
        f"{CARDS}:7",
        "unbalanced '$'",
    ),
    Bad(
        "worked example using \\href",
        card(directive("example", "href-step")),
        f"{CARDS}:7",
        "'\\href' is not allowed in math",
    ),
    Bad(
        "worked example table using \\class",
        card(directive("example", "class-in-table")),
        f"{CARDS}:7",
        "'\\class' is not allowed in math",
    ),
    Bad(
        "recipe that calls sys.exit",
        steps(recipe_modules({"odd": ODD_RECIPES}), card(directive("example", "exits"))),
        f"{CARDS}:7",
        "example 'exits' failed: SystemExit",
    ),
    Bad(
        "recipe that ends its process",
        steps(recipe_modules({"odd": ODD_RECIPES}), card(directive("example", "ends-process"))),
        f"{CARDS}:7",
        "example 'ends-process' ended the process running it (os._exit, or a crash in native "
        "code): make the recipe return or raise instead",
    ),
    # -- code blocks and nesting
    Bad(
        "unknown code language",
        card(f"{Q}```pyhton\nx = 1\n```\n"),
        f"{CARDS}:7",
        "unknown code language 'pyhton'",
    ),
    Bad(
        "unclosed fence that would swallow a later card",
        card(f"{Q}```python\nx = 1\n\n## R {{#r}}\n\nB.\n"),
        f"{CARDS}:7",
        "code block is never closed",
    ),
    Bad(
        "10,000 nested quotes",
        card(Q + ">" * 10_000 + " deep\n"),
        f"{CARDS}:7",
        "nested more than",
    ),
    Bad(
        "10,000 nested list items",
        card(Q + "- " * 10_000 + "deep\n"),
        f"{CARDS}:7",
        "nested more than",
    ),
    # -- clozes
    Bad(
        "empty cloze",
        card(f"{Q}The answer is {{{{c1::}}}}.\n"),
        f"{CARDS}:7",
        "cloze '{{c1::}}' makes no card",
    ),
    Bad(
        "cloze numbered 0",
        card(f"{Q}The answer is {{{{c0::x}}}}.\n"),
        f"{CARDS}:7",
        "cloze '{{c0::' makes no card",
    ),
    # -- math
    *(
        Bad(
            f"math with \\{name}",
            card(math(tex)),
            f"{CARDS}:7",
            f"'\\{name}' is not allowed in math",
        )
        for name, tex in MATH_COMMANDS.items()
    ),
    Bad(
        "\\url in a display formula",
        card(f"{Q}$$\n\\url{{https://example.com}}\n$$\n"),
        f"{CARDS}:7",
        "'\\url' is not allowed in math",
    ),
    Bad(
        "\\color in the question",
        card("## Is $\\color{red}{x}$ red? {#q}\n\nYes.\n"),
        f"{CARDS}:5",
        "'\\color' is not allowed in math",
    ),
    Bad(
        "\\href inside \\text",
        card(math(r"\text{\href{https://example.com}{y}}")),
        f"{CARDS}:7",
        "'\\href' is not allowed in math",
    ),
    # -- links
    Bad(
        "link to a local file",
        card(f"{Q}[x](<file:///etc/passwd>) or [y](./other.md)\n"),
        f"{CARDS}:7",
        "link './other.md' is not a web address",
    ),
    Bad(
        "link to an app scheme",
        card(f"{Q}[x](intent://x)\n"),
        f"{CARDS}:7",
        "link 'intent://x' is not a web address",
    ),
    Bad(
        "relative link to a file outside",
        card(f"{Q}[x](../../outside/secret.md)\n"),
        f"{CARDS}:7",
        "is not a web address",
    ),
    # -- images
    Bad(
        "remote image",
        card(image("https://example.com/a.png")),
        f"{CARDS}:7",
        "is not a local file",
    ),
    Bad("missing image", card(image("img/missing.png")), f"{CARDS}:7", "not found"),
    Bad(
        "absolute image path /etc/passwd",
        card(image("/etc/passwd")),
        f"{CARDS}:7",
        "is an absolute path",
    ),
    Bad(
        "absolute image path to an outside file",
        card(image(f"{OUTSIDE}/secret.png")),
        f"{CARDS}:7",
        "is an absolute path",
    ),
    Bad(
        "image ../../../../etc/passwd",
        card(image("../../../../etc/passwd")),
        f"{CARDS}:7",
        "is outside the project",
    ),
    Bad(
        "image ../ escape to an outside file",
        card(image("../../outside/secret.png")),
        f"{CARDS}:7",
        "is outside the project",
    ),
    Bad(
        "image percent-encoded ../ escape",
        card(image("..%2F..%2Foutside%2Fsecret.png")),
        f"{CARDS}:7",
        "is outside the project",
    ),
    Bad(
        "image symlink to an outside file",
        steps(
            symlink("content/img/evil.png", f"{OUTSIDE}/secret.png"), card(image("img/evil.png"))
        ),
        f"{CARDS}:7",
        "is outside the project",
    ),
    Bad(
        "image in a symlinked outside folder",
        steps(symlink("content/shared", OUTSIDE), card(image("shared/secret.png"))),
        "content/shared",
        "leads outside the project",
    ),
    Bad("image that is a folder", card(image("img")), f"{CARDS}:7", "image 'img'"),
    Bad(
        "text file renamed .png",
        steps(raw("content/img/notes.png", "just some text\n"), card(image("img/notes.png"))),
        f"{CARDS}:7",
        "not an image",
    ),
    Bad(
        "SVG with <script>",
        svg_file("<script>alert(1)</script>"),
        f"{CARDS}:7",
        "<script> can run code",
    ),
    Bad(
        "SVG with onload",
        svg_file('<rect width="4" height="4" onload="alert(1)"/>'),
        f"{CARDS}:7",
        "event handler",
    ),
    Bad(
        "SVG with an external href",
        svg_file('<image href="https://evil.example/track.png" width="4" height="4"/>'),
        f"{CARDS}:7",
        "points outside the file",
    ),
    Bad(
        "SVG with a CSS url()",
        svg_file('<rect width="4" height="4" style="fill:url(https://evil.example/x)"/>'),
        f"{CARDS}:7",
        "points outside the file",
    ),
    Bad(
        "SVG with foreignObject",
        svg_file("<foreignObject><p>hi</p></foreignObject>"),
        f"{CARDS}:7",
        "can run code or load other content",
    ),
    Bad(
        "SVG with an entity",
        steps(raw("content/img/evil.svg", SVG_ENTITY), card(image("img/evil.svg"))),
        f"{CARDS}:7",
        "SVG declares an entity",
    ),
    # -- files and symlinks under content/
    Bad(
        "folder named x.md holding a bad card",
        card("## A question\n\nAn answer.\n", path="content/x.md/cards.md"),
        "content/x.md/cards.md:5",
        "card has no id",
    ),
    Bad(
        "dangling .md symlink",
        symlink("content/dangling.md", "nowhere.md"),
        "content/dangling.md",
        "is a symlink to nothing",
    ),
    Bad(
        ".md symlink to an outside file",
        symlink("content/evil.md", f"{OUTSIDE}/secret.md"),
        "content/evil.md",
        "leads outside the project",
    ),
    Bad(
        ".md symlink to a device",
        symlink("content/zero.md", "/dev/zero"),
        "content/zero.md",
        "leads outside the project",
    ),
    Bad(
        ".md symlink loop",
        symlink("content/loop.md", "loop.md"),
        "content/loop.md",
        "symlink",
    ),
    Bad(
        "symlinked folder named like a note",
        symlink("content/linked.md", f"{OUTSIDE}/notes"),
        "content/linked.md",
        "leads outside the project",
    ),
    Bad(
        "symlinked folder of notes outside the project",
        symlink("content/linked", f"{OUTSIDE}/notes"),
        "content/linked",
        "outside the project",
    ),
    # -- what the build writes
    Bad("dist is a file", replace_with_file("dist"), "dist", "cannot write"),
    Bad(
        "dist/Fixture.apkg is a folder",
        steps(
            replace_with_folder("dist/Fixture.apkg"),
            edit("content/other.md", "its own package", "its very own package"),
        ),
        "dist/Fixture.apkg",
        "cannot write",
    ),
    Bad(
        "dist/Other deck.apkg is a folder, Fixture.apkg changed",
        steps(
            replace_with_folder("dist/Other deck.apkg"),
            edit("content/basics.md", "dilated convolution", "dilated (atrous) convolution"),
        ),
        "dist/Other deck.apkg",
        "cannot write",
    ),
    # -- the lock
    Bad(
        "lock with merge-conflict markers",
        insert_lines(LOCK, FIRST_LOCK_KEY - 1, "<<<<<<< HEAD\n=======\n>>>>>>> other\n"),
        f"{LOCK}:{FIRST_LOCK_KEY}",
        "merge-conflict marker",
    ),
    Bad("truncated lock", keep_lines(LOCK, 3), f"{LOCK}:4", "damaged lock"),
    Bad(
        "lock entry with a negative time",
        edit_regex(LOCK, r'"mod": \d+', '"mod": -5'),
        f"{LOCK}:{FIRST_LOCK_KEY}",
        "bad entry 'note:Fixture/code-and-image'",
    ),
    Bad(
        "lock entry with a hash that is not hex",
        edit_regex(LOCK, r'"hash": "[0-9a-f]+"', '"hash": "not hex"'),
        f"{LOCK}:{FIRST_LOCK_KEY}",
        "bad entry 'note:Fixture/code-and-image'",
    ),
    Bad(
        "lock entry with a time of 5000 digits",
        edit_regex(LOCK, r'"mod": \d+', '"mod": ' + "9" * 5000),
        f"{LOCK}:1",
        "damaged lock",
    ),
    Bad(
        "lock entry with a time beyond SQLite's integers",
        edit_regex(LOCK, r'"mod": \d+', '"mod": ' + str(10**30)),
        f"{LOCK}:{FIRST_LOCK_KEY}",
        "bad entry 'note:Fixture/code-and-image'",
    ),
    Bad("lock that is a JSON list", raw(LOCK, "[]\n"), f"{LOCK}:1", "not an ankigen lock"),
    Bad("lock nested 100,000 deep", raw(LOCK, "[" * 100_000), f"{LOCK}:1", "damaged lock"),
    Bad("lock not UTF-8", raw(LOCK, b"\xff\xfe{}"), LOCK, "cannot read the lock"),
    Bad("lock that is a folder", replace_with_folder(LOCK), LOCK, "cannot read the lock"),
    # -- recipes and pyproject.toml
    Bad(
        "recipe folder missing",
        pyproject("missing_recipes"),
        "pyproject.toml:2",
        "recipe folder 'missing_recipes' not found",
    ),
    Bad(
        "recipes is not a list",
        raw("pyproject.toml", '[tool.ankigen]\nrecipes = "figures"\n'),
        "pyproject.toml:2",
        "'recipes' must be a list of folder names",
    ),
    Bad(
        "recipe module with a syntax error",
        recipe_modules({"typo": '"""A recipe."""\n\ndef broken(:\n    pass\n'}),
        "local_recipes/typo.py:3",
        "SyntaxError",
    ),
    Bad(
        "recipe module that fails to import",
        recipe_modules({"needs": '"""A recipe."""\n\nimport no_such_module_for_ankigen\n'}),
        "local_recipes/needs.py:3",
        "ModuleNotFoundError",
    ),
    Bad(
        "recipe module that calls sys.exit",
        recipe_modules({"script": '"""A script."""\nimport sys\nsys.exit(2)\n'}),
        "local_recipes/script.py:3",
        "SystemExit",
    ),
    Bad(
        "two recipe modules registering the same name",
        recipe_modules({"first": twin_recipe("twin"), "second": twin_recipe("twin")}),
        "local_recipes/second.py:6",
        "example 'twin' is already registered at",
    ),
    Bad(
        "recipe module reusing a name of the project's recipes",
        recipe_modules({"clash": twin_recipe("conv-output-size")}),
        "local_recipes/clash.py:6",
        "example 'conv-output-size' is already registered at",
    ),
    Bad(
        "recipe folder named like a standard module",
        recipe_modules({"anything": twin_recipe("json-thing")}, folder="json"),
        "pyproject.toml:2",
        "has the name of the Python module 'json' of the standard library",
    ),
    Bad(
        "pyproject.toml with invalid TOML on line 3",
        pyproject(tail="output = \n"),
        "pyproject.toml:3",
        "cannot read the config",
    ),
    Bad(
        "unknown [tool.ankigen] key",
        pyproject(tail="colour = 1\n"),
        "pyproject.toml:3",
        "unknown [tool.ankigen] key 'colour'",
    ),
    Bad(
        "[tool.ankigen] that is not a table",
        raw("pyproject.toml", '[tool]\nankigen = "figures"\n'),
        "pyproject.toml:2",
        "tool.ankigen",
    ),
    # -- a card that changes kind after it was shipped
    Bad(
        "basic card rewritten as a cloze",
        edit("content/other.md", "It goes into", "It goes {{c1::into}}"),
        "content/other.md:5",
        "keep it a basic card, or give it a new id",
    ),
    Bad(
        "cloze card rewritten as a basic card",
        edit_regex("content/basics.md", r"\{\{c1::(.*?)\}\}(.*)\{\{c2::1\}\}", r"\1\g<2>1"),
        "content/basics.md:51",
        "keep it a cloze card, or give it a new id",
    ),
]


# ---- running a case -------------------------------------------------------------------


def plant_secrets(folder: Path) -> tuple[bytes, ...]:
    """Files outside the project that a leak would carry into a package (an image that
    passes as PNG, a note, a folder of notes), holding random bytes; returns those bytes."""
    text_mark = secrets.token_hex(24)
    binary_mark = secrets.token_bytes(48)
    picture = PNG + binary_mark + text_mark.encode()
    note = f"---\ndeck: Fixture::Leak\n---\n\n## Leaked {{#leaked}}\n\n{text_mark}\n"
    _write(folder / "secret.png", picture)
    _write(folder / "secret.md", note)
    _write(folder / "notes" / "secret.md", note)
    _write(folder / "notes" / "secret.png", picture)
    return text_mark.encode(), binary_mark


def _tree(top: Path) -> Iterator[Path]:
    """`top` and everything below it, hidden files included; symlinks are not followed."""
    if not os.path.lexists(top):
        return
    yield top
    if top.is_dir() and not top.is_symlink():
        for folder, folders, names in os.walk(top):
            for name in sorted([*folders, *names]):
                yield Path(folder) / name


def output_state(root: Path) -> dict[str, bytes | str]:
    """Everything under dist/ and the lock: bytes of files, and what else is there."""
    state: dict[str, bytes | str] = {}
    for path in [*_tree(root / "dist"), *_tree(root / LOCK)]:
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            state[key] = f"symlink to {os.readlink(path)}"
        elif path.is_dir():
            state[key] = "folder"
        else:
            state[key] = path.read_bytes()
    return state


def changes(before: dict[str, bytes | str], after: dict[str, bytes | str]) -> list[str]:
    return [
        f"{key}: {'added' if key not in before else 'removed' if key not in after else 'changed'}"
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def output_bytes(root: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under dist/, and every member of the packages (which are zip files)."""
    for path in _tree(root / "dist"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            yield path.name, data
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        yield f"{path.name}:{member}", archive.read(member)


def _code_files(root: Path) -> dict[str, bytes]:
    """The project's config and Python files: what a build imports or reads as code."""
    files = [root / "pyproject.toml", *root.rglob("*.py")]
    return {str(p): p.read_bytes() for p in files if p.is_file()}


def run_build(root: Path) -> subprocess.CompletedProcess[str]:
    """`ankigen build` in its own process, as an author runs it."""
    return subprocess.run(
        [sys.executable, "-m", "ankigen", "build"],
        cwd=root,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_stops_the_build_and_writes_nothing(
    case: Bad, project: Path, cli: Any, tmp_path: Path
) -> None:
    first = cli("build", project)
    assert first.code == 0, first.err
    outside = tmp_path / "outside"
    marks = plant_secrets(outside)
    code_before = _code_files(project)
    case.setup(project, outside)
    before = output_state(project)  # after the change: some cases break dist/ or the lock

    if _code_files(project) == code_before:
        # Same recipes as the test process has loaded: build in-process (fast); an
        # exception escaping the command line fails the test as a traceback would.
        ran = cli("build", project)
        result = subprocess.CompletedProcess(["ankigen", "build"], ran.code, ran.out, ran.err)
    else:  # new or changed recipe code or config: only a fresh process sees it
        result = run_build(project)

    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 1, (result.returncode, result.stderr[-3000:])
    location = f"{case.where}: "
    assert any(
        line.startswith(location) and case.message in line for line in result.stderr.splitlines()
    ), f"expected a line starting {location!r} with {case.message!r}, got:\n{result.stderr}"
    assert "nothing written" in result.stderr
    assert "wrote" not in result.stdout, result.stdout
    assert changes(before, output_state(project)) == []
    for name, data in output_bytes(project):
        assert not any(mark in data for mark in marks), f"the secret leaked into {name}"
    assert marks[0].decode() not in result.stderr + result.stdout


def test_names_in_the_table_are_unique() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names)) and len(names) >= 60


def test_folder_named_like_a_note_and_a_pipe_are_not_read_as_notes(project: Path) -> None:
    """A folder called x.md is looked into, not read; a named pipe is skipped (no hang)."""
    _write(project / "content" / "x.md" / "inside.md", FRONT + "## Inside {#inside}\n\nA.\n")
    os.mkfifo(project / "content" / "pipe.md")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "wrote dist/Fixture.apkg: 8 notes" in result.stdout


# ---- hostile input that is accepted ----------------------------------------------------

HOSTILE = r"""---
deck: Fixture::Hostile
---

# <b onmouseover=alert(1)>group</b>

## Raw HTML <script>alert(1)</script> in a question {#raw-script}

<script>alert(1)</script>

<img src=x onerror=alert(1)>

<a href="javascript:alert(1)">click</a> and <svg onload=alert(1)>

## Links that are not links {#not-links}

[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](jav&#x61;script:alert(1))
and <javascript:alert(1)> and [w](vbscript:msgbox(1)) and [v](data:text/html,alert(1))

## Math that stays text {#math-text}

$\text{<script>alert(1)</script>}$ and $\mathrm{javascript:x}$

$$
\text{<img src=x onerror=alert(1)>}
$$

## A cloze with an HTML hint {#cloze-hint}

{{c1::answer::<img src=x onerror=alert(1)>}} and {{c2::<script>alert(1)</script>}}

## An image whose alt text is HTML {#image-alt}

![<img src=x onerror=alert(1)>](img/_dot.png)

```html
</code><script>alert(1)</script>
```

Source: <script>alert(1)</script> and [a page](https://example.com/"onmouseover="alert(1))
"""

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text")


class LiveMarkup(HTMLParser):
    """Collects every tag and attribute that would run in the card's web view."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "iframe", "object", "embed", "svg", "math"}:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            target = re.sub(r"[\s\x00-\x1f]+", "", value or "").lower()
            if name in URL_ATTRIBUTES and target.startswith(BAD_SCHEMES):
                self.found.append(f"{name}={value!r} on <{tag}>")
            if name == "data-cloze":  # Anki's script shows it as HTML when revealed
                self.found.extend(live_markup(value or ""))


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    found = parser.found
    if "<script" in html.lower():
        found.append("'<script' in the HTML")
    return found


def test_hostile_markdown_that_is_accepted_renders_nothing_live_in_anki(
    project: Path, cli: Any, collection: Any
) -> None:
    _write(project / "content" / "hostile.md", HOSTILE)
    result = cli("build", project)
    assert result.code == 0, result.err
    for apkg in sorted((project / "dist").glob("*.apkg")):
        import_package(collection, apkg)
    cards = [collection.get_card(cid) for cid in collection.find_cards("")]
    hostile = set(collection.find_cards('"deck:Fixture::Hostile"'))
    assert len(hostile) == 6  # five notes, the cloze with two cards
    for card in cards:
        html = str(card.question()) + str(card.answer())
        assert live_markup(html) == [], (card.note()["ID"], html)
        if card.id in hostile:
            assert "alert(1)" in html, card.note()["ID"]  # shown as text, not dropped
