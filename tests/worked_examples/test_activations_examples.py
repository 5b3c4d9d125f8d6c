"""worked_examples/activations.py: softmax-stable, sigmoid-chain and tanh-sigmoid-identity,
hand-checked, and cross-checked against PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table

from dlmath.activations import sigmoid_chain_bound
from worked_examples.activations import sigmoid_chain_gradient, tanh_and_sigmoid_form


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("softmax-stable", {"logits": [1.0]}, "logits"),
        ("sigmoid-chain", {"layers": 0}, "layers"),
        ("tanh-sigmoid-identity", {"points": [1e9]}, "points"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- softmax-stable --------------------------------------------------------------------------


def test_softmax_stable_hand_checked(recipes: DeckRecipes) -> None:
    # e^1000 > float64 max (about e^709.78): inf, and inf/inf = NaN. Shifted by m = 1002:
    # e^-2, e^-1, e^0 = 0.1353, 0.3679, 1; S = 1.503; p = 0.09003, 0.2447, 0.6652.
    example = recipes.example("softmax-stable")
    overflow = step(example, "overflow")
    assert "709.78" in overflow.label and overflow.result.count("\\infty") == 3
    assert step(example, "naive probabilities").result.count("\\text{NaN}") == 3
    assert result(example, "max logit") == 1002
    assert result(example, "sum of exponentials") == 1.503
    assert column(table(example), "$e^{z_i-m}$") == [0.1353, 0.3679, 1]
    assert column(table(example), "$p_i$") == [0.09003, 0.2447, 0.6652]


def test_softmax_stable_says_when_naive_softmax_underflows_or_works(
    recipes: DeckRecipes,
) -> None:
    underflow = recipes.example("softmax-stable", logits=[-1000.0, -1001.0])
    assert numbers(step(underflow, "underflow").result) == [0, 0]
    fine = recipes.example("softmax-stable", logits=[1.0, 2.0])
    assert numbers(step(fine, "no overflow").result) == [2.718, 7.389]


# --- sigmoid-chain ---------------------------------------------------------------------------


def test_sigmoid_chain_hand_checked(recipes: DeckRecipes) -> None:
    # sigma'(0) = 0.5 * 0.5 = 0.25; after 10 layers 0.25^10 = 1/1048576 = 9.537e-7.
    # w = 1, b = -0.5 from x_0 = 0.5: every pre-activation is 0, so the bound is attained.
    assert sigmoid_chain_gradient(10, 0.5, 1.0, -0.5) == pytest.approx(0.25**10)
    example = recipes.example("sigmoid-chain")
    assert result(example, "(derivative)") == 0.25
    bounds = column(table(example), "$0.25^n$")
    assert len(bounds) == 10 and bounds[:3] == [0.25, 0.0625, 0.01562]
    assert bounds[-1] == result(example, "after 10 layers") == 9.537e-7
    assert result(example, "(attained)") == 9.537e-7


@pytest.mark.parametrize(
    ("layers", "x0", "weight", "bias"),
    [(10, 0.5, 1.0, -0.5), (3, 0.2, 0.8, 0.1), (6, -1.0, 1.0, 0)],
)
def test_sigmoid_chain_matches_pytorch_autograd(
    layers: int, x0: float, weight: float, bias: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check sigmoid chains")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    a = x
    for _ in range(layers):
        a = torch.sigmoid(weight * a + bias)
    a.backward()
    assert x.grad is not None
    gradient = float(x.grad)
    assert sigmoid_chain_gradient(layers, x0, weight, bias) == pytest.approx(gradient, rel=1e-12)
    assert abs(gradient) <= sigmoid_chain_bound(layers)[-1] * abs(weight) ** layers * (1 + 1e-12)


# --- tanh-sigmoid-identity -------------------------------------------------------------------


def test_tanh_sigmoid_identity_hand_checked(recipes: DeckRecipes) -> None:
    # x = 1: tanh 1 = 0.7616; sigma(2) = 1/(1 + e^-2) = 0.8808; 2*0.8808 - 1 = 0.7616.
    tanh, s2, rescaled = tanh_and_sigmoid_form([1.0])
    assert s2[0] == pytest.approx(1 / (1 + math.exp(-2)))
    assert rescaled[0] == pytest.approx(tanh[0], abs=1e-15)
    example = recipes.example("tanh-sigmoid-identity")
    at_one = step(example, "(example)")
    assert numbers(at_one.substituted) == [2, 0.8808, 1]
    assert numbers(at_one.result) == [0.7616, 1]  # 0.7616 = tanh 1
    assert row(table(example), 1) == [0.7616, 0.7616]


@pytest.mark.parametrize("points", [[-2.0, -0.5, 0.0, 1.0, 3.0], [-30.0, 0.01, 7.0], [0.3]])
def test_tanh_sigmoid_identity_matches_pytorch(points: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check tanh and sigmoid")
    x = torch.tensor(points, dtype=torch.float64)
    tanh, s2, rescaled = tanh_and_sigmoid_form(points)
    np.testing.assert_allclose(tanh, torch.tanh(x).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(s2, torch.sigmoid(2 * x).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(rescaled, torch.tanh(x).numpy(), rtol=0, atol=4e-16)
