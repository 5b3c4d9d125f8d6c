"""dlmath.schedules: the general (TensorFlow-named) schedules, the torch-named SCHEDULES table,
the Noam schedule and OneCycle, checked by hand and against torch.optim.lr_scheduler."""

from __future__ import annotations

import math
import warnings
from functools import partial
from typing import Any

import numpy as np
import pytest

from dlmath.schedules import (
    SCHEDULES,
    OneCycle,
    Settings,
    TorchSchedule,
    cosine_annealing,
    exponential_decay,
    natural_exp_decay,
    noam,
    piecewise_constant,
    polynomial_decay,
    warmup_cosine,
)


def learning_rate(
    schedule: TorchSchedule, base_lr: float, total: int, t: int, s: Settings | None = None
) -> float:
    return float(SCHEDULES[schedule](t, base_lr, total, s or Settings()))


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


# --- the general forms ------------------------------------------------------------------------


def torch_lrs(torch: Any, total: int, scheduler_class: Any, **settings: Any) -> Any:
    """lr after t = 0..total steps of scheduler_class(**settings), lr0 = 0.1."""
    return np.array(torch_rates(torch, 0.1, total, partial(scheduler_class, **settings)))


def test_schedules_hand_checked() -> None:
    t = np.array([0.0, 10.0, 11.0, 15.0, 19.0, 20.0])
    # TF piecewise_constant: values[0] while t <= 10, then values[1].
    assert piecewise_constant(t, [10], [1.0, 0.1]).tolist() == [1.0, 1.0, 0.1, 0.1, 0.1, 0.1]
    # Staircase 0.5^floor(t/10): 1, 0.5, 0.5, 0.5, 0.5, 0.25.
    staircase = exponential_decay(t, 1.0, 10, 0.5, staircase=True)
    assert staircase.tolist() == [1.0, 0.5, 0.5, 0.5, 0.5, 0.25]
    # Continuous at t = 15: 0.5^1.5 = 0.35355.
    assert exponential_decay(t, 1.0, 10, 0.5)[3] == pytest.approx(0.5**1.5)
    # Polynomial, D = 10, p = 1, end 0: no cycle stays at 0 after t = 10; with cycle
    # t = 15 stretches D to 20: 1 - 15/20 = 0.25; t = 20: D' = 20, 0.
    assert polynomial_decay(t, 1.0, 10, 0.0, 1.0).tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    cycle = polynomial_decay(t, 1.0, 10, 0.0, 1.0, cycle=True)
    assert cycle == pytest.approx([1.0, 0.0, 1 - 11 / 20, 0.25, 1 - 19 / 20, 0.0])
    # Warmup W = 10 over T = 20: 0 at t=0, lr0 at t=10, cos(pi/2) -> 0.5 at t=15.
    assert warmup_cosine(t, 1.0, 20, 10)[[0, 1, 3]] == pytest.approx([0.0, 1.0, 0.5])


def test_warmup_cosine_without_warmup_is_plain_cosine() -> None:
    t = np.arange(101.0)
    assert warmup_cosine(t, 0.1, 100, 0) == pytest.approx(cosine_annealing(t, 0.1, 100))


def test_schedules_match_torch_lr_scheduler() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the schedules")
    sched = torch.optim.lr_scheduler
    for total in (20, 50, 100):
        t = np.arange(total + 1.0)
        for decay_steps, rate in ((5, 0.5), (25, 0.1)):
            expected = torch_lrs(torch, total, sched.ExponentialLR, gamma=rate ** (1 / decay_steps))
            assert exponential_decay(t, 0.1, decay_steps, rate) == pytest.approx(expected)
        for k in (0.01, 0.1):
            expected = torch_lrs(torch, total, sched.ExponentialLR, gamma=math.exp(-k))
            assert natural_exp_decay(t, 0.1, k) == pytest.approx(expected)
        for eta_min in (0.0, 0.01):
            expected = torch_lrs(
                torch, total, sched.CosineAnnealingLR, T_max=total, eta_min=eta_min
            )
            assert cosine_annealing(t, 0.1, total, eta_min) == pytest.approx(expected)
        for power in (1.0, 2.0):
            half = total // 2
            expected = torch_lrs(torch, total, sched.PolynomialLR, total_iters=half, power=power)
            assert polynomial_decay(t, 0.1, half, 0.0, power) == pytest.approx(expected)
        # MultiStepLR switches at step m; TF's piecewise_constant one step after boundary b.
        boundaries = [total // 4, total // 2]
        milestones = [b + 1 for b in boundaries]
        expected = torch_lrs(torch, total, sched.MultiStepLR, milestones=milestones, gamma=0.5)
        assert piecewise_constant(t, boundaries, [0.1, 0.05, 0.025]) == pytest.approx(expected)


# --- SCHEDULES: torch.optim.lr_scheduler's schedules as the general forms ---------------------


def test_torch_named_schedules_hand_checked() -> None:
    # cosine, t = 25 of 100: 0.1 * (1 + cos(pi/4)) / 2 = 0.1 * 1.70711 / 2 = 0.085355.
    # step (s = 30, gamma 0.1), t = 50: 0.1 * 0.1^1 = 0.01; polynomial p = 2, t = 50: 0.1 * 0.25.
    # exponential 0.95, t = 25: 0.1 * 0.95^25 = 0.027739; warmup W = 10, t = 5: 0.1 * 5/10.
    assert learning_rate("cosine", 0.1, 100, 25) == pytest.approx(0.085355, abs=1e-6)
    assert learning_rate("step", 0.1, 100, 50) == pytest.approx(0.01)
    assert learning_rate("polynomial", 0.1, 100, 50) == pytest.approx(0.025)
    assert learning_rate("exponential", 0.1, 100, 25) == pytest.approx(0.027739, abs=1e-6)
    assert learning_rate("warmup-cosine", 0.1, 100, 5) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("base_lr", "total", "s"),
    [
        (0.1, 100, Settings()),
        (0.5, 37, Settings(step_size=5, step_gamma=0.5, exp_gamma=0.9, power=1.0, warmup_steps=3)),
        (1.0, 10, Settings(step_size=1, step_gamma=0.9, exp_gamma=0.99, power=0.5, warmup_steps=9)),
        (
            0.01,
            250,
            Settings(step_size=100, step_gamma=0.3, exp_gamma=0.98, power=3.0, warmup_steps=0),
        ),
    ],
)
def test_lr_schedules_match_torch_lr_scheduler(base_lr: float, total: int, s: Settings) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check lr_scheduler")
    sched = torch.optim.lr_scheduler
    w = s.warmup_steps
    makers: dict[TorchSchedule, Any] = {
        "step": lambda o: sched.StepLR(o, step_size=s.step_size, gamma=s.step_gamma),
        "exponential": lambda o: sched.ExponentialLR(o, gamma=s.exp_gamma),
        "cosine": lambda o: sched.CosineAnnealingLR(o, T_max=total, eta_min=0.0),
        "polynomial": lambda o: sched.PolynomialLR(o, total_iters=total, power=s.power),
        "warmup-cosine": lambda o: sched.LambdaLR(
            o, lambda k: k / w if k < w else 0.5 * (1 + math.cos(math.pi * (k - w) / (total - w)))
        ),
    }
    for schedule, make in makers.items():
        expected = [learning_rate(schedule, base_lr, total, t, s) for t in range(total + 1)]
        got = torch_rates(torch, base_lr, total, make)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-15), schedule
    if w > 0:
        # The same warmup from torch's own LinearLR (its start factor must be > 0) + cosine.
        def warmup(o: Any) -> Any:
            return sched.SequentialLR(
                o,
                [
                    sched.LinearLR(o, start_factor=1e-12, end_factor=1.0, total_iters=w),
                    sched.CosineAnnealingLR(o, T_max=total - w),
                ],
                milestones=[w],
            )

        expected = [learning_rate("warmup-cosine", base_lr, total, t, s) for t in range(total + 1)]
        assert torch_rates(torch, base_lr, total, warmup) == pytest.approx(
            expected, rel=1e-9, abs=1e-11 * base_lr
        )


# --- the Noam (Transformer) schedule ----------------------------------------------------------


def noam_rate(step: int, d_model: int, warmup: int) -> float:
    return float(noam(step, d_model, warmup))


def test_noam_hand_checked() -> None:
    # Peak at step = warmup = 4000: 512^-0.5 * 4000^-0.5 = 1 / sqrt(2,048,000) = 6.9877e-4.
    # Step 1000: 512^-0.5 * 1000 * 4000^-1.5 = 0.25 of the peak; step 16000: 16000^-0.5 = half.
    assert noam_rate(4000, 512, 4000) == pytest.approx(6.9877e-4, rel=1e-4)
    assert noam_rate(1000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.25)
    assert noam_rate(16000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.5)
    rates = [noam_rate(t, 512, 4000) for t in range(1, 20001)]
    assert max(rates) == rates[3999]


@pytest.mark.parametrize(("d_model", "warmup"), [(512, 4000), (1024, 10), (64, 1)])
def test_noam_matches_torch_lambda_lr(d_model: int, warmup: int) -> None:
    # The schedule as people write it in PyTorch: LambdaLR with base lr 1 and the paper's
    # formula on the 1-based step (torch's counter starts at 0).
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check LambdaLR")
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([w], lr=1.0)

    def paper(k: int) -> float:
        step = k + 1
        return float(d_model**-0.5 * min(step**-0.5, step * warmup**-1.5))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, paper)
    for number in range(1, 3 * warmup + 20):
        assert optimizer.param_groups[0]["lr"] == pytest.approx(
            noam_rate(number, d_model, warmup), rel=1e-12
        )
        optimizer.step()
        scheduler.step()


# --- OneCycle (torch's OneCycleLR) -------------------------------------------------------------


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


@pytest.mark.parametrize(("max_lr", "total"), [(0.1, 100), (1.0, 37), (0.003, 1000)])
def test_one_cycle_matches_torch_one_cycle_lr(max_lr: float, total: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check OneCycleLR")
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
