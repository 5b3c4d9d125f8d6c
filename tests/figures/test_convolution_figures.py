"""figures/convolution.py: bad parameters are refused by name, the drawings stay small at
their limits, and the numbers they print are dlmath's (tested in tests/dlmath)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from matplotlib.text import Text

from figures._style import MAX_SVG_BYTES
from figures.convolution import (
    conv_output_grid,
    depthwise_separable,
    receptive_field_growth,
    two_3x3_vs_5x5,
)


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("dilated-kernel", {"rates": []}, "rates"),
        ("dilated-kernel", {"rates": [1, 2, 3, 4, 5]}, "rates"),
        ("dilated-kernel", {"rates": [0, 2]}, "rates"),
        ("dilated-kernel", {"rates": [6]}, "rates"),
        ("receptive-field-growth", {"layers": 0}, "layers"),
        ("receptive-field-growth", {"layers": 11}, "layers"),
        ("conv-output-grid", {"size": 11}, "size"),
        ("conv-output-grid", {"kernel": 8}, "kernel"),
        ("conv-output-grid", {"stride": 0}, "stride"),
        ("conv-output-grid", {"padding": 4}, "padding"),
        ("conv-output-grid", {"size": 2, "kernel": 5, "padding": 0}, "kernel"),
        ("depthwise-separable", {"channels_in": 0}, "channels_in"),
        ("depthwise-separable", {"channels_out": 65}, "channels_out"),
        ("depthwise-separable", {"kernel": 12}, "kernel"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("dilated-kernel", {"rates": [1, 5, 2, 4]}),
        ("receptive-field-growth", {"layers": 10}),
        ("conv-output-grid", {"size": 10, "kernel": 7, "stride": 1, "padding": 3}),
        ("conv-output-grid", {"size": 1, "kernel": 3, "padding": 1}),
        ("depthwise-separable", {"channels_in": 64, "channels_out": 64, "kernel": 11}),
    ],
)
def test_figures_at_their_limits_stay_small(
    recipes: DeckRecipes, name: str, params: dict[str, Any]
) -> None:
    assert len(recipes.figure(name, **params).svg) <= MAX_SVG_BYTES


def test_receptive_field_growth_labels_every_layer() -> None:
    axes = receptive_field_growth(4).axes[0]
    labels = [text.get_text() for text in axes.texts]
    # Stride 2 first: 3, then +2*2 per layer; all stride 1: 3, then +2 per layer.
    assert labels == ["3", "7", "11", "15", "3", "5", "7", "9"]


def test_conv_output_grid_names_the_output_size() -> None:
    axes = conv_output_grid(size=5, kernel=3, stride=2, padding=1).axes[0]
    assert "output 3×3" in [text.get_text() for text in axes.texts]
    assert axes.get_title() == "$\\lfloor(5+2\\cdot1-3)/2\\rfloor+1=3$"


def test_depthwise_separable_counts_and_groups_large_counts() -> None:
    texts = [text.get_text() for text in depthwise_separable(3, 4, 3).findobj(Text)]
    assert "separable $27+12=39$ = 36% of 108" in texts
    # 64 * 11^2 * 64 = 495,616: thousands grouped by a thin space, as `num` writes them.
    large = [text.get_text() for text in depthwise_separable(64, 64, 11).findobj(Text)]
    assert "$64\\cdot11^2\\cdot64=495\\,616$" in large


def test_two_3x3_see_5x5_with_fewer_weights() -> None:
    title = two_3x3_vs_5x5().axes[0].get_title()
    assert title == "two 3×3 see $5\\times5$\nweights: $2\\cdot3^2=18$ vs $5^2=25$"
