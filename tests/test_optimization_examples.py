"""Backpropagation, optimizers and learning-rate schedules: hand-checked numbers, and the same
numbers from torch autograd, torch.optim and torch.optim.lr_scheduler on several settings."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from conftest import REPO
from conftest import refused_parameter as refused
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from worked_examples.backprop import backprop_two_layer
from worked_examples.optimizers import (
    Method,
    adagrad_trace,
    adam_first_step_uncorrected,
    adam_trace,
    momentum_trace,
    rmsprop_trace,
)
from worked_examples.schedules import Schedule, Settings, learning_rate

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


# --- backprop-two-layer ------------------------------------------------------------------

DEFAULT_NET: dict[str, Any] = {
    "x": [1.0, 0.5],
    "y": 1.0,
    "w1": [[0.5, -0.4], [0.3, 0.8]],
    "b1": [0.1, -0.2],
    "w2": [0.6, -0.5],
    "b2": 0.2,
    "lr": 0.5,
}


def test_backprop_hand_checked() -> None:
    # z1 = (0.5*1 - 0.4*0.5 + 0.1, 0.3*1 + 0.8*0.5 - 0.2) = (0.4, 0.5)
    # a1 = (sigma(0.4), sigma(0.5)) = (0.59869, 0.62246)
    # z2 = 0.6*0.59869 - 0.5*0.62246 + 0.2 = 0.24798, a2 = sigma(0.24798) = 0.56168
    # L = (0.56168 - 1)^2 / 2 = 0.09606
    # delta2 = (a2 - y) a2 (1 - a2) = -0.43832 * 0.56168 * 0.43832 = -0.10791
    # dL/dw2 = delta2 a1 = (-0.06461, -0.06717); new b2 = 0.2 + 0.5*0.10791 = 0.25396
    # delta1 = w2 delta2 a1 (1 - a1) = (0.6*-0.10791*0.59869*0.40131, ...) = (-0.015556, 0.012679)
    r = backprop_two_layer(**DEFAULT_NET)
    assert r.z1 == pytest.approx([0.4, 0.5])
    assert r.a1 == pytest.approx([0.59869, 0.62246], abs=1e-5)
    assert r.z2 == pytest.approx(0.24798, abs=1e-5)
    assert r.a2 == pytest.approx(0.56168, abs=1e-5)
    assert r.loss == pytest.approx(0.09606, abs=1e-5)
    assert r.delta2 == pytest.approx(-0.10791, abs=1e-5)
    assert r.grad_w2 == pytest.approx([-0.06461, -0.06717], abs=1e-5)
    assert r.delta1 == pytest.approx([-0.015556, 0.012679], abs=1e-6)
    assert r.new_b2 == pytest.approx(0.25396, abs=1e-5)
    assert r.loss_after < r.loss
    html = render("backprop-two-layer")
    assert "\\begin{pmatrix}0.4 \\\\ 0.5\\end{pmatrix}" in html
    assert "= 0.09606\\)" in html and "= -0.1079\\)" in html
    assert "-0.06461 \\\\ -0.06717" in html and "-0.01556 \\\\ 0.01268" in html


def test_backprop_bce_delta_is_output_minus_target() -> None:
    # With cross-entropy the sigmoid's derivative cancels: delta2 = a2 - y = 0.56168 - 0.
    r = backprop_two_layer(**{**DEFAULT_NET, "y": 0.0}, loss="bce")
    assert r.delta2 == pytest.approx(0.56168, abs=1e-5)
    assert r.loss == pytest.approx(-math.log(1 - 0.56168), abs=1e-5)


def test_backprop_refuses_inconsistent_shapes() -> None:
    assert refused("backprop-two-layer", w1=[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]) == "w1"
    assert refused("backprop-two-layer", b1=[0.1]) == "b1"
    assert refused("backprop-two-layer", y=2.0) == "y"


def test_backprop_matches_torch_autograd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check backprop")
    rng = np.random.default_rng(7)
    for inputs, hidden, loss in [
        (2, 2, "mse"),
        (2, 2, "bce"),
        (3, 2, "mse"),
        (1, 3, "bce"),
        (4, 4, "mse"),
    ]:
        net = {
            "x": rng.normal(size=inputs).tolist(),
            "y": float(rng.uniform()),
            "w1": rng.normal(size=(hidden, inputs)).tolist(),
            "b1": rng.normal(size=hidden).tolist(),
            "w2": rng.normal(size=hidden).tolist(),
            "b2": float(rng.normal()),
            "lr": 0.3,
        }
        r = backprop_two_layer(**net, loss=loss)  # type: ignore[arg-type]
        params = [
            torch.tensor(net[k], dtype=torch.float64, requires_grad=True)
            for k in ("w1", "b1", "w2", "b2")
        ]
        w1, b1, w2, b2 = params
        x = torch.tensor(net["x"], dtype=torch.float64)
        y = torch.tensor(net["y"], dtype=torch.float64)
        criterion = (
            (lambda a, t: 0.5 * torch.nn.functional.mse_loss(a, t))
            if loss == "mse"
            else torch.nn.functional.binary_cross_entropy
        )

        def forward(
            w1: Any, b1: Any, w2: Any, b2: Any, x: Any = x, y: Any = y, criterion: Any = criterion
        ) -> Any:
            z1 = w1 @ x + b1
            a1 = torch.sigmoid(z1)
            a2 = torch.sigmoid(w2 @ a1 + b2)
            return z1, a1, a2, criterion(a2, y)

        z1, a1, a2, value = forward(*params)
        value.backward()
        assert z1.detach().numpy() == pytest.approx(r.z1)
        assert a1.detach().numpy() == pytest.approx(r.a1)
        assert a2.item() == pytest.approx(r.a2)
        assert value.item() == pytest.approx(r.loss)
        assert w1.grad.numpy() == pytest.approx(r.grad_w1)
        assert b1.grad.numpy() == pytest.approx(r.grad_b1)
        assert w2.grad.numpy() == pytest.approx(r.grad_w2)
        assert b2.grad.item() == pytest.approx(r.grad_b2)
        torch.optim.SGD(params, lr=net["lr"]).step()
        assert w1.detach().numpy() == pytest.approx(r.new_w1)
        assert b1.detach().numpy() == pytest.approx(r.new_b1)
        assert w2.detach().numpy() == pytest.approx(r.new_w2)
        assert b2.item() == pytest.approx(r.new_b2)
        with torch.no_grad():
            assert forward(*params)[3].item() == pytest.approx(r.loss_after)


# --- sgd-momentum-nag ----------------------------------------------------------------------


def test_sgd_momentum_nag_hand_checked() -> None:
    # f = w^2/2, g = w, lr 0.1, mu 0.9, w0 = 1.
    # SGD: w = 0.9, 0.81, 0.729.
    # Momentum: v1 = 1, w1 = 0.9; g2 = 0.9, v2 = 0.9*1 + 0.9 = 1.8, w2 = 0.9 - 0.18 = 0.72;
    #           g3 = 0.72, v3 = 0.9*1.8 + 0.72 = 2.34, w3 = 0.72 - 0.234 = 0.486.
    # NAG: v1 = 1, w1 = 1 - 0.1*(1 + 0.9*1) = 0.81; g2 = 0.81, v2 = 0.9 + 0.81 = 1.71,
    #      w2 = 0.81 - 0.1*(0.81 + 0.9*1.71) = 0.81 - 0.2349 = 0.5751.
    args = (0.1, 0.9, 1.0, 1.0, 3)
    assert momentum_trace("sgd", *args).weights == pytest.approx([0.9, 0.81, 0.729])
    assert momentum_trace("momentum", *args).weights == pytest.approx([0.9, 0.72, 0.486])
    assert momentum_trace("momentum", *args).states == pytest.approx([1.0, 1.8, 2.34])
    assert momentum_trace("nag", *args).weights[:2] == pytest.approx([0.81, 0.5751])
    html = render("sgd-momentum-nag")
    assert "\\(= 0.9 \\times 1 + 0.9\\)" in html and "\\(= 1.8\\)" in html
    assert "\\(= 0.81 + 0.9 \\times 1.71\\)" in html and "\\(= 2.349\\)" in html
    assert "\\(= 0.81 - 0.1 \\times 2.349\\)" in html
    assert "\\(= 0.5751\\)" in html and "\\(0.486\\)" in html


def test_sgd_momentum_nag_refuses_bad_values() -> None:
    assert refused("sgd-momentum-nag", momentum=1.0) == "momentum"
    assert refused("sgd-momentum-nag", steps=0) == "steps"
    assert refused("sgd-momentum-nag", curvature=0.0) == "curvature"


def test_sgd_momentum_nag_matches_torch_optim_sgd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check torch.optim.SGD")
    for lr, mu, start, curvature, steps in [
        (0.1, 0.9, 1.0, 1.0, 3),
        (0.05, 0.5, -2.0, 4.0, 10),
        (0.3, 0.99, 0.7, 0.5, 20),
        (1.5, 0.2, 3.0, 1.0, 8),
    ]:
        methods: tuple[Method, ...] = ("sgd", "momentum", "nag")
        for method in methods:
            trace = momentum_trace(method, lr, mu, start, curvature, steps)
            w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
            optimizer = torch.optim.SGD(
                [w], lr=lr, momentum=0.0 if method == "sgd" else mu, nesterov=method == "nag"
            )
            for t in range(steps):
                optimizer.zero_grad()
                (0.5 * curvature * w**2).backward()
                optimizer.step()
                assert w.item() == pytest.approx(trace.weights[t], rel=1e-12, abs=1e-15)


# --- adagrad-rmsprop ------------------------------------------------------------------------


def test_adagrad_rmsprop_hand_checked() -> None:
    # g = 1, 0.5, 2; lr 0.1; AdaGrad G = 1, 1.25, 5.25,
    #   steps 0.1*1/1 = 0.1, 0.1*0.5/sqrt(1.25) = 0.04472, 0.1*2/sqrt(5.25) = 0.08729.
    # RMSProp rho 0.9: E = 0.1, 0.9*0.1 + 0.1*0.25 = 0.115, 0.9*0.115 + 0.1*4 = 0.5035,
    #   first step 0.1/sqrt(0.1) = 0.3162 (1/sqrt(1 - rho) times AdaGrad's: no bias correction).
    ada = adagrad_trace([1.0, 0.5, 2.0], 0.1, 1e-8)
    assert ada.states == pytest.approx([1.0, 1.25, 5.25])
    assert ada.steps == pytest.approx([0.1, 0.044721, 0.087287], abs=1e-6)
    rms = rmsprop_trace([1.0, 0.5, 2.0], 0.1, 0.9, 1e-8)
    assert rms.states == pytest.approx([0.1, 0.115, 0.5035])
    assert rms.steps[0] == pytest.approx(0.316228, abs=1e-6)
    html = render("adagrad-rmsprop")
    assert "\\(5.25\\)" in html and "\\(0.04472\\)" in html and "\\(0.5035\\)" in html
    assert "\\(= 0.3162\\)" in html


def test_adagrad_rmsprop_refuses_bad_values() -> None:
    assert refused("adagrad-rmsprop", gradients=[]) == "gradients"
    assert refused("adagrad-rmsprop", rho=1.0) == "rho"
    assert refused("adagrad-rmsprop", gradients=[0.0, 1.0], eps=0.0) == "eps"


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
    for gradients, lr, rho, eps in GRADIENT_SETS:
        ada = feed_gradients(
            torch, lambda p, lr=lr, eps=eps: torch.optim.Adagrad(p, lr=lr, eps=eps), gradients
        )
        assert ada == pytest.approx(adagrad_trace(gradients, lr, eps).weights, rel=1e-12)
        rms = feed_gradients(
            torch,
            lambda p, lr=lr, rho=rho, eps=eps: torch.optim.RMSprop(p, lr=lr, alpha=rho, eps=eps),
            gradients,
        )
        assert rms == pytest.approx(rmsprop_trace(gradients, lr, rho, eps).weights, rel=1e-12)


# --- adam-steps -----------------------------------------------------------------------------


def test_adam_hand_checked() -> None:
    # g1 = 0.5: m1 = 0.1*0.5 = 0.05, v1 = 0.001*0.25 = 0.00025,
    # m_hat = 0.05/0.1 = 0.5, v_hat = 0.00025/0.001 = 0.25, step = 0.001*0.5/(0.5 + 1e-8) = 0.001.
    # Without correction: 0.001*0.05/sqrt(0.00025) = 0.001*0.05/0.015811 = 0.0031623 = 3.162 lr.
    first = adam_trace([0.5, 0.5, 0.5], 0.001, 0.9, 0.999, 1e-8)[0]
    assert (first.m, first.v, first.m_hat, first.v_hat) == pytest.approx((0.05, 2.5e-4, 0.5, 0.25))
    assert first.step == pytest.approx(0.001, rel=1e-7)
    assert adam_first_step_uncorrected(0.5, 0.001, 0.9, 0.999, 1e-8) == pytest.approx(
        0.0031623, abs=1e-7
    )
    html = render("adam-steps")
    assert "\\(= 0.00025\\)" in html and "\\(= \\frac{0.00025}{0.001}\\)" in html
    assert "= 3.162\\,\\eta\\)" in html and "= 1\\,\\eta\\)" in html


def test_adam_refuses_bad_betas() -> None:
    assert refused("adam-steps", beta1=1.0) == "beta1"
    assert refused("adam-steps", beta2=-0.1) == "beta2"


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
        expected = [s.w for s in adam_trace(gradients, lr, beta1, beta2, eps)]
        assert weights == pytest.approx(expected, rel=1e-10)


# --- lr-schedule-values -------------------------------------------------------------------


def test_lr_schedule_values_hand_checked() -> None:
    # cosine, t = 25 of 100: 0.1 * (1 + cos(pi/4)) / 2 = 0.1 * 1.70711 / 2 = 0.085355.
    # step (s = 30, gamma 0.1), t = 50: 0.1 * 0.1^1 = 0.01; polynomial p = 2, t = 50: 0.1 * 0.25.
    # exponential 0.95, t = 25: 0.1 * 0.95^25 = 0.027739; warmup W = 10, t = 5: 0.1 * 5/10.
    assert learning_rate("cosine", 0.1, 100, 25) == pytest.approx(0.085355, abs=1e-6)
    assert learning_rate("step", 0.1, 100, 50) == pytest.approx(0.01)
    assert learning_rate("polynomial", 0.1, 100, 50) == pytest.approx(0.025)
    assert learning_rate("exponential", 0.1, 100, 25) == pytest.approx(0.027739, abs=1e-6)
    assert learning_rate("warmup-cosine", 0.1, 100, 5) == pytest.approx(0.05)
    html = render("lr-schedule-values")
    assert "\\cos\\frac{25\\pi}{100}" in html and "\\(= 0.08536\\)" in html
    assert "<td>\\(0.05\\)</td>" in html
    assert refused("lr-schedule-values", at=[101]) == "at"
    assert refused("lr-schedule-values", schedule="warmup-cosine", warmup_steps=100) == (
        "warmup_steps"
    )
    # Another schedule's knobs at their defaults never get in the way of a short schedule.
    assert "\\(= 0.05\\)" in render("lr-schedule-values", total_steps=4, at=[2])


def torch_rates(torch: Any, base_lr: float, total_steps: int, make: Any) -> list[float]:
    """lr after t = 0..total_steps scheduler steps (optimizer.step() first, as torch asks)."""
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=base_lr)
    scheduler = make(optimizer)
    rates = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's internal step(0) is deprecated
        for _ in range(total_steps + 1):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return rates


def test_lr_schedules_match_torch_lr_scheduler() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check lr_scheduler")
    sched = torch.optim.lr_scheduler
    for base_lr, total, s in [
        (0.1, 100, Settings()),
        (0.5, 37, Settings(step_size=5, step_gamma=0.5, exp_gamma=0.9, power=1.0, warmup_steps=3)),
        (1.0, 10, Settings(step_size=1, step_gamma=0.9, exp_gamma=0.99, power=0.5, warmup_steps=9)),
        (
            0.01,
            250,
            Settings(step_size=100, step_gamma=0.3, exp_gamma=0.98, power=3.0, warmup_steps=0),
        ),
    ]:
        w_steps = s.warmup_steps
        makers: dict[Schedule, Any] = {
            "step": lambda o, s=s: sched.StepLR(o, step_size=s.step_size, gamma=s.step_gamma),
            "exponential": lambda o, s=s: sched.ExponentialLR(o, gamma=s.exp_gamma),
            "cosine": lambda o, total=total: sched.CosineAnnealingLR(o, T_max=total, eta_min=0.0),
            "polynomial": lambda o, s=s, total=total: sched.PolynomialLR(
                o, total_iters=total, power=s.power
            ),
            "warmup-cosine": lambda o, w=w_steps, total=total: sched.LambdaLR(
                o,
                lambda k: k / w if k < w else 0.5 * (1 + math.cos(math.pi * (k - w) / (total - w))),
            ),
        }
        for schedule, make in makers.items():
            expected = [learning_rate(schedule, base_lr, total, t, s) for t in range(total + 1)]
            got = torch_rates(torch, base_lr, total, make)
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-15), schedule
        if w_steps > 0:
            # The same warmup from torch's own LinearLR (its start factor must be > 0) + cosine.
            def warmup(o: Any, w: int = w_steps, total: int = total) -> Any:
                return sched.SequentialLR(
                    o,
                    [
                        sched.LinearLR(o, start_factor=1e-12, end_factor=1.0, total_iters=w),
                        sched.CosineAnnealingLR(o, T_max=total - w),
                    ],
                    milestones=[w],
                )

            expected = [
                learning_rate("warmup-cosine", base_lr, total, t, s) for t in range(total + 1)
            ]
            assert torch_rates(torch, base_lr, total, warmup) == pytest.approx(
                expected, rel=1e-9, abs=1e-11 * base_lr
            )
