"""The numbers behind the optimisation, schedule, normalisation, regularisation and NMS
figures: hand-checked, and cross-checked against PyTorch where it computes the same thing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_figure_parameter, refused_parameter

from ankigen.recipes import load_recipe_folders

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])

from dlmath.detection import nms_rounds  # noqa: E402
from dlmath.schedules import (  # noqa: E402
    cosine_annealing,
    exponential_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
    warmup_cosine,
)
from figures.detection import BOXES, SCORES  # noqa: E402
from figures.normalization import CHANNELS, SAMPLES, SPATIAL, shared_cells  # noqa: E402
from figures.optimizers import Optimizer  # noqa: E402
from figures.regularization import CURVATURE, W_STAR, constrained_optimum  # noqa: E402


def refused(kind: str, name: str, params: dict[str, Any]) -> str | None:
    refuse = refused_figure_parameter if kind == "figure" else refused_parameter
    return refuse(name, **params)


def test_bad_parameters_are_refused_by_name() -> None:
    # lr * condition = 0.2 * 10 = 2: the y coordinate would flip sign forever, never converge.
    assert refused("figure", "loss-contours", {"lr": 0.2}) == "lr"
    assert refused("figure", "loss-contours", {"condition": 0.5}) == "condition"
    assert refused("figure", "loss-contours", {"steps": 0}) == "steps"
    assert refused("figure", "optimizer-paths", {"steps": 0}) == "steps"
    assert refused("figure", "optimizer-saddle", {"steps": 10_000}) == "steps"
    assert refused("figure", "lr-schedules", {"total_steps": 5}) == "total_steps"
    assert refused("figure", "nms", {"iou_threshold": 0.0}) == "iou_threshold"
    assert refused("figure", "nms", {"iou_threshold": 1.5}) == "iou_threshold"


def test_loss_contours_gd_step_hand_checked() -> None:
    # f = (x^2 + 10 y^2)/2, lr 0.18: x *= 1 - 0.18 = 0.82, y *= 1 - 1.8 = -0.8 per step.
    grad = lambda p, _t: np.array([p[0], 10 * p[1]])  # noqa: E731
    path = Optimizer("SGD", 0.18).path(grad, np.array([-4.0, 2.0]), 2)
    assert np.allclose(path[1], [-3.28, -1.6])
    assert np.allclose(path[2], [-2.6896, 1.28])


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        Optimizer("Lion", 0.1)  # type: ignore[arg-type]


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


@pytest.mark.parametrize("kind", ["BN", "LN", "IN", "GN"])
def test_shaded_cells_are_what_torch_normalises_together(kind: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the norms")
    # A nudge to cell (n=0, c=0, first pixel) changes exactly the outputs that share its
    # mean and variance (and itself).
    layer = {
        "BN": lambda: torch.nn.BatchNorm2d(CHANNELS),
        "LN": lambda: torch.nn.LayerNorm([CHANNELS, SPATIAL, 1]),
        "IN": lambda: torch.nn.InstanceNorm2d(CHANNELS),
        "GN": lambda: torch.nn.GroupNorm(2, CHANNELS),
    }[kind]().double()
    x = torch.randn(
        SAMPLES,
        CHANNELS,
        SPATIAL,
        1,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(0),
    )
    nudged = x.clone()
    nudged[0, 0, 0, 0] += 0.5
    changed = (layer(nudged) - layer(x)).abs().amax(dim=(2, 3)) > 1e-9  # (N, C)
    s = shared_cells(kind, groups=2)
    expected = torch.zeros(SAMPLES, CHANNELS, dtype=torch.bool)
    expected[s.n0 : s.n1, s.c0 : s.c1] = True
    assert torch.equal(changed, expected)


def test_l1_optimum_is_a_corner_and_l2_is_not() -> None:
    l1 = constrained_optimum(1)
    l2 = constrained_optimum(2)
    assert l1.tolist() == pytest.approx([0.0, 1.0], abs=1e-12)
    assert np.all(np.abs(l2) > 0.3) and np.linalg.norm(l2) == pytest.approx(1.0)
    # KKT on the circle: the loss gradient 2 A (w - w*) points straight at the origin.
    gradient = 2 * CURVATURE @ (l2 - W_STAR)
    cosine = gradient @ l2 / np.linalg.norm(gradient)
    assert cosine == pytest.approx(-1.0, abs=1e-6)


def test_nms_hand_checked() -> None:
    # Defaults: 0.92 and 0.88 win their objects; the 0.52 box overlaps the 0.88 box by 0.41,
    # so it survives a 0.5 threshold but not 0.3.
    rounds = nms_rounds(BOXES, SCORES, 0.5)
    assert [(step.kept, step.suppressed) for step in rounds] == [(0, (1, 2)), (3, (4, 5)), (6, ())]
    assert dict(rounds[1].overlaps)[6] == pytest.approx(0.409, abs=1e-3)
    assert [step.kept for step in nms_rounds(BOXES, SCORES, 0.3)] == [0, 3]
