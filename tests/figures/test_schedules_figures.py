"""figures/schedules.py: the step count is refused outside 20..100000; the four panels draw
the closed forms of dlmath.schedules, checked here by hand and against torch.optim's
schedulers (they have no test module of their own in tests/dlmath yet)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes

from dlmath.schedules import (
    cosine_annealing,
    exponential_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
    warmup_cosine,
)
from figures.schedules import lr_schedules


@pytest.mark.parametrize("total_steps", [19, 100_001])
def test_step_count_outside_its_range_is_refused(recipes: DeckRecipes, total_steps: int) -> None:
    assert recipes.refused("figure", "lr-schedules", total_steps=total_steps) == "total_steps"


def test_four_panels_with_their_curves() -> None:
    fig = lr_schedules(200)
    assert [axes.get_title() for axes in fig.axes] == [
        "step (piecewise)",
        "exponential",
        "polynomial, $p$=2",
        "cosine",
    ]
    assert [len(axes.get_lines()) - 2 for axes in fig.axes] == [1, 3, 2, 2]  # not the zero lines
    step = fig.axes[0].get_lines()[-1]
    # The step function keeps only its corners: the start, each boundary and the end.
    assert np.asarray(step.get_xdata()).tolist() == [0, 61, 121, 161, 200]
    assert np.asarray(step.get_ydata()).tolist() == [1.0, 0.5, 0.25, 0.1, 0.1]


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

    def torch_lrs(scheduler_class: Any, steps: int, **settings: Any) -> Any:
        """lr after 0..steps scheduler steps, lr0 = 0.1."""
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        scheduler = scheduler_class(optimizer, **settings)
        lrs = [optimizer.param_groups[0]["lr"]]
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            lrs.append(optimizer.param_groups[0]["lr"])
        return np.array(lrs)

    schedulers = torch.optim.lr_scheduler
    for total in (20, 50, 100):
        t = np.arange(total + 1.0)
        for decay_steps, rate in ((5, 0.5), (25, 0.1)):
            expected = torch_lrs(schedulers.ExponentialLR, total, gamma=rate ** (1 / decay_steps))
            assert exponential_decay(t, 0.1, decay_steps, rate) == pytest.approx(expected)
        for k in (0.01, 0.1):
            expected = torch_lrs(schedulers.ExponentialLR, total, gamma=math.exp(-k))
            assert natural_exp_decay(t, 0.1, k) == pytest.approx(expected)
        for eta_min in (0.0, 0.01):
            expected = torch_lrs(schedulers.CosineAnnealingLR, total, T_max=total, eta_min=eta_min)
            assert cosine_annealing(t, 0.1, total, eta_min) == pytest.approx(expected)
        for power in (1.0, 2.0):
            half = total // 2
            expected = torch_lrs(schedulers.PolynomialLR, total, total_iters=half, power=power)
            assert polynomial_decay(t, 0.1, half, 0.0, power) == pytest.approx(expected)
        # MultiStepLR switches at step m; TF's piecewise_constant one step after boundary b.
        boundaries = [total // 4, total // 2]
        milestones = [b + 1 for b in boundaries]
        expected = torch_lrs(schedulers.MultiStepLR, total, milestones=milestones, gamma=0.5)
        assert piecewise_constant(t, boundaries, [0.1, 0.05, 0.025]) == pytest.approx(expected)
