"""The command line as a user first meets it."""

from __future__ import annotations

import subprocess
import sys
import tomllib

from conftest import REPO


def test_version_is_the_packaged_one() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    result = subprocess.run(
        [sys.executable, "-m", "ankigen", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"ankigen {declared['project']['version']}"
