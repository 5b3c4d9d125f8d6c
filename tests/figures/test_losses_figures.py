"""figures/losses.py: out-of-range parameters are refused by name; smooth L1's gradient is
bounded like MAE's, focal loss draws one curve per gamma, and cross-entropy keeps pushing
where squared error's gradient vanishes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from matplotlib.lines import Line2D

from figures._style import COLORS
from figures.losses import ce_vs_mse_gradient, focal_loss_figure, regression_losses


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("regression-losses", {"delta": 0.0}, "delta"),
        ("regression-losses", {"delta": 3.5}, "delta"),
        ("focal-loss", {"gammas": []}, "gammas"),
        ("focal-loss", {"gammas": [1.0] * (len(COLORS) + 1)}, "gammas"),
        ("focal-loss", {"gammas": [-1.0]}, "gammas"),
        ("focal-loss", {"gammas": [2.0, 11.0]}, "gammas"),
        ("ce-vs-mse-gradient", {"z": 1.0}, "z"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


def curves(lines: list[Line2D]) -> dict[str, np.ndarray]:
    """The labelled lines' data by label (not style_axes's zero lines, labelled _child...)."""
    labelled = [line for line in lines if not str(line.get_label()).startswith("_")]
    return {str(line.get_label()): np.asarray(line.get_ydata()) for line in labelled}


def test_smooth_l1_gradient_is_bounded_like_mae() -> None:
    loss_axes, gradient_axes = regression_losses(delta=0.5).axes
    assert list(curves(loss_axes.get_lines())) == ["MAE", "MSE", "smooth L1 (β=0.5)"]
    mae, mse, smooth = [np.nan_to_num(line.get_ydata()) for line in gradient_axes.get_lines()[2:5]]
    assert np.abs(smooth).max() == pytest.approx(1.0)
    assert np.abs(mse).max() == pytest.approx(6.0)  # 2x at x = 3
    assert np.abs(mae).max() == 1.0


def test_focal_loss_draws_one_curve_per_gamma() -> None:
    axes = focal_loss_figure([0.0, 2.0]).axes[0]
    drawn = curves(axes.get_lines())
    assert list(drawn) == ["γ=0 (CE)", "γ=2"]
    # At p_t = 1 every loss is 0; gamma = 2 stays below cross-entropy everywhere else.
    assert drawn["γ=2"][-1] == 0.0
    assert np.all(drawn["γ=2"][:-1] < drawn["γ=0 (CE)"][:-1])


def test_cross_entropy_keeps_pushing_when_confidently_wrong() -> None:
    drawn = curves(ce_vs_mse_gradient().axes[0].get_lines())
    cross_entropy, squared = drawn["CE: a − y"], drawn["MSE: (a − y)a(1 − a)"]
    assert cross_entropy[0] == pytest.approx(-1.0, abs=1e-3)  # z = -8
    assert abs(squared[0]) < 1e-3
