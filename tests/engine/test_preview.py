"""`ankigen preview` writes a site that needs nothing but the folder it is in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def test_preview_site_is_complete_and_offline(cli: Any, project: Path) -> None:
    result = cli("preview", project)
    assert result.code == 0, result.err
    # 8 notes of both root decks; 10 cards (2 clozes, 2 ways for the reversed one), 2 sides each
    assert "wrote build/preview/index.html: 8 notes, 20 card sides" in result.out
    site = project / "build" / "preview"
    page = (site / "index.html").read_text(encoding="utf-8")
    for card_id in ("math-inline", "code-and-image", "recipes", "relu-cloze", "dilated-term"):
        assert f'id="{card_id}"' in page
    assert "content/basics.md:10 · Fixture::Basics" in page  # every card names file:line
    assert page.count('data-side="question"') == page.count('data-side="answer"') == 10
    sources = re.findall(r'(?:src|href)="([^"#][^"]*)"', page)
    local = [s for s in sources if not s.startswith(("http://", "https://"))]
    assert all((site / name).is_file() for name in local), local
    assert not re.search(r"<(?:script|link)[^>]*(?:src|href)=\"https?:", page)  # no CDN
    assert (site / "tex-chtml-full.js").is_file() and (site / "MATHJAX-LICENSE").is_file()
    assert len(list((site / "mathjax-fonts").glob("*.woff"))) > 20
