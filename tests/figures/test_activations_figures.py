"""figures/activations.py: out-of-range parameters are refused by name; each curve is drawn
from dlmath with its label, and a derivative that jumps at 0 is drawn with a gap there."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from matplotlib.figure import Figure

from figures._style import COLORS
from figures.activations import Activation, activation, activation_family


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("activation", {"name": "swish"}, "name"),
        ("activation", {"name": "leaky_relu", "alpha": 0.0}, "alpha"),
        ("activation", {"name": "elu", "alpha": 1.5}, "alpha"),
        ("activation", {"x_range": 0.5}, "x_range"),
        ("activation", {"x_range": 21.0}, "x_range"),
        ("activation-family", {"names": []}, "names"),
        ("activation-family", {"names": ["relu"] * (len(COLORS) + 1)}, "names"),
        ("activation-family", {"names": ["relu", "swish"]}, "names"),
        ("activation-family", {"x_range": 0.0}, "x_range"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


def legend(fig: Figure) -> list[str]:
    box = fig.axes[0].get_legend()
    assert box is not None
    return [text.get_text() for text in box.get_texts()]


def test_activation_draws_the_function_and_its_derivative() -> None:
    assert legend(activation("sigmoid")) == ["sigmoid: f(x)", "f′(x)"]
    assert legend(activation("sigmoid", derivative=False)) == ["sigmoid: f(x)"]
    assert legend(activation("leaky_relu")) == ["Leaky ReLU (α=0.1): f(x)", "f′(x)"]
    assert legend(activation("elu")) == ["ELU (α=1): f(x)", "f′(x)"]


@pytest.mark.parametrize(("name", "gaps"), [("relu", 1), ("leaky_relu", 1), ("gelu", 0)])
def test_a_derivative_that_jumps_at_zero_has_a_gap_there(name: Activation, gaps: int) -> None:
    derivative = activation(name).axes[0].get_lines()[-1]
    x, slope = np.asarray(derivative.get_xdata()), np.asarray(derivative.get_ydata())
    assert np.isnan(slope).sum() == gaps
    assert np.all(x[np.isnan(slope)] == 0.0)


def test_family_draws_one_curve_per_name_in_its_own_colour() -> None:
    fig = activation_family(["relu", "gelu", "silu", "tanh"], x_range=3.0)
    assert legend(fig) == ["ReLU", "GELU", "SiLU", "tanh"]
    curves = [line for line in fig.axes[0].get_lines() if line.get_label() in legend(fig)]
    assert [line.get_color() for line in curves] == list(COLORS[:4])
    spans = [np.ptp(np.asarray(line.get_xdata())) for line in curves]
    assert spans == [6.0] * 4  # x from -x_range to x_range
