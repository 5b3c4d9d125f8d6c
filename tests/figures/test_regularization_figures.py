"""figures/regularization.py: the figure takes no parameters; the constrained optima it marks
are computed, the L1 one on a corner of the diamond, and labelled as `num` writes them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DeckRecipes

from figures.regularization import CURVATURE, W_STAR, constrained_optimum, l1_vs_l2


def test_takes_no_parameters(recipes: DeckRecipes) -> None:
    assert recipes.refused("figure", "l1-vs-l2", radius=2.0) == "radius"


def test_l1_optimum_is_a_corner_and_l2_is_not() -> None:
    l1 = constrained_optimum(1)
    l2 = constrained_optimum(2)
    assert l1.tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert np.all(np.abs(l2) > 0.3) and np.linalg.norm(l2) == pytest.approx(1.0)
    # KKT on the circle: the loss gradient 2 A (w - w*) points straight at the origin.
    gradient = 2 * CURVATURE @ (l2 - W_STAR)
    cosine = gradient @ l2 / np.linalg.norm(gradient)
    assert cosine == pytest.approx(-1.0, abs=1e-6)


def test_optima_are_labelled_with_their_coordinates() -> None:
    l1_axes, l2_axes = l1_vs_l2().axes
    x, y = constrained_optimum(2)
    assert "(0, 1)" in [text.get_text() for text in l1_axes.texts]  # no 6e-17 for the 0
    assert f"({x:.2f}, {y:.2f})" in [text.get_text() for text in l2_axes.texts]
    assert [axes.get_title() for axes in (l1_axes, l2_axes)] == [
        "L1: $\\|w\\|_1 \\leq 1$",
        "L2: $\\|w\\|_2 \\leq 1$",
    ]
