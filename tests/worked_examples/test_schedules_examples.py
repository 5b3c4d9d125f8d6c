"""worked_examples/schedules.py: lr-schedule-values, noam-schedule and one-cycle-values,
hand-checked (the schedules of dlmath.schedules, OneCycle among them, are checked against
torch.optim.lr_scheduler in tests/dlmath/test_schedules_math.py)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import numbers, result, row, step, table


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
    # max_lr 0.1, 100 steps: start 0.1/25 = 0.004, peak at step 0.3*100 - 1 = 29 (momentum at
    # its base 0.85 there), end 0.004/1e4 = 4e-7.
    example = recipes.example("one-cycle-values")
    start = step(example, "(initial lr)")
    assert numbers(start.substituted) == [0.1, 25] and numbers(start.result) == [0.004]
    assert result(example, "(final lr)") == 4e-7
    assert row(table(example), 29) == [0.1, 0.85]
