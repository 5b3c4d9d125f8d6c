"""Math cannot put links, markup or styles into a card: what MathJax would make of
each refused command is checked with MathJax itself (tools/mathcheck)."""

from __future__ import annotations

import re

import pytest

from ankigen.texsafety import FORBIDDEN, forbidden_command
from tools.mathcheck.mathjax_runs import require_checker, run_checker

# What in MathJax's MathML reaches the page as a link, markup, style or behaviour.
LIVE = re.compile(
    r"<maction|<script|\s(?:href|class|id|style|mathcolor|mathbackground|data-(?!mjx-)[\w-]*)="
)

# Each makes MathJax 3.2.2 (Anki's) build a live attribute or element.
REFUSED = {
    r"\href{javascript:alert(1)}{x}": "href",
    r"\class{evil}{x}": "class",
    r"\cssId{evil}{x}": "cssId",
    r"\style{position:fixed}{x}": "style",
    r"\bbox[background:url(x)]{x}": "bbox",
    r"\mmlToken{mi}[href='javascript:x']{x}": "mmlToken",
    r"\texttip{x}{tip}": "texttip",
    r"\toggle{a}{b}\endtoggle": "toggle",
    r"\color{red}{x}": "color",
    r"\textcolor{red}{x}": "textcolor",
    r"\colorbox{red}{x}": "colorbox",
    r"a \\ \href{javascript:x}{y}": "href",
}

# Hostile-looking but inert: text is escaped, names are only names.
ACCEPTED = (
    r"\text{<script>alert(1)</script>}",
    r"\mathrm{javascript:x}",
    r"\operatorname{onerror}",
    r"\verb|<img src=x onerror=alert(1)>|",
    r"\def\x{\text{javascript:}}\x",
    r"\newcommand{\hh}[1]{#1}\hh{x}",
    r"a \\href",  # a line break, then the letters h r e f
)


@pytest.mark.parametrize("tex", sorted(REFUSED))
def test_commands_that_make_live_markup_are_refused(tex: str) -> None:
    assert forbidden_command(tex) == REFUSED[tex]


@pytest.mark.parametrize("tex", ACCEPTED)
def test_inert_math_is_accepted(tex: str) -> None:
    assert forbidden_command(tex) is None


def test_every_refused_command_has_advice() -> None:
    assert all(advice.strip() for advice in FORBIDDEN.values())


def test_mathjax_makes_refused_math_live_and_accepted_math_inert() -> None:
    require_checker()
    items = [
        {"id": f"{kind}{index}", "tex": tex, "display": False, "mathml": True}
        for kind, samples in (("refused", sorted(REFUSED)), ("accepted", ACCEPTED))
        for index, tex in enumerate(samples)
    ]
    results = {item["id"]: item for item in run_checker(items) if "mathml" in item}
    assert len(results) == len(items)
    for item_id, result in results.items():
        live = LIVE.search(result["mathml"])
        if item_id.startswith("refused"):
            assert live, f"MathJax made nothing live of {result['tex']}: drop it from REFUSED"
        else:
            assert not live, f"{result['tex']} made {live} in MathJax"
