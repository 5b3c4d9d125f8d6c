"""Worked examples: numbers print the same way everywhere, tables mix text and math."""

from __future__ import annotations

import pytest

from ankigen import Table, WorkedExample, num
from ankigen.worked import Step, check_worked_example, render_worked_example


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (112, "112"),
        (1234, "1234"),
        (12345, "12\\,345"),
        (-2359296, "-2\\,359\\,296"),
        (0.25, "0.25"),
        (111.5, "111.5"),
        (1 / 3, "0.3333"),
        (0.000976, "0.000976"),
        (2.5e-5, "2.5 \\times 10^{-5}"),
        (9.5367431640625e-07, "9.537 \\times 10^{-7}"),
    ],
)
def test_numbers_are_formatted_consistently(value: float, text: str) -> None:
    assert num(value) == text


def test_table_text_mixes_plain_words_and_math() -> None:
    example = WorkedExample(
        "t", (Table(header=("层数 $n$", "x < y"), rows=(("$0.25^n$", "a & b"),), caption="$m$ 个"),)
    )
    html = render_worked_example("t", example)
    assert "<th>层数 \\(n\\)</th><th>x &lt; y</th>" in html
    assert "<td>\\(0.25^n\\)</td><td>a &amp; b</td>" in html
    assert '<span class="we-label">\\(m\\) 个</span><table>' in html


def test_table_number_cells_look_like_num() -> None:
    table = Table(header=("n", "x"), rows=((1, 12345), (2, 1 / 3), (3, "$a$")))
    html = render_worked_example("t", WorkedExample("t", (table,)))
    assert "<td>\\(1\\)</td><td>\\(12\\,345\\)</td>" in html
    assert "<td>\\(2\\)</td><td>\\(0.3333\\)</td>" in html
    assert "<td>\\(3\\)</td><td>\\(a\\)</td>" in html


def test_factors_and_vectors_read_right_in_formulas() -> None:
    from ankigen import num_factor, num_tuple

    assert num_factor(-3) == "(-3)" and num_factor(0.25) == "0.25" and num_factor(0) == "0"
    assert num_tuple([1, -0.5, 12345]) == "(1,\\ -0.5,\\ 12\\,345)"
    assert num_tuple([1 / 3], digits=3) == "(0.333)"


@pytest.mark.parametrize(
    ("steps", "refusal"),
    [
        ((Table(header=("$n",), rows=()),), "unbalanced '\\$'"),
        ((Table(header=("b",), rows=((True,),)),), "cannot format True"),
        ((Table(header=("x",), rows=((float("nan"),),)),), "cannot format nan"),
        ((Step("x", formula=r"\href{javascript:alert(1)}{x}"),), "href"),
        ((Table(header=(r"$\class{x}{y}$",), rows=()),), "class"),
        (("just a string",), "must be an ankigen.Step or Table"),
        ((Step(3),), "text must be a string"),  # type: ignore[arg-type]
        ((Step("x", result=0.5),), "LaTeX must be a string"),  # type: ignore[arg-type]
    ],
)
def test_a_worked_example_a_card_could_not_show_is_refused(
    steps: tuple[Step | Table, ...], refusal: str
) -> None:
    with pytest.raises(ValueError, match=refusal):
        check_worked_example(WorkedExample("t", steps))
