"""worked_examples/modern_activations.py: gelu-silu-values and selu-self-normalizing,
hand-checked."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table

from worked_examples.modern_activations import (
    deep_activation_stats,
    minimum,
    selu_moments_of_standard_normal,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("gelu-silu-values", {"points": []}, "points"),
        ("selu-self-normalizing", {"layers": 0}, "layers"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- gelu-silu-values ------------------------------------------------------------------------


def test_silu_minimum() -> None:
    # SiLU's minimum solves 1 + x(1 - σ(x)) = 0: x ≈ -1.2785, value ≈ -0.2785.
    assert minimum("silu") == pytest.approx((-1.2785, -0.2785), abs=1e-3)


def test_gelu_silu_values_hand_checked(recipes: DeckRecipes) -> None:
    # GELU(1) = Φ(1) = 0.8413, GELU(-1) = -Φ(-1) = -0.1587; SiLU(-1) = -1/(1 + e) = -0.2689,
    # SiLU(1) = 1/(1 + e^-1) = 0.7311; SiLU's minimum -0.278 at x = -1.28.
    example = recipes.example("gelu-silu-values")
    values = table(example, "ReLU")
    assert row(values, -1) == [0, -0.1587, -0.2689]
    assert row(values, 1) == [1, 0.8413, 0.7311]
    assert -1 / (1 + math.e) == pytest.approx(-0.2689, abs=5e-5)
    approximation = table(example, "tanh 近似")
    exact, tanh_form = column(approximation, "GELU"), column(approximation, "tanh 近似")
    assert len(exact) == 5 and max(abs(a - b) for a, b in zip(exact, tanh_form, strict=True)) < 5e-4
    silu_min = step(example, "SiLU 的最小值")
    assert numbers(silu_min.substituted) == [-1.28] and numbers(silu_min.result) == [-0.278]
    assert result(example, "GELU 的最小值") == -0.17


# --- selu-self-normalizing -------------------------------------------------------------------


def test_selu_self_normalizing_hand_checked(recipes: DeckRecipes) -> None:
    # N(0, 1) is the fixed point: E[selu(z)] = 0 and E[selu(z)^2] = 1 (Klambauer et al.).
    mean, second = selu_moments_of_standard_normal()
    assert abs(mean) < 1e-6 and second == pytest.approx(1.0, abs=1e-6)
    selu_stats = deep_activation_stats("selu", 32, 256, 512, 0)
    relu_stats = deep_activation_stats("relu", 32, 256, 512, 0)
    assert all(abs(m) < 0.05 and 0.9 < v < 1.1 for m, v in selu_stats)
    assert relu_stats[-1][1] < 1e-6  # ReLU with variance 1/n weights fades away
    example = recipes.example("selu-self-normalizing")
    assert numbers(example.title) == [1.0507, 1.6733]  # lambda and alpha
    assert result(example, "(mean)") == 0
    assert result(example, "(second moment)") == 1
    layers = table(example)
    assert all(0.9 < v < 1.1 for v in column(layers, "SELU 方差"))
    assert column(layers, "ReLU 方差")[-1] < 1e-6
