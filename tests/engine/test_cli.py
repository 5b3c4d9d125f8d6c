"""The command line as a user first meets it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO


def test_version_is_the_packaged_one() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"ankigen {declared['project']['version']}"


def test_every_command_explains_itself_with_an_example() -> None:
    from ankigen.cli import COMMANDS

    for name, _help, example in COMMANDS:
        result = subprocess.run(
            [sys.executable, "-m", "ankigen", name, "--help"], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert f"usage: ankigen {name}" in result.stdout
        assert f"example:\n  {example}" in result.stdout
    listing = subprocess.run(
        [sys.executable, "-m", "ankigen", "--help"], capture_output=True, text=True
    ).stdout
    assert all(name in listing for name, _help, _example in COMMANDS)


def test_progress_shows_on_a_terminal_and_nowhere_else(
    cli: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Figures and examples not in the cache are made with a progress bar on a terminal,
    and so is the gallery; piped output (CI, scripts, these tests) stays quiet."""
    quiet = cli("build", project)
    assert quiet.code == 0 and "[" not in quiet.err
    (project / "build").rename(project / "old-build")  # an empty cache: everything is made
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    shown = cli("build", project)
    assert shown.code == 0
    assert re.search(r"\rfigures and examples +\[#{30}\] (\d+)/\1\n", shown.err), shown.err
    gallery = cli("figures", project)
    assert gallery.code == 0
    assert re.search(r"\rfigures +\[#{30}\] (\d+)/\1\n", gallery.err), gallery.err
