"""figures/training.py: out-of-range parameters are refused by name; the activation
statistics, learning curves and dropout masks behave as the cards say (the initialisation
scales are dlmath.initialization's, checked in tests/dlmath/test_initialization_math.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes

from figures._style import MAX_LAYERS
from figures.training import (
    NETWORK,
    activation_stds,
    dropout_network,
    dropped_units,
    init_activation_stats,
    learning_curve_models,
    learning_curves,
)


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("init-activation-stats", {"layers": 1}, "layers"),
        ("init-activation-stats", {"layers": MAX_LAYERS + 1}, "layers"),
        ("init-activation-stats", {"activation": "sigmoid"}, "activation"),
        ("dropout-network", {"p": 1.0}, "p"),
        ("dropout-network", {"p": -0.1}, "p"),
        ("dropout-network", {"seed": -1}, "seed"),
        ("learning-curves", {"epochs": 50}, "epochs"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


def test_activation_stats_show_the_known_behaviour() -> None:
    # Small init shrinks tanh signals by about 0.01 * sqrt(256) = 0.16 per layer.
    assert activation_stds("tanh", 10, "small")[-1] < 1e-6
    assert activation_stds("tanh", 10, "xavier")[-1] > 0.1
    he_relu = activation_stds("relu", 10, "he")
    assert he_relu.max() / he_relu.min() < 2
    # Xavier halves the ReLU variance per layer: std x 1/sqrt(2) each time.
    xavier_relu = activation_stds("relu", 10, "xavier")
    assert xavier_relu[-1] / xavier_relu[0] == pytest.approx(2 ** (-9 / 2), rel=0.3)
    np.testing.assert_array_equal(he_relu, activation_stds("relu", 10, "he"))


def test_activation_stats_draw_one_curve_per_scheme() -> None:
    axes = init_activation_stats("relu", 12).axes[0]
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == ["N(0, 0.01²)", "Xavier", "He"]
    assert axes.get_title() == "relu, width 256"
    assert axes.get_yscale() == "log"
    assert [np.size(line.get_xdata()) for line in axes.get_lines()[2:]] == [12, 12, 12]


def test_learning_curves_early_stop_is_inside_the_run() -> None:
    epochs = np.linspace(0.0, 100.0, 201)
    train, validation = learning_curve_models(epochs)["overfit"]
    best = int(np.argmin(validation))
    assert 0 < best < epochs.size - 1 and validation[-1] > validation[best]
    assert np.all(np.diff(train) < 0)  # training loss keeps falling while validation rises


def test_learning_curves_mark_early_stopping_in_the_overfit_panel() -> None:
    panels = learning_curves().axes
    assert [axes.get_title() for axes in panels] == ["underfit", "good fit", "overfit"]
    assert [text.get_text() for axes in panels for text in axes.texts] == ["early\nstop"]


def test_dropout_masks() -> None:
    assert [mask.size for mask in dropped_units(0.5, 3)] == list(NETWORK[1:-1])
    assert not any(mask.any() for mask in dropped_units(0.0, 3))
    first, second = dropped_units(0.5, 3), dropped_units(0.5, 3)
    assert all((a == b).all() for a, b in zip(first, second, strict=True))


def test_dropout_network_crosses_out_the_dropped_units() -> None:
    full, thinned = dropout_network(0.5, 3).axes
    assert thinned.get_title() == "dropout p=0.5"
    dropped = sum(int(mask.sum()) for mask in dropped_units(0.5, 3))
    crosses = [line for line in thinned.get_lines() if line.get_marker() == "x"]
    assert sum(np.size(line.get_xdata()) for line in crosses) == dropped > 0
    none_dropped = [
        np.size(line.get_xdata()) for line in full.get_lines() if line.get_marker() == "x"
    ]
    assert none_dropped == [0] * len(NETWORK)  # one empty set of crosses per layer
