"""figures/_style.py: numbers in plain label text read as `ankigen.num` writes them, and
a figure that draws one colour per value refuses more values than it has colours."""

from __future__ import annotations

import pytest

from ankigen import BadParameter
from figures._style import COLORS, one_colour_each, text_num, two_decimals


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.5, 4, "0.5"),
        (1.0, 4, "1"),
        (1 / 3, 4, "0.3333"),
        (0.3037, 2, "0.3"),
        (-2.5, 4, "\N{MINUS SIGN}2.5"),  # a true minus, as on the axes' ticks
        (12345, 4, "$12\\,345$"),  # LaTeX only inside math: a thin space, not "12\,345"
        (1e-5, 4, "$1 \\times 10^{-5}$"),
    ],
)
def test_text_num_is_num_outside_math(value: float, digits: int, text: str) -> None:
    assert text_num(value, digits) == text


def test_scores_keep_two_decimals() -> None:
    assert [two_decimals(score) for score in (0.9, 0.52, 1.0)] == ["0.90", "0.52", "1.00"]


@pytest.mark.parametrize("count", [0, len(COLORS) + 1])
def test_one_colour_each_refuses_more_values_than_colours(count: int) -> None:
    with pytest.raises(BadParameter) as error:
        one_colour_each("gammas", count)
    assert error.value.name == "gammas"
    assert error.value.message == f"give 1 to {len(COLORS)} values, got {count}"


def test_one_colour_each_accepts_one_to_all_colours() -> None:
    one_colour_each("gammas", 1)
    one_colour_each("gammas", len(COLORS))
