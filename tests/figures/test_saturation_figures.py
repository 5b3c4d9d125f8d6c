"""figures/saturation.py: the layer count is refused outside 2..MAX_LAYERS; the figure marks
σ'(0) = 1/4 and writes the bound 0.25^n it plots, as `num` writes it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DeckRecipes

from figures._style import MAX_LAYERS
from figures.saturation import sigmoid_saturation


@pytest.mark.parametrize("layers", [1, MAX_LAYERS + 1])
def test_layer_count_outside_its_range_is_refused(recipes: DeckRecipes, layers: int) -> None:
    assert recipes.refused("figure", "sigmoid-saturation", layers=layers) == "layers"


def test_marks_the_peak_and_writes_the_bound() -> None:
    left, right = sigmoid_saturation(10).axes
    assert [text.get_text() for text in left.texts] == ["max 0.25"]
    assert [text.get_text() for text in right.texts] == [
        "$0.25^{10}$\n$\\approx 9.5 \\times 10^{-7}$"  # 0.25^10 = 9.54e-7
    ]
    bound = right.get_lines()[-1]
    assert np.asarray(bound.get_xdata()).tolist() == list(range(1, 11))
    assert np.asarray(bound.get_ydata())[-1] == pytest.approx(0.25**10)


def test_a_short_chain_writes_its_bound_in_decimals() -> None:
    _, right = sigmoid_saturation(3).axes
    assert right.texts[0].get_text() == "$0.25^{3}$\n$\\approx 0.016$"  # 0.015625
