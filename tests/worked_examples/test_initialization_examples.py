"""worked_examples/initialization.py: init-scale, he-vs-xavier-relu and torch-default-init,
hand-checked (the scales of dlmath.initialization are checked against torch.nn.init in
tests/dlmath/test_initialization_math.py), torch's default layers against the bound the
torch-default-init card derives, and the orthogonal_ claim of card init-orthogonal."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("init-scale", {"fan_in": 0}, "fan_in"),
        ("he-vs-xavier-relu", {"layers": 0}, "layers"),
        ("torch-default-init", {"fan_in": 0}, "fan_in"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- init-scale -----------------------------------------------------------------------------


def test_init_scale_hand_checked(recipes: DeckRecipes) -> None:
    # fan_in 256, fan_out 512: Xavier std sqrt(2/768) = 0.051031, bound sqrt(6/768) = 0.088388;
    # He std sqrt(2/256) = 0.088388, bound sqrt(6/256) = 0.153093; Linear default 1/16 = 0.0625.
    example = recipes.example("init-scale")
    xavier = step(example, "(Xavier normal std)")
    assert numbers(xavier.substituted) == [2, 256, 512] and numbers(xavier.result) == [0.05103]
    assert result(example, "(He uniform bound)") == 0.1531
    assert result(example, "(default init)") == 0.0625
    schemes = table(example)
    assert row(schemes, "Xavier") == [0.05103, 0.08839]
    assert row(schemes, "He (ReLU)") == [0.08839, 0.1531]


# --- he-vs-xavier-relu ----------------------------------------------------------------------


def test_he_vs_xavier_relu_hand_checked(recipes: DeckRecipes) -> None:
    # Square layers: Xavier Var(w) = 2/(2n) = 1/n, gain n (1/n) / 2 = 1/2 a layer; He gain 1.
    example = recipes.example("he-vs-xavier-relu")
    assert result(example, "Xavier：") == 0.5
    assert result(example, "He：") == 1
    layers = table(example)
    assert column(layers, "Xavier $E[a_l^2]$") == [0.5, 0.25, 0.03125, 0.0009766]
    assert column(layers, "He $E[a_l^2]$") == [1, 1, 1, 1]
    assert result(example, "第 10 层") == 0.0009766


# --- torch-default-init ---------------------------------------------------------------------


def test_torch_default_init_hand_checked(recipes: DeckRecipes) -> None:
    # gain sqrt(2/6) = 0.5774; bound 0.5774 sqrt(3/256) = 1/16 = 0.0625; std 0.0625/sqrt3 = 0.03608.
    example = recipes.example("torch-default-init")
    assert result(example, "的增益") == 0.5774
    assert result(example, "(bound)") == 0.0625
    assert result(example, "(std)") == 0.03608
    assert result(example, "对比 He") == 0.08839


def test_torch_default_init_bound_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check its default init")
    torch.manual_seed(0)
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    assert gain * math.sqrt(3 / 256) == pytest.approx(1 / 16)
    for layer, fan_in in ((torch.nn.Linear(256, 512), 256), (torch.nn.Conv2d(16, 8, 3), 144)):
        bound = 1 / math.sqrt(fan_in)
        weight, bias = layer.weight.detach(), layer.bias.detach()
        assert float(bias.abs().max()) <= bound
        assert 0.97 * bound < float(weight.abs().max()) <= bound  # it fills the interval
        assert float(weight.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)


# --- orthogonal initialisation (card init-orthogonal: no recipe) ------------------------------


def test_orthogonal_init_keeps_lengths() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check orthogonal_")
    torch.manual_seed(0)
    w = torch.nn.init.orthogonal_(torch.empty(64, 64, dtype=torch.float64))
    np.testing.assert_allclose((w.T @ w).numpy(), np.eye(64), atol=1e-12)
    x = torch.randn(64, dtype=torch.float64)
    assert float((w @ x).norm()) == pytest.approx(float(x.norm()))
