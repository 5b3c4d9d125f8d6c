"""Every kind of bad input stops the build with `path:line: message`, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FRONT = "---\ndeck: Test\n---\n\n"  # the first card heading is on line 5


CASES = {
    "card without id": (
        "## A question\n\nAn answer.\n",
        5,
        "card has no id: end the heading with {#some-id}",
    ),
    "setext heading": ("## Q {#q}\n\nSome text\n---\n", 7, "leave a blank line"),
    "invalid id": ("## Q {#Not_Valid}\n\nA.\n", 5, "card id 'Not_Valid' is invalid"),
    "unknown class": ("## Q {#q .flipped}\n\nA.\n", 5, "unknown card class '.flipped'"),
    "empty question": ("## {#q}\n\nA.\n", 5, "question is empty"),
    "empty answer": ("## Q {#q}\n\n## R {#r}\n\nA.\n", 5, "answer is empty"),
    "unbalanced dollar": ("## Q {#q}\n\nfirst line\nthe sum $x + y is\n", 8, "unbalanced '$'"),
    "dollar amounts": ("## Q {#q}\n\nit costs $5 and $6\n", 7, "unbalanced '$'"),
    "unknown figure": (
        "## Q {#q}\n\n```figure nope\n```\n",
        7,
        "unknown figure 'nope': registered are",
    ),
    "unknown example": ("## Q {#q}\n\n```example nope\n```\n", 7, "unknown example 'nope'"),
    "directive without name": (
        "## Q {#q}\n\n```figure\n```\n",
        7,
        "'figure' needs one recipe name",
    ),
    "missing parameter": (
        "## Q {#q}\n\n```example needs-size\n```\n",
        7,
        "missing parameter 'size' for example 'needs-size': add 'size = ...' to the block",
    ),
    "recipe bug": (
        "## Q {#q}\n\n```example broken\n```\n",
        7,
        "example 'broken' failed: ZeroDivisionError: integer division or modulo by zero",
    ),
    "recipe returns wrong type": (
        "## Q {#q}\n\n```example wrong-type\n```\n",
        7,
        "example recipe 'wrong-type' returned str",
    ),
    "unknown parameter": (
        '## Q {#q}\n\n```figure activation\nname = "relu"\ncolour = "red"\n```\n',
        9,
        "unknown parameter 'colour' for figure 'activation': it takes name, derivative",
    ),
    "wrong parameter type": (
        "## Q {#q}\n\n```figure activation\nname = 3\n```\n",
        8,
        "parameter 'name' of figure 'activation' must be one of 'sigmoid'",
    ),
    "parameter out of range": (
        "## Q {#q}\n\n```example conv-output-size\nsize = 4\nkernel = 3\nstride = 0\n```\n",
        10,
        "parameter 'stride' of example 'conv-output-size': must be at least 1, got 0",
    ),
    "bad parameter syntax": (
        "## Q {#q}\n\n```figure activation\nname = relu\n```\n",
        7,
        "bad parameters for figure 'activation'",
    ),
    "missing image": (
        "## Q {#q}\n\nsee\n![x](img/missing.png)\n",
        8,
        "image 'img/missing.png' not found",
    ),
    "remote image": ("## Q {#q}\n\n![x](https://example.com/a.png)\n", 7, "is not a local file"),
    "unknown code language": (
        "## Q {#q}\n\n```pyhton\nx = 1\n```\n",
        7,
        "unknown code language 'pyhton'",
    ),
}


def reported(err: str, location: str, message: str) -> bool:
    """True when one line of the output names that location and carries that message."""
    return any(line.startswith(location) and message in line for line in err.splitlines())


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_card_is_reported_with_location(case: str, cli: Any, empty_project: Path) -> None:
    body, line, message = CASES[case]
    (empty_project / "content" / "cards.md").write_text(FRONT + body, encoding="utf-8")
    for command in ("check", "build"):
        result = cli(command, empty_project)
        assert result.code == 1
        assert reported(result.err, f"content/cards.md:{line}: ", message), result.err
        assert "nothing written" in result.err
    assert not (empty_project / "dist").exists()
    assert not (empty_project / "ankigen.lock").exists()


def test_duplicate_id_names_both_places(cli: Any, empty_project: Path) -> None:
    content = empty_project / "content"
    (content / "a.md").write_text(FRONT + "## Q {#same}\n\nA.\n", encoding="utf-8")
    (content / "b.md").write_text(
        "---\ndeck: Test::Sub\n---\n\n## R {#same}\n\nB.\n", encoding="utf-8"
    )
    result = cli("build", empty_project)
    assert result.code == 1
    assert "content/b.md:5: duplicate card id 'same': also used at " in result.err
    assert "content/a.md:5; ids must be unique within deck 'Test'" in result.err


def test_file_that_is_not_utf8(cli: Any, empty_project: Path) -> None:
    path = empty_project / "content" / "latin1.md"
    path.write_bytes((FRONT + "## Q {#q}\n\ncafé\n").encode("latin-1"))
    result = cli("check", empty_project)
    assert result.code == 1
    assert "content/latin1.md:7: file is not valid UTF-8: save it as UTF-8" in result.err


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("## Q {#q}\n\nA.\n", 1, "no front matter"),
        ("---\ntags: [a]\n---\n", 2, "front matter needs 'deck: Name'"),
        ("---\ndeck: [unclosed\n---\n", 2, "front matter is not valid YAML"),
        ("---\ndeck: A\ncolour: red\n---\n", 3, "unknown front matter key 'colour'"),
        ("---\ndeck: A::::B\n---\n", 2, "deck name 'A::::B' is invalid"),
        ("---\ndeck: A\ntags: [two words]\n---\n", 3, "'tags' must be a list of words"),
    ],
)
def test_bad_front_matter(
    front: str, line: int, message: str, cli: Any, empty_project: Path
) -> None:
    (empty_project / "content" / "cards.md").write_text(front, encoding="utf-8")
    result = cli("check", empty_project)
    assert result.code == 1
    assert reported(result.err, f"content/cards.md:{line}: ", message), result.err


def test_all_problems_are_reported_at_once(cli: Any, empty_project: Path) -> None:
    body = "## Q {#q}\n\n$open\n\n## {#r}\n\nA.\n"
    (empty_project / "content" / "cards.md").write_text(FRONT + body, encoding="utf-8")
    result = cli("check", empty_project)
    assert "cards.md:7: unbalanced" in result.err and "cards.md:9: question is empty" in result.err
    assert "ankigen: 2 problems, nothing written" in result.err


def test_command_line_exits_1_without_traceback(empty_project: Path) -> None:
    (empty_project / "content" / "cards.md").write_text(FRONT + "## Q\n\nA.\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "build", "--root", str(empty_project)],
        capture_output=True,
        text=True,
        cwd=empty_project,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("content/cards.md:5: card has no id")
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("command", ["check", "build"])
def test_content_without_cards_is_an_error(command: str, cli: Any, empty_project: Path) -> None:
    result = cli(command, empty_project)
    assert result.code == 1
    assert result.err.startswith("content: no cards found: add a Markdown file")
    (empty_project / "content" / "notes.md").write_text("# Only a heading\n\nText.\n")
    assert cli(command, empty_project).code == 1
    assert not (empty_project / "dist").exists() and not (empty_project / "ankigen.lock").exists()
