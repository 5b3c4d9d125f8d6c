"""worked_examples/schedules.py: lr-schedule-values, noam-schedule and one-cycle-values,
hand-checked, and the same rates from torch.optim.lr_scheduler on several settings."""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import numbers, result, row, step, table

from dlmath.schedules import SCHEDULES, Settings, TorchSchedule, noam
from worked_examples.schedules import OneCycle


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("lr-schedule-values", {"at": [101]}, "at"),
        (
            "lr-schedule-values",
            {"schedule": "warmup-cosine", "warmup_steps": 100},
            "warmup_steps",
        ),
        ("noam-schedule", {"at": [0]}, "at"),
        ("noam-schedule", {"warmup": 0}, "warmup"),
        ("one-cycle-values", {"at": [100]}, "at"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- lr-schedule-values -------------------------------------------------------------------


def learning_rate(
    schedule: TorchSchedule, base_lr: float, total: int, t: int, s: Settings | None = None
) -> float:
    return float(SCHEDULES[schedule](t, base_lr, total, s or Settings()))


def test_lr_schedule_values_hand_checked(recipes: DeckRecipes) -> None:
    # cosine, t = 25 of 100: 0.1 * (1 + cos(pi/4)) / 2 = 0.1 * 1.70711 / 2 = 0.085355.
    # step (s = 30, gamma 0.1), t = 50: 0.1 * 0.1^1 = 0.01; polynomial p = 2, t = 50: 0.1 * 0.25.
    # exponential 0.95, t = 25: 0.1 * 0.95^25 = 0.027739; warmup W = 10, t = 5: 0.1 * 5/10.
    assert learning_rate("cosine", 0.1, 100, 25) == pytest.approx(0.085355, abs=1e-6)
    assert learning_rate("step", 0.1, 100, 50) == pytest.approx(0.01)
    assert learning_rate("polynomial", 0.1, 100, 50) == pytest.approx(0.025)
    assert learning_rate("exponential", 0.1, 100, 25) == pytest.approx(0.027739, abs=1e-6)
    assert learning_rate("warmup-cosine", 0.1, 100, 5) == pytest.approx(0.05)
    example = recipes.example("lr-schedule-values")
    assert result(example, "(cosine annealing)") == 0.08536
    rates = table(example)
    assert row(rates, 25) == [0.08536, 0.8536] and row(rates, 50) == [0.05, 0.5]
    # Another schedule's knobs at their defaults never get in the way of a short schedule.
    short = recipes.example("lr-schedule-values", total_steps=4, at=[2])
    assert result(short, "(cosine annealing)") == 0.05


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


# --- noam-schedule -------------------------------------------------------------------------


def noam_rate(step: int, d_model: int, warmup: int) -> float:
    return float(noam(step, d_model, warmup))


def test_noam_hand_checked(recipes: DeckRecipes) -> None:
    # Peak at step = warmup = 4000: 512^-0.5 * 4000^-0.5 = 1 / sqrt(2,048,000) = 6.9877e-4.
    # Step 1000: 512^-0.5 * 1000 * 4000^-1.5 = 0.25 of the peak; step 16000: 16000^-0.5 = half.
    assert noam_rate(4000, 512, 4000) == pytest.approx(6.9877e-4, rel=1e-4)
    assert noam_rate(1000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.25)
    assert noam_rate(16000, 512, 4000) / noam_rate(4000, 512, 4000) == pytest.approx(0.5)
    rates = [noam_rate(t, 512, 4000) for t in range(1, 20001)]
    assert max(rates) == rates[3999]
    example = recipes.example("noam-schedule")
    peak = step(example, "(peak)")
    assert numbers(peak.substituted) == [512, 4000, -0.5] and numbers(peak.result) == [0.0006988]
    assert row(table(example), 16_000) == [0.0003494, 0.5]


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


# --- one-cycle-values ----------------------------------------------------------------------


def test_one_cycle_hand_checked(recipes: DeckRecipes) -> None:
    # max_lr 0.1, 100 steps: start 0.1/25 = 0.004, peak at step 0.3*100 - 1 = 29,
    # end 0.004/1e4 = 4e-7; step 15 is 15/29 of the way up a half cosine:
    # 0.1 + (0.004 - 0.1)/2 (1 + cos(pi 15/29)) = 0.05460.
    cycle = OneCycle(0.1, 100)
    assert cycle.lr(0) == pytest.approx(0.004) and cycle.lr(29) == pytest.approx(0.1)
    assert cycle.lr(99) == pytest.approx(4e-7)
    expected = 0.1 + (0.004 - 0.1) / 2 * (1 + math.cos(math.pi * 15 / 29))
    assert cycle.lr(15) == pytest.approx(expected) and expected == pytest.approx(0.0546, abs=1e-4)
    assert cycle.momentum(0) == pytest.approx(0.95) and cycle.momentum(29) == pytest.approx(0.85)
    example = recipes.example("one-cycle-values")
    start = step(example, "(initial lr)")
    assert numbers(start.substituted) == [0.1, 25] and numbers(start.result) == [0.004]
    assert result(example, "(final lr)") == 4e-7
    assert row(table(example), 29) == [0.1, 0.85]


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
