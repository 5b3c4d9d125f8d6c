"""figures/sampling.py: bad parameters are refused by name, the drawings stay small at their
limits, and the numbers in their cells are dlmath.resampling's (tested in tests/dlmath)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from matplotlib.text import Text

from dlmath.convolution import conv_output_size
from figures._style import MAX_SVG_BYTES
from figures.sampling import bilinear_interpolation, max_unpooling, pooling, transposed_conv


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("transposed-conv", {"size": 0}, "size"),
        ("transposed-conv", {"stride": 4}, "stride"),
        ("transposed-conv", {"kernel": 5}, "kernel"),
        ("transposed-conv", {"size": 5, "stride": 3, "kernel": 4}, "size"),  # 19 cells wide
        ("bilinear-interpolation", {"x": 1.5}, "x"),
        ("bilinear-interpolation", {"y": -0.1}, "y"),
        ("pooling", {"size": 2}, "size"),
        ("max-unpooling", {"size": 2}, "size"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("transposed-conv", {"size": 5, "stride": 2, "kernel": 4}),
        ("transposed-conv", {"size": 4, "stride": 3, "kernel": 3}),
        ("bilinear-interpolation", {"x": 0.0, "y": 1.0}),
    ],
)
def test_figures_at_their_limits_stay_small(
    recipes: DeckRecipes, name: str, params: dict[str, Any]
) -> None:
    assert len(recipes.figure(name, **params).svg) <= MAX_SVG_BYTES


def texts(*figures: Any) -> list[str]:
    return [text.get_text() for fig in figures for text in fig.findobj(Text)]


def test_pooling_writes_max_mean_and_global_mean() -> None:
    shown = texts(pooling())
    # Windows [1 3; 5 6], [2 4; 1 2], [7 2; 3 4], [9 0; 1 6]: means 3.75, 2.25, 4, 4.
    for value in ("6", "4", "7", "9", "3.75", "2.25", "3.5"):
        assert value in shown


def test_max_unpooling_remembers_where_each_maximum_was() -> None:
    assert "argmax\n1, 6, 8, 14" in texts(max_unpooling())


@pytest.mark.parametrize(("size", "stride", "kernel"), [(3, 2, 3), (2, 3, 2), (4, 1, 4)])
def test_transposed_conv_output_is_a_stride_one_conv_of_the_spread_input(
    size: int, stride: int, kernel: int
) -> None:
    spread = (size - 1) * stride + 1 + 2 * (kernel - 1)
    out = (size - 1) * stride + kernel
    assert conv_output_size(spread, kernel) == out
    title = transposed_conv(size, stride, kernel).axes[0].get_title()
    assert title == f"out $=(n-1)s+k=({size}-1)\\cdot{stride}+{kernel}={out}$"


def test_bilinear_weights_are_written_and_sum_to_the_value() -> None:
    shown = texts(bilinear_interpolation(0.3, 0.6))
    for line in ("$(1-x)(1-y)=0.28$", "$x(1-y)=0.12$", "$(1-x)y=0.42$", "$xy=0.18$"):
        assert line in shown
    assert "$f=\\sum w\\,f=26.8$" in shown  # 10 * 0.28 + 20 * 0.12 + 30 * 0.42 + 50 * 0.18
    assert "$(x, y)=(0.3, 0.6)$" in shown
