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
from dlmath.optimizers import (
    MomentumPath,
    adam,
    adam_first_step_uncorrected,
    given_gradients,
    sutskever_momentum,
)
from dlmath.schedules import SCHEDULES, Settings, TorchSchedule, noam
from worked_examples.backprop import (
    FP32_ADAM,
    MIXED_PRECISION_ADAM,
    backprop_two_layer,
    bytes_per_parameter,
    checkpoint_peak,
    loss_of_first_weight,
    numeric_derivative,
    relative_error,
)
from worked_examples.optimizers import constant_gradient_steps, first_overshoot
from worked_examples.schedules import OneCycle

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def momentum_path(
    nesterov: bool, lr: float, mu: float, start: float, curvature: float, steps: int
) -> MomentumPath:
    """Sutskever's momentum on f = curvature theta^2 / 2, as the worked example runs it."""
    return sutskever_momentum(
        lambda p, _t: curvature * p, np.asarray(start), lr, mu, steps, nesterov
    )


def learning_rate(
    schedule: TorchSchedule, base_lr: float, total: int, t: int, s: Settings | None = None
) -> float:
    return float(SCHEDULES[schedule](t, base_lr, total, s or Settings()))


def noam_rate(step: int, d_model: int, warmup: int) -> float:
    return float(noam(step, d_model, warmup))


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
    html = render("sgd-momentum-nag")
    assert "\\(= 0.9 \\times (-0.1) - 0.1 \\times 0.9\\)" in html
    assert "\\(= 0.9 \\times (-0.1) - 0.1 \\times 0.81\\)" in html
    assert "\\(= -0.18\\)" in html and "\\(= 0.81\\)" in html and "\\(= -0.171\\)" in html
    assert "<td>\\(0.486\\)</td><td>\\(0.5176\\)</td>" in html
    assert "\\theta_{9} = -0.6037" in html and "\\theta_{9} = -0.3546" in html


def test_sgd_momentum_nag_refuses_bad_values() -> None:
    assert refused("sgd-momentum-nag", momentum=1.0) == "momentum"
    assert refused("sgd-momentum-nag", steps=1) == "steps"
    assert refused("sgd-momentum-nag", curvature=0.0) == "curvature"
    assert refused("sgd-momentum-nag", start=0.0) == "start"


# --- adagrad-rmsprop ------------------------------------------------------------------------


def test_adagrad_rmsprop_hand_checked() -> None:
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
    html = render("adagrad-rmsprop")
    assert "\\(= \\frac{0.1 \\times 1}{\\sqrt{100}}\\)" in html and "\\(= 0.01\\)" in html
    assert "<td>\\(1\\)</td><td>\\(0.1\\)</td><td>\\(0.3162\\)</td>" in html
    assert "<td>\\(100\\)</td><td>\\(0.01\\)</td><td>\\(0.1\\)</td>" in html


def test_adagrad_rmsprop_refuses_bad_values() -> None:
    assert refused("adagrad-rmsprop", gradient=0.0) == "gradient"
    assert refused("adagrad-rmsprop", rho=1.0) == "rho"
    assert refused("adagrad-rmsprop", steps=10, at=[11]) == "at"
    assert refused("adagrad-rmsprop", steps=0) == "steps"


# --- adam-steps -----------------------------------------------------------------------------


def test_adam_hand_checked() -> None:
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
    html = render("adam-steps")
    assert "\\(= 0.00025\\)" in html and "\\(= \\frac{0.00025}{0.001}\\)" in html
    assert "= 3.162\\,\\eta\\)" in html and "= 1\\,\\eta\\)" in html


def test_adam_refuses_bad_betas() -> None:
    assert refused("adam-steps", beta1=1.0) == "beta1"
    assert refused("adam-steps", beta2=-0.1) == "beta2"


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
        makers: dict[TorchSchedule, Any] = {
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


# --- noam-schedule / one-cycle-values -----------------------------------------------------


def test_noam_hand_checked() -> None:
    # Peak at step = warmup = 4000: 512^-0.5 * 4000^-0.5 = 1 / sqrt(2,048,000) = 6.9877e-4.
    # Step 1000: 512^-0.5 * 1000 * 4000^-1.5 = 0.25 of the peak; step 16000: 16000^-0.5 = half.
    assert noam_rate(4000, 512, 4000) == pytest.approx(6.9877e-4, rel=1e-4)
    assert noam_rate(1000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.25)
    assert noam_rate(16000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.5)
    rates = [noam_rate(t, 512, 4000) for t in range(1, 20001)]
    assert max(rates) == rates[3999]
    html = render("noam-schedule")
    assert "\\(= (512 \\times 4000)^{-0.5}\\)" in html and "\\(= 0.0006988\\)" in html
    assert "<td>\\(16\\,000\\)</td><td>\\(0.0003494\\)</td><td>\\(0.5\\)</td>" in html
    assert refused("noam-schedule", at=[0]) == "at"
    assert refused("noam-schedule", warmup=0) == "warmup"


def test_noam_matches_torch_lambda_lr() -> None:
    # The schedule as people write it in PyTorch: LambdaLR with base lr 1 and the paper's
    # formula on the 1-based step (torch's counter starts at 0).
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check LambdaLR")
    for d_model, warmup in [(512, 4000), (1024, 10), (64, 1)]:
        w = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.Adam([w], lr=1.0)

        def paper(k: int, d: int = d_model, wu: int = warmup) -> float:
            step = k + 1
            return float(d**-0.5 * min(step**-0.5, step * wu**-1.5))

        scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, paper)
        for step in range(1, 3 * warmup + 20):
            assert optimizer.param_groups[0]["lr"] == pytest.approx(
                noam_rate(step, d_model, warmup), rel=1e-12
            )
            optimizer.step()
            scheduler.step()


def test_one_cycle_hand_checked() -> None:
    # max_lr 0.1, 100 steps: start 0.1/25 = 0.004, peak at step 0.3*100 - 1 = 29,
    # end 0.004/1e4 = 4e-7; step 15 is 15/29 of the way up a half cosine:
    # 0.1 + (0.004 - 0.1)/2 (1 + cos(pi 15/29)) = 0.05460.
    cycle = OneCycle(0.1, 100)
    assert cycle.lr(0) == pytest.approx(0.004) and cycle.lr(29) == pytest.approx(0.1)
    assert cycle.lr(99) == pytest.approx(4e-7)
    expected = 0.1 + (0.004 - 0.1) / 2 * (1 + math.cos(math.pi * 15 / 29))
    assert cycle.lr(15) == pytest.approx(expected) and expected == pytest.approx(0.0546, abs=1e-4)
    assert cycle.momentum(0) == pytest.approx(0.95) and cycle.momentum(29) == pytest.approx(0.85)
    html = render("one-cycle-values")
    assert "\\(= 0.1 / 25\\)" in html and "\\(= 4 \\times 10^{-7}\\)" in html
    assert "<td>\\(29\\)</td><td>\\(0.1\\)</td><td>\\(0.85\\)</td>" in html
    assert refused("one-cycle-values", at=[100]) == "at"


def test_one_cycle_matches_torch_one_cycle_lr() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check OneCycleLR")
    for max_lr, total in [(0.1, 100), (1.0, 37), (0.003, 1000)]:
        w = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([w], lr=max_lr, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=total)
        cycle = OneCycle(max_lr, total)
        for t in range(total):
            group = optimizer.param_groups[0]
            assert group["lr"] == pytest.approx(cycle.lr(t), rel=1e-9, abs=1e-15)
            assert group["momentum"] == pytest.approx(cycle.momentum(t), rel=1e-12)
            optimizer.step()
            scheduler.step()


# --- gradient-check -------------------------------------------------------------------------


def test_gradient_check_hand_checked() -> None:
    # The analytic dL/dW1_11 of the two-layer example is delta1_1 * x_1 = -0.015556 * 1.
    # Forward differences lose one digit per decade of h (error O(h)), central ones two (O(h^2)).
    f = loss_of_first_weight(**{k: v for k, v in DEFAULT_NET.items() if k != "lr"})
    analytic = backprop_two_layer(**DEFAULT_NET).grad_w1[0, 0]
    assert analytic == pytest.approx(-0.015556, abs=1e-6)
    errors = {
        central: [
            relative_error(analytic, numeric_derivative(f, 0.5, h, central))
            for h in (1e-1, 1e-2, 1e-3)
        ]
        for central in (False, True)
    }
    assert errors[False][0] / errors[False][1] == pytest.approx(10, rel=0.1)
    assert errors[True][0] / errors[True][1] == pytest.approx(100, rel=0.1)
    assert relative_error(analytic, numeric_derivative(f, 0.5, 1e-5, True)) < 1e-7
    assert relative_error(2.0, 1.0) == 0.5 and relative_error(0.0, 0.0) == 0.0
    html = render("gradient-check")
    assert "\\(= -0.0155563\\)" in html
    assert "<td>\\(0.01\\)</td><td>\\(0.0015\\)</td><td>\\(6.5 \\times 10^{-6}\\)</td>" in html
    assert refused("gradient-check", steps_h=[0.0]) == "steps_h"


def test_gradient_check_agrees_with_torch_gradcheck() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check gradcheck")
    net = {k: v for k, v in DEFAULT_NET.items() if k != "lr"}
    x = torch.tensor(net["x"], dtype=torch.float64)
    rest = [torch.tensor(net[k], dtype=torch.float64) for k in ("b1", "w2", "b2")]

    def loss(w1: Any) -> Any:
        a1 = torch.sigmoid(w1 @ x + rest[0])
        return 0.5 * (torch.sigmoid(rest[1] @ a1 + rest[2]) - net["y"]) ** 2

    w1 = torch.tensor(net["w1"], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(loss, (w1,))
    loss(w1).backward()
    assert w1.grad[0, 0].item() == pytest.approx(
        backprop_two_layer(**DEFAULT_NET).grad_w1[0, 0], rel=1e-12
    )

    class WrongSigmoid(torch.autograd.Function):  # type: ignore[misc,name-defined]
        """A sigmoid whose backward forgets the factor (1 - s): the bug a check must catch."""

        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            s = torch.sigmoid(z)
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (s,) = ctx.saved_tensors
            return grad * s

    z = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(WrongSigmoid.apply, (z,), raise_exception=False)
    # Our measure flags the same bug far above the 1e-2 "probably wrong" line.
    s = 1 / (1 + math.exp(-0.3))
    wrong, numeric = s, numeric_derivative(lambda v: 1 / (1 + math.exp(-v)), 0.3, 1e-5, True)
    assert relative_error(wrong, numeric) > 1e-2
    # The card's two-line example runs and passes.
    xs = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(torch.sigmoid, (xs,))


# --- checkpoint-memory / adam-memory ------------------------------------------------------


def test_checkpoint_memory_hand_checked() -> None:
    # n = 100: a checkpoint every 10 layers keeps 10 checkpoints + 10 recomputed = 20 (vs 100);
    # every 2 layers: 50 + 2 = 52; every 50: 2 + 50 = 52. sqrt(n) is the best length.
    assert checkpoint_peak(100, 10) == 20
    assert checkpoint_peak(100, 2) == checkpoint_peak(100, 50) == 52
    assert min(range(1, 101), key=lambda s: checkpoint_peak(100, s)) == 10
    assert checkpoint_peak(10, 3) == 4 + 3
    html = render("checkpoint-memory")
    assert "\\(= 10\\ \\Rightarrow\\ 20\\)" in html and "<td>\\(5\\)</td><td>\\(25\\)</td>" in html
    assert refused("checkpoint-memory", segments=[101]) == "segments"


def test_checkpoint_sequential_costs_about_one_more_forward() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check checkpointing")
    from torch.utils.checkpoint import checkpoint_sequential

    layers, segment = 100, 10
    calls = [0]
    torch.manual_seed(0)
    blocks = [torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()) for _ in range(layers)]
    for block in blocks:
        block.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    model = torch.nn.Sequential(*blocks).double()
    x = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    model(x).sum().backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    calls[0] = 0
    out = checkpoint_sequential(  # type: ignore[no-untyped-call]
        model, layers // segment, x, use_reentrant=False
    )
    out.sum().backward()
    # Same gradients; the backward pass recomputes at most the layers outside the last segment
    # (torch stops a segment's recomputation early once it has every tensor it needs): the
    # extra cost is at most one more forward pass.
    for p, g in zip(model.parameters(), plain, strict=True):
        assert torch.allclose(p.grad, g)
    assert layers < calls[0] <= 2 * layers - segment


def test_adam_memory_hand_checked() -> None:
    # 2 + 2 + 4 + 4 + 4 = 16 bytes; fp32 Adam 4 + 4 + 4 + 4 = 16 too.
    # ZeRO section 3.1: GPT-2 with 1.5B parameters needs at least 16 * 1.5e9 = 24 GB.
    assert bytes_per_parameter(MIXED_PRECISION_ADAM) == 16
    assert bytes_per_parameter(FP32_ADAM) == 16
    assert bytes_per_parameter(MIXED_PRECISION_ADAM) * 1.5e9 == 24e9
    html = render("adam-memory")
    assert "\\(= 16 \\times 1\\,000\\,000\\,000\\ \\text{B}\\)" in html
    assert "\\(= 16\\ \\text{GB}\\)" in html and "\\(= 2\\ \\text{GB}\\)" in html
    assert refused("adam-memory", params=10.0) == "params"


def test_adam_memory_matches_torch_tensor_sizes() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to measure optimizer state")
    model = torch.nn.Linear(100, 10)
    n = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 100)).sum().backward()
    optimizer.step()
    state = sum(
        t.numel() * t.element_size()
        for s in optimizer.state.values()
        for t in s.values()
        if t.dim() > 0
    )
    master = sum(p.numel() * p.element_size() for p in model.parameters())
    half = model.half()
    half(torch.randn(4, 100).half()).float().sum().backward()
    weights16 = sum(p.numel() * p.element_size() for p in half.parameters())
    grads16 = sum(p.grad.numel() * p.grad.element_size() for p in half.parameters())
    sizes = dict(MIXED_PRECISION_ADAM)
    assert weights16 == n * sizes["FP16 权重 (weights)"]
    assert grads16 == n * sizes["FP16 梯度 (gradients)"]
    assert master == n * sizes["FP32 主权重 (master weights)"]
    assert state == n * (sizes["FP32 一阶矩 $m$ (Adam)"] + sizes["FP32 二阶矩 $v$ (Adam)"])
