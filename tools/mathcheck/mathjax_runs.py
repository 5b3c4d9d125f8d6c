"""Math on cards as Anki's MathJax finds it, and MathJax's verdict on it: the text-run
parser (`\\(...\\)` and `\\[...\\]` in a page's text, never inside `<pre>` or `<code>`)
and the bridge to check.mjs beside this file. Used by the deck's MathJax test and by the
TeX-safety test."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ankigen.model import Note, NoteKind
from ankigen.notetypes import note_fields

MATHCHECK = Path(__file__).resolve().parent
CHECK_SCRIPT = MATHCHECK / "check.mjs"

# MathJax 3's defaults (HTMLDomStrings): text in these elements is never searched
# for math, `<br>` joins a text run as a newline, and any other tag ends the run,
# so a formula cannot span markup.
SKIPPED_TAGS = frozenset({"script", "noscript", "style", "textarea", "pre", "code"})
INCLUDED_TAGS = {"br": "\n", "wbr": ""}
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})

# Anki's delimiters; FindTeX looks for the closing one at brace depth 0, and a
# backslash escapes the character after it.
START = re.compile(r"\\\(|\\\[")
CLOSE = {"\\(": "\\)", "\\[": "\\]"}
END_TOKENS = {
    close: re.compile(re.escape(close) + r"|\\.|[{}]", re.DOTALL) for close in ("\\)", "\\]")
}

# The innermost cloze: its text, then an optional hint.
CLOZE = re.compile(r"\{\{c\d+::((?:(?!\{\{c\d+::).)*?)(?:::(?:(?!\{\{c\d+::).)*?)?\}\}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Formula:
    tex: str
    display: bool


class _TextRuns(HTMLParser):
    """The runs of text MathJax searches for math, with entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._current: list[str] = []
        self._skipping: list[str] = []

    def _end_run(self) -> None:
        if self._current:
            self.runs.append("".join(self._current))
            self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.append(tag)
            return
        if tag in INCLUDED_TAGS:
            self._current.append(INCLUDED_TAGS[tag])
            return
        self._end_run()
        if tag in SKIPPED_TAGS:
            self._skipping.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._skipping:
            self.handle_starttag(tag, attrs)
            if tag in self._skipping[-1:]:
                self._skipping.pop()

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag not in VOID_TAGS:
            self._end_run()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._end_run()


def reveal_clozes(html: str) -> str:
    """The field as the back of a cloze card shows it: every cloze replaced by its text."""
    while True:
        revealed = CLOZE.sub(r"\1", html)
        if revealed == html:
            return html
        html = revealed


def text_runs(html: str) -> list[str]:
    parser = _TextRuns()
    parser.feed(html)
    parser.close()
    return parser.runs


def find_math(text: str) -> tuple[list[Formula], list[str]]:
    """Formulas in one text run, and the start delimiters MathJax would leave unclosed."""
    formulas: list[Formula] = []
    unclosed: list[str] = []
    position = 0
    while (start := START.search(text, position)) is not None:
        open_, close = start.group(), CLOSE[start.group()]
        braces = 0
        content_start = start.end()
        for token in END_TOKENS[close].finditer(text, content_start):
            if token.group() == close and braces == 0:
                formulas.append(Formula(text[content_start : token.start()], open_ == "\\["))
                position = token.end()
                break
            if token.group() == "{":
                braces += 1
            elif token.group() == "}" and braces:
                braces -= 1
        else:
            # MathJax shows it as plain text and goes on after the delimiter.
            unclosed.append(text[start.start() : start.start() + 60])
            position = content_start
    return formulas, unclosed


def note_math(note: Note) -> tuple[list[Formula], list[str]]:
    formulas: list[Formula] = []
    unclosed: list[str] = []
    for field in note_fields(note):
        html = reveal_clozes(field) if note.kind is NoteKind.CLOZE else field
        for run in text_runs(html):
            found, left_open = find_math(run)
            formulas += found
            unclosed += left_open
    return formulas, unclosed


def require_checker() -> None:
    if shutil.which("node") is None:
        pytest.skip("MathJax check needs Node.js: `node` is not on PATH")
    if not (MATHCHECK / "node_modules" / "mathjax-full").is_dir():
        pytest.skip(
            "MathJax check needs tools/mathcheck/node_modules: run `make test` "
            "(or `npm ci --prefix tools/mathcheck`)"
        )


def run_checker(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The formulas among ITEMS ({id, tex, display}) that fail, with MathJax's message."""
    require_checker()
    result = subprocess.run(
        ["node", str(CHECK_SCRIPT)],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"check.mjs failed ({result.returncode}):\n{result.stderr}"
    failures: list[dict[str, str]] = json.loads(result.stdout)
    return failures
