"""The Markdown rules: a formula is math wherever it stands on its line."""

from __future__ import annotations

import pytest

from ankigen.markdown import make_parser


@pytest.mark.parametrize(
    ("line", "formulas"),
    [
        ("$x$ 等于 0", ["x"]),  # a line that opens with a formula and ends with a digit
        ("$a$，b $c$。 0", ["a", "c"]),
        ("$$E = mc^2$$ 1", ["E = mc^2"]),
        ("$\\frac14$", ["\\frac14"]),
        ("最大值 $\\frac14$。 0", ["\\frac14"]),
    ],
)
def test_a_formula_is_math_wherever_it_stands(line: str, formulas: list[str]) -> None:
    children = make_parser().parseInline(line)[0].children or []
    assert [t.content for t in children if t.type.startswith("math_inline")] == formulas


@pytest.mark.parametrize("line", ["$5 and $6", "it costs $5 and $6 today"])
def test_dollar_amounts_are_not_math(line: str) -> None:
    children = make_parser().parseInline(line)[0].children or []
    assert not [t for t in children if t.type.startswith("math_inline")]
