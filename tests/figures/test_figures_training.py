"""The computations behind the training figures, checked by hand and against PyTorch (the
saturation, softmax and loss figures compute through dlmath, tested in tests/dlmath); every
figure here refuses out-of-range parameters by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from dlmath.initialization import init_std
from figures.training import (
    NETWORK,
    activation_stds,
    dropped_units,
    learning_curve_models,
)

load_recipe_folders([REPO / "figures"])


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("sigmoid-saturation", {"layers": 1}, "layers"),
        ("sigmoid-saturation", {"layers": 41}, "layers"),
        ("softmax-temperature", {"logits": [1.0]}, "logits"),
        ("softmax-temperature", {"temperatures": [0.0]}, "temperatures"),
        ("softmax-temperature", {"temperatures": []}, "temperatures"),
        ("regression-losses", {"delta": 0.0}, "delta"),
        ("regression-losses", {"delta": -1.0}, "delta"),
        ("focal-loss", {"gammas": [-1.0]}, "gammas"),
        ("focal-loss", {"gammas": []}, "gammas"),
        ("init-activation-stats", {"layers": 0}, "layers"),
        ("init-activation-stats", {"activation": "sigmoid"}, "activation"),
        ("dropout-network", {"p": 1.0}, "p"),
        ("dropout-network", {"p": -0.1}, "p"),
        ("dropout-network", {"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    name: str, params: dict[str, Any], refused: str
) -> None:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    with pytest.raises(RecipeError) as error:
        recipe.call(params)
    assert error.value.parameter == refused


def test_init_std_hand_checked() -> None:
    # Xavier: sqrt(2 / (256 + 512)) = sqrt(1/384) = 0.05103; He: sqrt(2 / 256) = 0.08839.
    assert init_std("xavier", 256, 512) == pytest.approx(0.0510310, rel=1e-5)
    assert init_std("he", 256, 512) == pytest.approx(0.0883883, rel=1e-5)
    assert init_std("small", 256, 512) == 0.01


def test_init_std_matches_torch_nn_init() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check nn.init")
    torch.manual_seed(0)
    for fan_in, fan_out in ((256, 256), (128, 512), (1024, 64)):
        weight = torch.empty(fan_out, fan_in, dtype=torch.float64)  # Linear: (out, in)
        torch.nn.init.xavier_normal_(weight)
        assert weight.std().item() == pytest.approx(init_std("xavier", fan_in, fan_out), rel=0.02)
        torch.nn.init.kaiming_normal_(weight)
        assert weight.std().item() == pytest.approx(init_std("he", fan_in, fan_out), rel=0.02)


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


def test_learning_curves_early_stop_is_inside_the_run() -> None:
    epochs = np.linspace(0.0, 100.0, 201)
    train, validation = learning_curve_models(epochs)["overfit"]
    best = int(np.argmin(validation))
    assert 0 < best < epochs.size - 1 and validation[-1] > validation[best]
    assert np.all(np.diff(train) < 0)  # training loss keeps falling while validation rises


def test_dropout_masks() -> None:
    assert [mask.size for mask in dropped_units(0.5, 3)] == list(NETWORK[1:-1])
    assert not any(mask.any() for mask in dropped_units(0.0, 3))
    first, second = dropped_units(0.5, 3), dropped_units(0.5, 3)
    assert all((a == b).all() for a, b in zip(first, second, strict=True))
