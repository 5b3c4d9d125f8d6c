"""Any Markdown gives cards or located problems, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ankigen.errors import Problem
from ankigen.markdown import make_parser
from ankigen.model import Resolved
from ankigen.notetypes import note_fields
from ankigen.parse import parse_file
from ankigen.render import render_card

PIECES = st.sampled_from(
    [
        "## Q {#q}",
        "## {#x}",
        "# G",
        "### sub",
        "$",
        "$$",
        "$a_1$",
        "\\$",
        "---",
        "```",
        "```figure a",
        "```python",
        "{{c1::x}}",
        "<script>",
        "![i](x.png)",
        "Source:",
        "- item",
        "> quote",
        "*",
        "_",
        "{#",
        "}",
        "\n",
        "\n\n",
        "text",
        "中文",
    ]
)
BODIES = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(body=BODIES)
def test_any_markdown_gives_cards_or_located_problems(
    body: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.md"
    path.write_text("---\ndeck: Fuzz\n---\n" + body, encoding="utf-8")
    md = make_parser()
    problems: list[Problem] = []
    cards = parse_file(md, path, problems)
    line_count = path.read_text(encoding="utf-8").count("\n") + 1
    for problem in problems:
        assert 1 <= problem.line <= line_count and problem.message
    for card in cards:
        note = render_card(md, card, Resolved({}, {}, ()))
        assert note.card_id and all(isinstance(field, str) for field in note_fields(note))
        assert "<script" not in "".join(note_fields(note))
