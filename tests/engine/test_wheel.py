"""ankigen for every author: the wheel installs into a fresh virtual environment outside
this repository, and there `ankigen init` and `ankigen build` give a deck the official
Anki imports, every example card rendering and the example figure in its media."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

from conftest import INIT_CARDS, REPO, every_card_renders


def run(*command: str | Path, cwd: Path) -> str:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return done.stdout


def test_the_wheel_installs_anywhere_and_starts_a_deck(tmp_path: Path, collection: Any) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
        "-w", wheels, REPO, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("ankigen-*.whl")
    venv.create(tmp_path / "env", with_pip=True)
    bin_ = tmp_path / "env" / "bin"
    # The deck's exact versions, so this test installs what the suite already tested.
    run(bin_ / "python", "-m", "pip", "install", "--quiet", "-c", REPO / "constraints.txt",
        wheel, cwd=tmp_path)  # fmt: skip

    assert run(bin_ / "ankigen", "--version", cwd=tmp_path).strip() == "ankigen 0.1.0"
    run(bin_ / "ankigen", "init", "my-deck", cwd=tmp_path)
    deck = tmp_path / "my-deck"
    out = run(bin_ / "ankigen", "build", cwd=deck)
    assert "wrote dist/my-deck.apkg: 7 notes (9 cards), 2 media files" in out
    html = every_card_renders(deck / "dist" / "my-deck.apkg", collection)
    assert set(html) == set(INIT_CARDS)
    assert any(p.name.startswith("parabola-") for p in Path(collection.media.dir()).iterdir())
