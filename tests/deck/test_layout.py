"""Every card side of the deck, in a real browser, at phone and desktop width, by day
and by night, after MathJax has typeset it: nothing wider than the screen, nothing
that must scroll, no MathJax error, every image loaded, figure text readable, no
line starting with punctuation after a formula.

Needs Debian's `chromium` (`.ci/run` installs it); without it this test is skipped,
except under CI, where it fails.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from ankigen.model import Note
from ankigen.notetypes import card_css
from ankigen.preview import write_site

CHECK = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (360, 1280)
MAX_NIGHT_BRIGHTNESS = 0.4
# Only a hang may fail this test, never a slow machine: the deck's page (1,500 card
# sides, MathJax, 47 figures) takes 11 s to load here and took over 30 s, Playwright's
# default wait, on CI.
PAGE_WAIT_MS = 600_000
SET_VIEW = """([width, night]) => {
  document.body.style.setProperty('--width', width + 'px');
  document.body.classList.toggle('nightMode', night);
  document.body.classList.toggle('night_mode', night);
}"""


def browser_or_skip() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run must install it")
        pytest.skip("needs chromium (apt-get install chromium fonts-noto-cjk)")
    return CHROMIUM


def layout_failures(site: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    failures = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_or_skip(), args=ARGS)
        for width in WIDTHS:
            for mode in ("light", "night"):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.set_default_timeout(PAGE_WAIT_MS)
                page.goto((site / "index.html").as_uri())
                page.evaluate(SET_VIEW, [width, mode == "night"])
                page.wait_for_function("document.body.dataset.typeset === 'done'")
                found: list[dict[str, Any]] = page.evaluate(CHECK)
                failures += [
                    f"{f['note']} {f['side']} {width}px {mode}: {f['problem']}" for f in found
                ]
                if mode == "night":
                    failures += bright_figures(page, width)
                page.close()
        browser.close()
    return failures


def bright_figures(page: Any, width: int) -> list[str]:
    """At night a figure must not be a bright block: mean luminance of each as shown."""
    from PIL import Image, ImageStat

    failures = []
    sources = page.eval_on_selector_all(
        ".figure img", "images => [...new Set(images.map(i => i.getAttribute('src')))]"
    )
    for source in sources:
        shown = page.locator(f'.figure img[src="{source}"]').first
        image = Image.open(io.BytesIO(shown.screenshot())).convert("L")
        brightness = ImageStat.Stat(image).mean[0] / 255
        if brightness > MAX_NIGHT_BRIGHTNESS:
            failures.append(
                f"{source} {width}px night: figure is bright ({brightness:.2f} of white)"
            )
    return failures


def test_every_card_side_of_the_deck_lays_out(deck_notes: list[Note], tmp_path: Path) -> None:
    browser_or_skip()
    write_site(deck_notes, tmp_path / "preview", card_css())
    failures = layout_failures(tmp_path / "preview")
    report = REPO / "build" / "layout-failures.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("\n".join(failures) + "\n", encoding="utf-8")
    assert not failures, f"{len(failures)} layout failures (all in {report}):\n" + "\n".join(
        failures[:40]
    )
