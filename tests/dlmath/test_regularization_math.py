"""dlmath.regularization: penalties, dropout, mixup, CutMix and stochastic depth, checked by
hand and against torch.optim, nn.Dropout and autograd."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

from dlmath._elementwise import Array
from dlmath.optimizers import ADAM_BETAS, ADAM_EPS
from dlmath.regularization import (
    adam_first_steps,
    cutmix_box,
    cutmix_side,
    dropout_mask,
    empirical_mean,
    inverted_dropout,
    mixup,
    penalties,
    sgd_updates,
    survival_probabilities,
)

PENALTY_SETS = [
    ([0.5, -1.0, 2.0], [0.0, 0.0, 0.0], 0.01, 0.1),
    ([0.5, -1.0, 2.0, 0.0], [0.3, -0.2, 0.1, 0.4], 0.1, 0.05),
    ([3.0, -0.25], [-1.0, 2.0], 0.5, 1.0),
]


# --- weight penalties ------------------------------------------------------------------------


def test_penalties_and_sgd_steps_hand_checked() -> None:
    # w = (0.5, -1, 2), lambda 0.01: L1 = 0.01 * 3.5 = 0.035, grad (0.01, -0.01, 0.01);
    # L2 = 0.005 * (0.25 + 1 + 4) = 0.02625, grad (0.005, -0.01, 0.02).
    # SGD lr 0.1, g = 0: L2 step and decay both give 0.999 w = (0.4995, -0.999, 1.998);
    # the L1 step subtracts 0.1 * 0.01 = 0.001 sign(w): (0.499, -0.999, 1.999).
    w = np.array([0.5, -1.0, 2.0])
    l1, l1_grad, l2, l2_grad = penalties(w, 0.01)
    assert l1 == pytest.approx(0.035) and l2 == pytest.approx(0.02625)
    assert l1_grad == pytest.approx([0.01, -0.01, 0.01])
    assert l2_grad == pytest.approx([0.005, -0.01, 0.02])
    sgd_l1, sgd_l2, decay = sgd_updates(w, np.zeros(3), 0.01, 0.1)
    assert sgd_l1 == pytest.approx([0.499, -0.999, 1.999])
    assert sgd_l2 == pytest.approx([0.4995, -0.999, 1.998]) and decay == pytest.approx(sgd_l2)


def sgd_step(
    weights: list[float],
    loss: Callable[[torch.Tensor], torch.Tensor],
    lr: float,
    weight_decay: float = 0.0,
) -> Array:
    """The weights after one torch.optim.SGD step on loss(w)."""
    w = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr, weight_decay=weight_decay)
    (w.grad,) = torch.autograd.grad(loss(w), w)
    optimizer.step()
    after: Array = w.detach().numpy()
    return after


@pytest.mark.parametrize(("weights", "grads", "lam", "lr"), PENALTY_SETS)
def test_penalties_and_weight_decay_match_torch(
    weights: list[float], grads: list[float], lam: float, lr: float
) -> None:
    l1, l1_grad, l2, l2_grad = penalties(np.array(weights), lam)
    # Autograd of the penalties gives lambda sign(w) (0 at w = 0) and lambda w.
    p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
    for penalty, value, gradient in (
        (lam * p.abs().sum(), l1, l1_grad),
        (lam / 2 * (p**2).sum(), l2, l2_grad),
    ):
        (torch_gradient,) = torch.autograd.grad(penalty, p)
        assert value == pytest.approx(penalty.item())
        assert torch_gradient.numpy() == pytest.approx(gradient)
    # SGD(weight_decay=lam) on the data loss g.w is plain SGD on g.w + lam/2 |w|^2; the L1 step
    # is SGD on g.w + lam |w|_1.
    g = torch.tensor(grads, dtype=torch.float64)
    sgd_l1, sgd_l2, decay = sgd_updates(np.array(weights), np.array(grads), lam, lr)
    decayed = sgd_step(weights, lambda w: g @ w, lr=lr, weight_decay=lam)
    manual = sgd_step(weights, lambda w: g @ w + lam / 2 * (w**2).sum(), lr=lr)
    with_l1 = sgd_step(weights, lambda w: g @ w + lam * w.abs().sum(), lr=lr)
    np.testing.assert_allclose(decayed, decay, rtol=1e-12)
    np.testing.assert_allclose(manual, sgd_l2, rtol=1e-12)
    np.testing.assert_allclose(with_l1, sgd_l1, rtol=1e-12)


def test_adam_first_steps_hand_checked() -> None:
    # Adam's first step is lr m_hat / (sqrt(v_hat) + eps) = lr g / (|g| + eps): about lr sign(g)
    # whatever the size of g. With g = 0 the L2 gradient lam w is all Adam sees, so every weight
    # moves by about lr = 0.1; AdamW moves each by lr lam w = 0.001 w only.
    w = np.array([0.5, -1.0, 2.0])
    coupled, decoupled = adam_first_steps(w, np.zeros(3), 0.01, 0.1)
    assert coupled == pytest.approx([0.1, -0.1, 0.1], rel=1e-5)
    assert decoupled == pytest.approx([0.0005, -0.001, 0.002])


@pytest.mark.parametrize(("weights", "grads", "lam", "lr"), PENALTY_SETS)
def test_adam_l2_and_adamw_first_steps_match_torch(
    weights: list[float], grads: list[float], lam: float, lr: float
) -> None:
    coupled, decoupled = adam_first_steps(np.array(weights), np.array(grads), lam, lr)
    for optimizer_class, expected in ((torch.optim.Adam, coupled), (torch.optim.AdamW, decoupled)):
        p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        optimizer = optimizer_class([p], lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=lam)
        (p.grad,) = torch.autograd.grad(torch.tensor(grads, dtype=torch.float64) @ p, p)
        optimizer.step()
        change = np.array(weights) - p.detach().numpy()
        assert change == pytest.approx(expected, rel=1e-9, abs=1e-15), optimizer_class


def test_adam_constants_are_torch_defaults() -> None:
    defaults = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults
    assert (defaults["betas"], defaults["eps"]) == (ADAM_BETAS, ADAM_EPS)


# --- inverted dropout ------------------------------------------------------------------------


def test_inverted_dropout_hand_checked() -> None:
    # seed 0 draws u = (0.637, 0.270, 0.041, 0.017); a unit is kept when u >= p = 0.5,
    # so the mask is (1, 0, 0, 0) and the training output (1/0.5, 0, 0, 0) = (2, 0, 0, 0).
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mask = dropout_mask(4, 0.5, 0)
    assert mask.tolist() == [True, False, False, False]
    assert inverted_dropout(x, mask, 0.5).tolist() == [2.0, 0.0, 0.0, 0.0]
    for p, samples in ((0.5, 10_000), (0.2, 4_000), (0.9, 50_000)):
        # E[y_i] = (1 - p) x_i / (1 - p) = x_i. One output has standard deviation
        # x sqrt(p / (1 - p)); its mean over N masks is within five standard errors of x.
        mean = empirical_mean(x, p, 3, samples)
        error = x * math.sqrt(p / (1 - p)) / math.sqrt(samples)
        assert np.all(np.abs(mean - x) < 5 * error)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_dropout_matches_torch_dropout(p: float) -> None:
    torch.manual_seed(0)
    x = torch.arange(1.0, 200_001.0, dtype=torch.float64)
    layer = torch.nn.Dropout(p)
    out = layer.train()(x)
    kept = out != 0
    # Fed torch's own mask, the formula gives torch's output: p is the DROP probability.
    ours = inverted_dropout(x.numpy(), kept.numpy(), p)
    np.testing.assert_allclose(ours, out.numpy(), rtol=1e-12)
    assert (1 - kept.double().mean().item()) == pytest.approx(p, abs=0.01)
    assert torch.equal(layer.eval()(x), x)


# --- mixup, CutMix, stochastic depth ---------------------------------------------------------


def test_mixup_hand_checked() -> None:
    # 0.7 (0.2, 0.8) + 0.3 (0.6, 0.4) = (0.32, 0.68); target 0.7 e_0 + 0.3 e_1 = (0.7, 0.3, 0).
    x, y = mixup(np.array([0.2, 0.8]), np.array([0.6, 0.4]), np.eye(3)[0], np.eye(3)[1], 0.7)
    np.testing.assert_allclose(x, [0.32, 0.68])
    np.testing.assert_allclose(y, [0.7, 0.3, 0.0])


def test_mixup_target_loss_matches_torch_cross_entropy() -> None:
    # torch's cross_entropy with the mixed (probability) target equals the lambda-weighted sum of
    # the two hard-label losses: why a mixed target needs no special loss.
    logits = torch.tensor([[2.0, 0.5, -1.0]], dtype=torch.float64)
    _, y = mixup(np.zeros(1), np.zeros(1), np.eye(3)[0], np.eye(3)[2], 0.7)
    functional = torch.nn.functional
    soft = functional.cross_entropy(logits, torch.from_numpy(y)[None])
    split = 0.7 * functional.cross_entropy(logits, torch.tensor([0])) + 0.3 * (
        functional.cross_entropy(logits, torch.tensor([2]))
    )
    assert float(soft) == pytest.approx(float(split), rel=1e-12)


def test_cutmix_box_hand_checked() -> None:
    # sqrt(1 - 0.75) = 0.5: a 16 x 16 box around (28, 10): x 20..36 -> 20..32, y 2..18;
    # area 12 * 16 = 192, lambda' = 1 - 192/1024 = 0.8125.
    assert cutmix_side(32, 0.75) == 16.0
    assert cutmix_box(32, 32, 0.75, 28, 10) == (20, 2, 32, 18, 0.8125)
    assert cutmix_box(32, 32, 0.75, 16, 16)[4] == pytest.approx(0.75)  # unclipped: exactly lambda


@pytest.mark.parametrize(("lam", "cx", "cy"), [(0.75, 28, 10), (0.3, 0, 31), (0.9, 15, 15)])
def test_cutmix_label_weight_is_the_pasted_pixel_share(lam: float, cx: int, cy: int) -> None:
    a, b = torch.zeros(3, 32, 32), torch.ones(3, 32, 32)
    x1, y1, x2, y2, lam_adj = cutmix_box(32, 32, lam, cx, cy)
    mixed = a.clone()
    mixed[:, y1:y2, x1:x2] = b[:, y1:y2, x1:x2]
    assert float(mixed.mean()) == pytest.approx(1 - lam_adj)


def test_survival_probabilities_hand_checked() -> None:
    # p_l = 1 - l/54 * 0.5: p_27 = 0.75, p_54 = 0.5; sum = 54 - 0.5 * 55/2 = 40.25.
    p = survival_probabilities(54, 0.5)
    assert (p[26], p[53]) == (0.75, 0.5)
    assert float(p.sum()) == pytest.approx((3 * 54 - 1) / 4)
    kept = np.random.default_rng(0).random((20_000, 54)) < p
    assert float(kept.sum(axis=1).mean()) == pytest.approx(40.25, abs=0.05)
