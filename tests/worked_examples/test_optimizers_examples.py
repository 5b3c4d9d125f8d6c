"""worked_examples/optimizers.py: sgd-momentum-nag, adagrad-rmsprop and adam-steps,
hand-checked (the update rules themselves are checked against torch.optim in
tests/dlmath/test_optimizers_math.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import numbers, result, row, step, table

from dlmath.optimizers import (
    MomentumPath,
    adam,
    adam_first_step_uncorrected,
    given_gradients,
    sutskever_momentum,
)
from worked_examples.optimizers import constant_gradient_steps, first_overshoot


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


def momentum_path(
    nesterov: bool, lr: float, mu: float, start: float, curvature: float, steps: int
) -> MomentumPath:
    """Sutskever's momentum on f = curvature theta^2 / 2, as the worked example runs it."""
    return sutskever_momentum(
        lambda p, _t: curvature * p, np.asarray(start), lr, mu, steps, nesterov
    )


def test_sgd_momentum_nag_hand_checked(recipes: DeckRecipes) -> None:
    # f = theta^2/2, lr 0.1, mu 0.9, theta0 = 1; v_t = mu v - lr grad(p), theta += v.
    # Momentum: v1 = -0.1, th1 = 0.9; v2 = -0.09 - 0.09 = -0.18, th2 = 0.72;
    #           v3 = -0.162 - 0.072 = -0.234, th3 = 0.486.
    # NAG: v1 = -0.1, th1 = 0.9; p2 = 0.9 - 0.09 = 0.81, v2 = -0.09 - 0.081 = -0.171, th2 = 0.729;
    #      p3 = 0.729 - 0.1539 = 0.5751, v3 = -0.1539 - 0.05751 = -0.21141, th3 = 0.51759.
    # In the same variable NAG is behind after 3 steps; its overshoot is smaller later.
    mom = momentum_path(False, 0.1, 0.9, 1.0, 1.0, 20)
    nag = momentum_path(True, 0.1, 0.9, 1.0, 1.0, 20)
    assert mom.thetas[:3] == pytest.approx([0.9, 0.72, 0.486])
    assert mom.velocities[:3] == pytest.approx([-0.1, -0.18, -0.234])
    assert nag.points[:3] == pytest.approx([1.0, 0.81, 0.5751])
    assert nag.thetas[:3] == pytest.approx([0.9, 0.729, 0.51759])
    assert abs(nag.thetas[2]) > abs(mom.thetas[2])
    t_mom, mom_over = first_overshoot(mom.thetas.tolist(), 1.0)
    t_nag, nag_over = first_overshoot(nag.thetas.tolist(), 1.0)
    assert (t_mom, t_nag) == (9, 9)
    assert mom_over == pytest.approx(-0.6037, abs=1e-4)
    assert nag_over == pytest.approx(-0.3546, abs=1e-4)
    assert abs(nag.thetas[19]) < abs(mom.thetas[19])
    example = recipes.example("sgd-momentum-nag")
    momentum = step(example, "Momentum 速度")
    assert numbers(momentum.substituted) == [0.9, -0.1, 0.1, 0.9]
    assert numbers(momentum.result) == [-0.18]
    assert result(example, "(look-ahead point)") == 0.81
    nesterov = step(example, "NAG 速度")
    assert numbers(nesterov.substituted) == [0.9, -0.1, 0.1, 0.81]
    assert numbers(nesterov.result) == [-0.171]
    assert row(table(example), 3) == [0.486, 0.5176]
    assert numbers(step(example, "Momentum 第一次过冲").result) == [9, -0.6037]  # theta_9
    assert numbers(step(example, "NAG 第一次过冲").result) == [9, -0.3546]


# --- adagrad-rmsprop -----------------------------------------------------------------------


def test_adagrad_rmsprop_hand_checked(recipes: DeckRecipes) -> None:
    # Constant g = 1, lr 0.1: AdaGrad G_t = t, step 0.1/sqrt(t): 0.1, 0.07071, ..., 0.01 at t=100.
    # RMSProp rho 0.9: E_t = 1 - 0.9^t, step 0.1/sqrt(1 - 0.9^t): 0.1/sqrt(0.1) = 0.3162 at t=1
    # (zero start, no bias correction), 0.1/sqrt(0.19) = 0.2294 at t=2, -> 0.1.
    ada, rms = constant_gradient_steps(1.0, 0.1, 0.9, 1e-8, 100)
    assert ada.second[:3] == pytest.approx([1.0, 2.0, 3.0])
    assert ada.updates[0] == pytest.approx(0.1) and ada.updates[99] == pytest.approx(0.01)
    assert rms.updates[0] == pytest.approx(0.31623, abs=1e-5)
    assert rms.updates[1] == pytest.approx(0.22942, abs=1e-5)
    assert rms.updates[99] == pytest.approx(0.1, rel=1e-4)
    # AdaGrad keeps shrinking like 1/sqrt(t); RMSProp's step settles.
    assert ada.updates[99] / ada.updates[24] == pytest.approx(0.5, rel=1e-6)
    assert rms.updates[99] / rms.updates[49] == pytest.approx(1.0, abs=3e-3)
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
    run = adam(given_gradients([0.5, 0.5, 0.5]), np.zeros(()), 0.001, 3, (0.9, 0.999), 1e-8)
    moments = (run.trace.first[0], run.trace.second[0], run.m_hat[0], run.v_hat[0])
    assert moments == pytest.approx((0.05, 2.5e-4, 0.5, 0.25))
    assert run.trace.updates[0] == pytest.approx(0.001, rel=1e-7)
    assert adam_first_step_uncorrected(0.5, 0.001, 0.9, 0.999, 1e-8) == pytest.approx(
        0.0031623, abs=1e-7
    )
    example = recipes.example("adam-steps")
    assert result(example, "(second moment)") == 0.00025
    corrected = step(example, "\\hat v_1 =")
    assert numbers(corrected.substituted) == [0.00025, 0.001]
    assert numbers(corrected.result) == [0.25]
    # The first step is 3.162 eta without the correction, 1 eta with it.
    assert numbers(step(example, "without correction").result) == [0.003162, 3.162]
    assert numbers(step(example, "with correction").result) == [0.001, 1]
