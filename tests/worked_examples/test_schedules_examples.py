"""worked_examples/schedules.py: lr-schedule-values, noam-schedule and one-cycle-values,
hand-checked (the schedules of dlmath.schedules are checked against torch.optim.lr_scheduler
in tests/dlmath/test_schedules_math.py), and the recipe's own OneCycle against OneCycleLR."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import numbers, result, row, step, table

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


def test_lr_schedule_values_hand_checked(recipes: DeckRecipes) -> None:
    # cosine, t = 25 of 100: 0.1 * (1 + cos(pi/4)) / 2 = 0.1 * 1.70711 / 2 = 0.085355;
    # t = 50: 0.1 * (1 + cos(pi/2)) / 2 = 0.05.
    example = recipes.example("lr-schedule-values")
    assert result(example, "(cosine annealing)") == 0.08536
    rates = table(example)
    assert row(rates, 25) == [0.08536, 0.8536] and row(rates, 50) == [0.05, 0.5]
    # Another schedule's knobs at their defaults never get in the way of a short schedule.
    short = recipes.example("lr-schedule-values", total_steps=4, at=[2])
    assert result(short, "(cosine annealing)") == 0.05


# --- noam-schedule -------------------------------------------------------------------------


def test_noam_hand_checked(recipes: DeckRecipes) -> None:
    # Peak at step = warmup = 4000: (512 * 4000)^-0.5 = 1 / sqrt(2,048,000) = 6.9877e-4;
    # step 16000: (16000 / 4000)^-0.5 = half the peak.
    example = recipes.example("noam-schedule")
    peak = step(example, "(peak)")
    assert numbers(peak.substituted) == [512, 4000, -0.5] and numbers(peak.result) == [0.0006988]
    assert row(table(example), 16_000) == [0.0003494, 0.5]


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
