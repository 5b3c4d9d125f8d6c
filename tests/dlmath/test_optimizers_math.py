"""dlmath.optimizers: hand-checked steps, and every update rule against torch.optim."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from dlmath.optimizers import (
    Gradient,
    MomentumPath,
    adagrad,
    adam,
    adam_first_step_uncorrected,
    given_gradients,
    rmsprop,
    sgd,
    sutskever_momentum,
)

ZERO = np.zeros(())


def momentum_path(
    nesterov: bool, lr: float, mu: float, start: float, curvature: float, steps: int
) -> MomentumPath:
    """Sutskever's momentum on f = curvature theta^2 / 2."""
    return sutskever_momentum(
        lambda p, _t: curvature * p, np.asarray(start), lr, mu, steps, nesterov
    )


def test_sgd_hand_checked() -> None:
    # f = (x^2 + 10 y^2)/2, lr 0.18: x *= 1 - 0.18 = 0.82, y *= 1 - 1.8 = -0.8 per step.
    grad = lambda p, _t: np.array([p[0], 10 * p[1]])  # noqa: E731
    path = sgd(grad, np.array([-4.0, 2.0]), 0.18, 2).params
    assert np.allclose(path[1], [-3.28, -1.6])
    assert np.allclose(path[2], [-2.6896, 1.28])


def test_sutskever_momentum_hand_checked() -> None:
    # f = theta^2/2, lr 0.1, mu 0.9, theta0 = 1; v_t = mu v - lr grad(p), theta += v.
    # Momentum: v1 = -0.1, th1 = 0.9; v2 = -0.09 - 0.09 = -0.18, th2 = 0.72;
    #           v3 = -0.162 - 0.072 = -0.234, th3 = 0.486.
    # NAG: v1 = -0.1, th1 = 0.9; p2 = 0.9 - 0.09 = 0.81, v2 = -0.09 - 0.081 = -0.171, th2 = 0.729;
    #      p3 = 0.729 - 0.1539 = 0.5751, v3 = -0.1539 - 0.05751 = -0.21141, th3 = 0.51759.
    # In the same variable NAG is behind after 3 steps.
    mom = momentum_path(False, 0.1, 0.9, 1.0, 1.0, 3)
    nag = momentum_path(True, 0.1, 0.9, 1.0, 1.0, 3)
    assert mom.thetas[:3] == pytest.approx([0.9, 0.72, 0.486])
    assert mom.velocities[:3] == pytest.approx([-0.1, -0.18, -0.234])
    assert nag.points[:3] == pytest.approx([1.0, 0.81, 0.5751])
    assert nag.thetas[:3] == pytest.approx([0.9, 0.729, 0.51759])
    assert abs(nag.thetas[2]) > abs(mom.thetas[2])


def test_adagrad_rmsprop_hand_checked() -> None:
    # Constant g = 1, lr 0.1: AdaGrad G_t = t, step 0.1/sqrt(t): 0.1, 0.07071, ..., 0.01 at t=100.
    # RMSProp rho 0.9: E_t = 1 - 0.9^t, step 0.1/sqrt(1 - 0.9^t): 0.1/sqrt(0.1) = 0.3162 at t=1
    # (zero start, no bias correction), 0.1/sqrt(0.19) = 0.2294 at t=2, -> 0.1.
    ones = given_gradients([1.0] * 100)
    ada = adagrad(ones, ZERO, 0.1, 100, 1e-8)
    rms = rmsprop(ones, ZERO, 0.1, 100, 0.9, 1e-8)
    assert ada.second[:3] == pytest.approx([1.0, 2.0, 3.0])
    assert ada.updates[0] == pytest.approx(0.1) and ada.updates[99] == pytest.approx(0.01)
    assert rms.updates[0] == pytest.approx(0.31623, abs=1e-5)
    assert rms.updates[1] == pytest.approx(0.22942, abs=1e-5)
    assert rms.updates[99] == pytest.approx(0.1, rel=1e-4)
    # AdaGrad keeps shrinking like 1/sqrt(t); RMSProp's step settles.
    assert ada.updates[99] / ada.updates[24] == pytest.approx(0.5, rel=1e-6)
    assert rms.updates[99] / rms.updates[49] == pytest.approx(1.0, abs=3e-3)


def test_adam_hand_checked() -> None:
    # g1 = 0.5: m1 = 0.1*0.5 = 0.05, v1 = 0.001*0.25 = 0.00025,
    # m_hat = 0.05/0.1 = 0.5, v_hat = 0.00025/0.001 = 0.25, step = 0.001*0.5/(0.5 + 1e-8) = 0.001.
    run = adam(given_gradients([0.5, 0.5, 0.5]), ZERO, 0.001, 3, (0.9, 0.999), 1e-8)
    moments = (run.trace.first[0], run.trace.second[0], run.m_hat[0], run.v_hat[0])
    assert moments == pytest.approx((0.05, 2.5e-4, 0.5, 0.25))
    assert run.trace.updates[0] == pytest.approx(0.001, rel=1e-7)


def test_adam_first_step_uncorrected_hand_checked() -> None:
    # 0.001 * 0.05 / sqrt(0.00025) = 0.001 * 0.05 / 0.015811 = 0.0031623 = 3.162 lr.
    assert adam_first_step_uncorrected(0.5, 0.001, 0.9, 0.999, 1e-8) == pytest.approx(
        0.0031623, abs=1e-7
    )


def test_momentum_and_nag_match_torch_sgd_after_change_of_variables() -> None:
    # torch.optim.SGD keeps b_t = mu b_{t-1} + g_t with v_t = -lr b_t. Momentum's parameter is
    # theta itself; Nesterov's parameter is theta' = theta + mu v, the look-ahead point, so
    # theta = theta' - mu v = theta' + mu lr b.
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check torch.optim.SGD")
    for lr, mu, start, curvature, steps in [
        (0.1, 0.9, 1.0, 1.0, 20),
        (0.05, 0.5, -2.0, 4.0, 10),
        (0.3, 0.99, 0.7, 0.5, 40),
        (1.5, 0.2, 3.0, 1.0, 8),
    ]:
        for nesterov in (False, True):
            path = momentum_path(nesterov, lr, mu, start, curvature, steps)
            w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            optimizer = torch.optim.SGD([w], lr=lr, momentum=mu, nesterov=nesterov)
            for t in range(steps):
                optimizer.zero_grad()
                (0.5 * curvature * w**2).backward()
                optimizer.step()
                b = optimizer.state[w]["momentum_buffer"].item()
                assert -lr * b == pytest.approx(path.velocities[t], rel=1e-12, abs=1e-15)
                theta = w.item() + mu * lr * b if nesterov else w.item()
                assert theta == pytest.approx(path.thetas[t], rel=1e-10, abs=1e-13)
                if nesterov and t + 1 < steps:
                    # torch's parameter is where the next gradient is taken: the look-ahead.
                    assert w.item() == pytest.approx(path.points[t + 1], rel=1e-10, abs=1e-13)


def feed_gradients(torch: Any, optimizer_for: Any, gradients: list[float]) -> list[float]:
    """Weights after each step of a torch optimizer fed g_t through the loss g_t * w."""
    w = torch.zeros((), dtype=torch.float64, requires_grad=True)
    optimizer = optimizer_for([w])
    weights = []
    for g in gradients:
        optimizer.zero_grad()
        (g * w).backward()
        optimizer.step()
        weights.append(w.item())
    return weights


GRADIENT_SETS = [
    ([1.0, 0.5, 2.0], 0.1, 0.9, 1e-8),
    ([-0.3, 0.0, 4.0, -1.0, 0.2], 0.01, 0.5, 1e-6),
    ([10.0, -10.0, 5.0, 5.0], 1.0, 0.99, 0.0),
    ([1e-4, 2e-4, -3e-4], 0.05, 0.0, 1e-8),
]


def test_adagrad_rmsprop_match_torch_optim() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check Adagrad/RMSprop")
    long_runs = [([1.0] * 100, 0.1, 0.9, 1e-8), ([-0.5] * 300, 0.01, 0.99, 1e-10)]
    for gradients, lr, rho, eps in GRADIENT_SETS + long_runs:
        ada = feed_gradients(
            torch, lambda p, lr=lr, eps=eps: torch.optim.Adagrad(p, lr=lr, eps=eps), gradients
        )
        assert ada == pytest.approx(
            adagrad(given_gradients(gradients), ZERO, lr, len(gradients), eps).params[1:],
            rel=1e-12,
        )
        rms = feed_gradients(
            torch,
            lambda p, lr=lr, rho=rho, eps=eps: torch.optim.RMSprop(p, lr=lr, alpha=rho, eps=eps),
            gradients,
        )
        assert rms == pytest.approx(
            rmsprop(given_gradients(gradients), np.zeros(()), lr, len(gradients), rho, eps).params[
                1:
            ],
            rel=1e-12,
        )


def test_adam_matches_torch_optim_adam() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check torch.optim.Adam")
    for gradients, lr, beta1, beta2, eps in [
        ([0.5, 0.5, 0.5], 0.001, 0.9, 0.999, 1e-8),
        ([-0.3, 0.0, 4.0, -1.0, 0.2], 0.01, 0.5, 0.9, 1e-6),
        ([10.0, -10.0, 5.0, 5.0], 0.1, 0.0, 0.99, 1e-3),
        ([1e-4, 2e-4, -3e-4] * 4, 0.05, 0.95, 0.9999, 1e-8),
    ]:
        weights = feed_gradients(
            torch,
            lambda p, lr=lr, b=(beta1, beta2), eps=eps: torch.optim.Adam(
                p, lr=lr, betas=b, eps=eps
            ),
            gradients,
        )
        run = adam(
            given_gradients(gradients), np.zeros(()), lr, len(gradients), (beta1, beta2), eps
        )
        expected = run.trace.params[1:]
        assert weights == pytest.approx(expected, rel=1e-10)


def ours_path(name: str, grad: Gradient, start: np.ndarray, lr: float) -> np.ndarray:
    """15 steps of the rule torch.optim calls `name`, with torch's defaults and mu = 0.9."""
    if name == "AdaGrad":
        return adagrad(grad, start, lr, 15).params
    if name == "RMSProp":
        return rmsprop(grad, start, lr, 15).params
    if name == "Adam":
        return adam(grad, start, lr, 15).trace.params
    momentum = 0.0 if name == "SGD" else 0.9
    return sgd(grad, start, lr, 15, momentum, nesterov=name == "NAG").params


def _quadratic(p: Any) -> Any:
    return 0.5 * (p[0] ** 2 + 20 * p[1] ** 2)


def _saddle(p: Any) -> Any:
    return p[0] ** 2 - p[1] ** 2


@pytest.mark.parametrize("name", ["SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "Adam"])
def test_update_rules_match_torch_optim(name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the optimizers")

    def torch_path(function: Any, start: list[float], lr: float, steps: int) -> Any:
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        optimizer = {
            "SGD": lambda: torch.optim.SGD([p], lr=lr),
            "Momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=0.9),
            "NAG": lambda: torch.optim.SGD([p], lr=lr, momentum=0.9, nesterov=True),
            "AdaGrad": lambda: torch.optim.Adagrad([p], lr=lr),
            "RMSProp": lambda: torch.optim.RMSprop([p], lr=lr),
            "Adam": lambda: torch.optim.Adam([p], lr=lr),
        }[name]()
        path = [p.detach().numpy().copy()]
        for _ in range(steps):
            optimizer.zero_grad()
            function(p).backward()
            optimizer.step()
            path.append(p.detach().numpy().copy())
        return np.array(path)

    cases = [
        (_quadratic, lambda q, _t: np.array([q[0], 20 * q[1]]), [-4.0, 1.5]),
        (_saddle, lambda q, _t: np.array([2 * q[0], -2 * q[1]]), [1.0, 1e-3]),
    ]
    for function, gradient, start in cases:
        for lr in (0.01, 0.05, 0.2):
            ours = ours_path(name, gradient, np.array(start), lr)
            theirs = torch_path(function, start, lr, 15)
            assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12), (name, lr, start)
