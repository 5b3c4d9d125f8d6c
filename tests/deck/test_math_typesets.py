"""Every formula of the real deck typesets with MathJax, without a TeX error.

The rendered fields are searched for math the way Anki's MathJax 3 finds it
(`\\(...\\)` and `\\[...\\]` in the page's text, never inside `<pre>` or
`<code>`), and all formulas go, in one run, to `tools/mathcheck/check.mjs`,
which typesets them with MathJax's TeX input and Anki's packages. An unknown
macro counts as an error there, though Anki would only show it in red. Cloze
fields are read with their clozes revealed, as the back of the card shows them;
worked examples are part of the fields and are checked with the rest.

Needs Node.js and `tools/mathcheck/node_modules` (`make test` installs it with
npm); without them these tests are skipped, saying so.
"""

from __future__ import annotations

from typing import Any

from conftest import REPO

from ankigen.model import Note
from tools.mathcheck.mathjax_runs import (
    Formula,
    find_math,
    note_math,
    require_checker,
    reveal_clozes,
    run_checker,
    text_runs,
)


def test_checker_reports_broken_formulas_only() -> None:
    items = [
        {"id": "good", "tex": r"\frac{a}{b} + \sum_{i=1}^{n} x_i^2", "display": False},
        {
            "id": "good-display",
            "tex": r"\begin{aligned} a &= b \\ c &= d \end{aligned}",
            "display": True,
        },
        {
            "id": "autoloaded",
            "tex": r"\boldsymbol{W} \cancel{x} \color{red}{y} \ce{H2O}",
            "display": False,
        },
        {"id": "brace", "tex": r"\frac{a}{b", "display": False},
        {"id": "macro", "tex": r"\notamacro x", "display": True},
        {"id": "ampersand", "tex": r"a & b", "display": False},
        {"id": "not-in-anki", "tex": r"\abs{x}", "display": False},
    ]
    failures = run_checker(items)
    errors = {failure["id"]: failure["error"] for failure in failures}
    assert sorted(errors) == ["ampersand", "brace", "macro", "not-in-anki"]
    assert "brace" in errors["brace"].lower()
    assert r"\notamacro" in errors["macro"]
    assert "&" in errors["ampersand"]
    assert all(f["tex"] == next(i["tex"] for i in items if i["id"] == f["id"]) for f in failures)


def test_math_is_found_as_mathjax_finds_it() -> None:
    field = (
        r"<p>\(a &lt; b\) and \[x^{2}\]</p>"
        r'<div class="highlight"><pre><span>re.sub(r"\(x\)", s)</span></pre></div>'
        r"<p><code>\(not math\)</code> \(\{ \)"
        r"<em>\(split</em> tag\)</p>"
    )
    formulas: list[Formula] = []
    unclosed: list[str] = []
    for run in text_runs(field):
        found, left_open = find_math(run)
        formulas += found
        unclosed += left_open
    assert formulas == [Formula("a < b", False), Formula("x^{2}", True), Formula(r"\{ ", False)]
    assert unclosed == [r"\(split"]
    assert (
        reveal_clozes(r"{{c1::\(\frac{1}{x^{2} }\) }} {{c2::a::hint}}")
        == r"\(\frac{1}{x^{2} }\)  a"
    )


def test_every_formula_of_the_deck_typesets(deck_notes: list[Note]) -> None:
    require_checker()
    notes = deck_notes
    items: list[dict[str, Any]] = []
    where: dict[str, str] = {}
    unclosed: list[str] = []
    one_root_deck = len({note.root_deck for note in notes}) == 1
    for note in notes:
        label = note.card_id if one_root_deck else f"{note.root_deck}/{note.card_id}"
        where[label] = f"{note.path.relative_to(REPO)}:{note.line}"
        formulas, left_open = note_math(note)
        items += [{"id": label, "tex": f.tex, "display": f.display} for f in formulas]
        unclosed += [f"{label} ({where[label]}): {text!r}" for text in left_open]
    assert items, "no formula found in the deck: the extraction is broken"
    failures = run_checker(items)
    report = [
        f"{failure['id']} ({where[failure['id']]}): {failure['error']}\n    {failure['tex']}"
        for failure in failures
    ]
    problems = report + [f"unclosed math delimiter, shown as text: {text}" for text in unclosed]
    assert not problems, f"{len(problems)} of {len(items)} formulas do not typeset:\n" + "\n".join(
        problems
    )
