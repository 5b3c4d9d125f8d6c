"""worked_examples/optimizers.py: sgd-momentum-nag, adagrad-rmsprop and adam-steps,
hand-checked (the update rules themselves are checked by hand and against torch.optim in
tests/dlmath/test_optimizers_math.py)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import numbers, result, row, step, table


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("sgd-momentum-nag", {"momentum": 1.0}, "momentum"),
        ("sgd-momentum-nag", {"steps": 1}, "steps"),
        ("sgd-momentum-nag", {"curvature": 0.0}, "curvature"),
        ("sgd-momentum-nag", {"start": 0.0}, "start"),
        ("adagrad-rmsprop", {"gradient": 0.0}, "gradient"),
        ("adagrad-rmsprop", {"rho": 1.0}, "rho"),
        ("adagrad-rmsprop", {"steps": 10, "at": [11]}, "at"),
        ("adagrad-rmsprop", {"steps": 0}, "steps"),
        ("adam-steps", {"beta1": 1.0}, "beta1"),
        ("adam-steps", {"beta2": -0.1}, "beta2"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- sgd-momentum-nag ----------------------------------------------------------------------


def test_sgd_momentum_nag_hand_checked(recipes: DeckRecipes) -> None:
    # f = theta^2/2, lr 0.1, mu 0.9, theta0 = 1; v_t = mu v - lr grad(p), theta += v.
    # Momentum: v1 = -0.1, th1 = 0.9; v2 = -0.09 - 0.09 = -0.18, th2 = 0.72;
    #           v3 = -0.162 - 0.072 = -0.234, th3 = 0.486.
    # NAG: v1 = -0.1, th1 = 0.9; p2 = 0.9 - 0.09 = 0.81, v2 = -0.09 - 0.081 = -0.171, th2 = 0.729;
    #      p3 = 0.729 - 0.1539 = 0.5751, v3 = -0.1539 - 0.05751 = -0.21141, th3 = 0.51759.
    # In the same variable NAG is behind after 3 steps; its overshoot is smaller later.
    example = recipes.example("sgd-momentum-nag")
    momentum = step(example, "Momentum 速度")
    assert numbers(momentum.substituted) == [0.9, -0.1, 0.1, 0.9]
    assert numbers(momentum.result) == [-0.18]
    assert result(example, "(look-ahead point)") == 0.81
    nesterov = step(example, "NAG 速度")
    assert numbers(nesterov.substituted) == [0.9, -0.1, 0.1, 0.81]
    assert numbers(nesterov.result) == [-0.171]
    paths = table(example)
    assert row(paths, 3) == [0.486, 0.5176]
    momentum_20, nag_20 = row(paths, 20)
    assert abs(nag_20) < abs(momentum_20)
    assert numbers(step(example, "Momentum 第一次过冲").result) == [9, -0.6037]  # theta_9
    assert numbers(step(example, "NAG 第一次过冲").result) == [9, -0.3546]


# --- adagrad-rmsprop -----------------------------------------------------------------------


def test_adagrad_rmsprop_hand_checked(recipes: DeckRecipes) -> None:
    # Constant g = 1, lr 0.1: AdaGrad G_t = t, step 0.1/sqrt(t): 0.1, 0.07071, ..., 0.01 at t=100.
    # RMSProp rho 0.9: E_t = 1 - 0.9^t, step 0.1/sqrt(1 - 0.9^t): 0.1/sqrt(0.1) = 0.3162 at t=1
    # (zero start, no bias correction), 0.1/sqrt(0.19) = 0.2294 at t=2, -> 0.1.
    example = recipes.example("adagrad-rmsprop")
    adagrad = step(example, "AdaGrad 步长")
    assert numbers(adagrad.substituted) == [0.1, 1, 100] and numbers(adagrad.result) == [0.01]
    steps = table(example)
    assert row(steps, 1) == [0.1, 0.3162]
    assert row(steps, 100) == [0.01, 0.1]


# --- adam-steps ----------------------------------------------------------------------------


def test_adam_hand_checked(recipes: DeckRecipes) -> None:
    # g1 = 0.5: m1 = 0.1*0.5 = 0.05, v1 = 0.001*0.25 = 0.00025,
    # m_hat = 0.05/0.1 = 0.5, v_hat = 0.00025/0.001 = 0.25, step = 0.001*0.5/(0.5 + 1e-8) = 0.001.
    # Without correction: 0.001*0.05/sqrt(0.00025) = 0.001*0.05/0.015811 = 0.0031623 = 3.162 lr.
    example = recipes.example("adam-steps")
    assert result(example, "(second moment)") == 0.00025
    corrected = step(example, "\\hat v_1 =")
    assert numbers(corrected.substituted) == [0.00025, 0.001]
    assert numbers(corrected.result) == [0.25]
    # The first step is 3.162 eta without the correction, 1 eta with it.
    assert numbers(step(example, "without correction").result) == [0.003162, 3.162]
    assert numbers(step(example, "with correction").result) == [0.001, 1]
