"""dlmath.losses: each loss hand-checked once, and against PyTorch's loss functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlmath.activations import sigmoid
from dlmath.losses import (
    bce_with_logits,
    binary_cross_entropy,
    clamped_log,
    cross_entropy,
    cross_entropy_gradient,
    cross_entropy_logit_gradient,
    dice_coefficient,
    focal_loss,
    focal_modulating_factor,
    gaussian_nll,
    half_squared_error,
    laplace_nll,
    multiclass_hinge,
    one_hot,
    smooth_l1,
    smooth_l1_gradient,
    smoothed_targets,
    soft_cross_entropy,
    squared_error_logit_gradient,
    true_class_cross_entropy,
)

functional = torch.nn.functional

# --- classification --------------------------------------------------------------------------


def test_one_hot_matches_pytorch() -> None:
    assert one_hot(3, 1).tolist() == [0.0, 1.0, 0.0]
    expected = functional.one_hot(torch.tensor(2), num_classes=4).double().numpy()
    np.testing.assert_array_equal(one_hot(4, 2), expected)


def test_cross_entropy_hand_checked() -> None:
    # e^2 + e^1 + e^0.1 = 11.21; p_0 = 7.389/11.21 = 0.659; L = -ln 0.659 = 0.417;
    # dL/dz = (0.659 - 1, 0.2424, 0.09857), summing to 0.
    total = math.exp(2) + math.exp(1) + math.exp(0.1)
    assert cross_entropy([2.0, 1.0, 0.1], 0) == pytest.approx(-math.log(math.exp(2) / total))
    gradient = cross_entropy_gradient([2.0, 1.0, 0.1], 0)
    assert gradient[0] == pytest.approx(math.exp(2) / total - 1)
    assert float(gradient.sum()) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    ("logits", "target"),
    [([2.0, 1.0, 0.1], 0), ([2.0, 1.0, 0.1], 2), ([-5.0, 3.0, 0.0, 7.5], 1), ([0.0, 800.0], 0)],
)
def test_cross_entropy_and_gradient_match_pytorch_autograd(
    logits: list[float], target: int
) -> None:
    z = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    loss = functional.cross_entropy(z, torch.tensor([target]))
    (gradient,) = torch.autograd.grad(loss, z)
    assert cross_entropy(logits, target) == pytest.approx(float(loss.detach()), rel=1e-12)
    np.testing.assert_allclose(
        cross_entropy_gradient(logits, target), gradient[0].numpy(), rtol=1e-10, atol=1e-14
    )


def test_smoothed_targets_hand_checked() -> None:
    # K = 4, ε = 0.2: every class 0.2/4 = 0.05, the target 0.05 + 0.8 = 0.85.
    assert smoothed_targets(4, 0.2, 1).tolist() == pytest.approx([0.05, 0.85, 0.05, 0.05])


@pytest.mark.parametrize(("epsilon", "target"), [(0.0, 0), (0.1, 2), (0.3, 1)])
def test_soft_cross_entropy_with_smoothed_targets_is_pytorch_label_smoothing(
    epsilon: float, target: int
) -> None:
    logits = [1.0, -0.5, 3.0, 0.2]
    z = torch.tensor([logits], dtype=torch.float64)
    expected = functional.cross_entropy(z, torch.tensor([target]), label_smoothing=epsilon)
    q = smoothed_targets(len(logits), epsilon, target)
    assert soft_cross_entropy(logits, q) == pytest.approx(float(expected), rel=1e-12)
    probabilities = torch.tensor(q)[None]
    assert soft_cross_entropy(logits, q) == pytest.approx(
        float(functional.cross_entropy(z, probabilities)), rel=1e-12
    )


def test_focal_loss_hand_checked() -> None:
    # p_t = 0.9, γ = 2: CE = -ln 0.9 = 0.10536; (0.1)^2 = 0.01; FL = 0.0010536, 100x less;
    # α = 0.25 makes it 400x less. γ = 0 leaves CE.
    assert true_class_cross_entropy(0.9) == pytest.approx(0.1053605, rel=1e-6)
    assert focal_modulating_factor(0.9, 2.0) == pytest.approx(0.01)
    assert focal_loss(0.9, 2.0) == pytest.approx(0.0010536, rel=1e-4)
    assert focal_loss(0.9, 2.0, 0.25) == pytest.approx(0.25 * 0.01 * -math.log(0.9))
    assert focal_loss(np.array([0.9]), 0.0)[0] == pytest.approx(0.1053605, rel=1e-6)


def test_focal_loss_with_gamma_zero_is_pytorch_cross_entropy() -> None:
    p = np.linspace(0.01, 0.99, 50)
    targets = torch.ones(p.size, dtype=torch.float64)
    expected = functional.binary_cross_entropy(torch.tensor(p), targets, reduction="none")
    np.testing.assert_allclose(focal_loss(p, 0.0), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(true_class_cross_entropy(p), expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("probabilities", "gamma", "alpha"),
    [([0.9, 0.6, 0.1], 2.0, 0.25), ([0.99, 0.5], 0.0, 1.0), ([0.3, 0.75, 0.01, 0.5], 5.0, 0.6)],
)
def test_focal_loss_matches_pytorch_from_the_paper(
    probabilities: list[float], gamma: float, alpha: float
) -> None:
    p = torch.tensor(probabilities, dtype=torch.float64)
    for target in (1.0, 0.0):
        # Lin et al. 2017 with sigmoid outputs: p_t = p for y = 1 and 1 - p for y = 0;
        # alpha_t likewise alpha or 1 - alpha. Build the logit that gives this p_t.
        sigmoid_p = p if target == 1.0 else 1 - p
        logits = torch.log(sigmoid_p / (1 - sigmoid_p))
        y = torch.full_like(p, target)
        ce = functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
        p_t = torch.exp(-ce)
        alpha_t = alpha if target == 1.0 else 1 - alpha
        expected = alpha_t * (1 - p_t) ** gamma * ce
        mine = np.array(probabilities)
        np.testing.assert_allclose(true_class_cross_entropy(mine), ce.numpy(), rtol=1e-9)
        np.testing.assert_allclose(
            focal_loss(mine, gamma, alpha_t), expected.numpy(), rtol=1e-9, atol=1e-300
        )


def test_multiclass_hinge_hand_checked() -> None:
    # CS231n: s = (13, -7, 11), y = 0, Δ = 10: max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10)
    # = 0 + 8 = 8. With (10, 9, 9) and Δ = 1 every margin holds: 0.
    assert multiclass_hinge([13.0, -7.0, 11.0], 0, 10.0).tolist() == [0.0, 0.0, 8.0]
    assert float(multiclass_hinge([10.0, 9.0, 9.0], 0, 1.0).sum()) == 0.0


@pytest.mark.parametrize(
    ("scores", "target", "margin"),
    [([13.0, -7.0, 11.0], 0, 10.0), ([10.0, 9.0, 9.0], 0, 1.0), ([0.2, 1.5, -0.3, 1.4], 3, 1.0)],
)
def test_multiclass_hinge_matches_pytorch(scores: list[float], target: int, margin: float) -> None:
    s = torch.tensor([scores], dtype=torch.float64)
    # nn.MultiMarginLoss divides the CS231n sum by the number of classes.
    per_class = torch.nn.MultiMarginLoss(margin=margin)(s, torch.tensor([target]))
    total = float(multiclass_hinge(scores, target, margin).sum())
    assert total == pytest.approx(float(per_class) * len(scores), rel=1e-12, abs=1e-15)


# --- binary outputs --------------------------------------------------------------------------


def test_binary_cross_entropy_hand_checked() -> None:
    # y = 1, p = 0.8: -ln 0.8 = 0.2231; y = 0, p = 1: -ln 0 is clamped to 100.
    assert binary_cross_entropy(0.8, 1.0) == pytest.approx(-math.log(0.8))
    assert binary_cross_entropy(1.0, 0.0) == 100.0
    assert clamped_log(0.0) == -100.0 and clamped_log(1.0) == 0.0


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_binary_cross_entropy_matches_pytorch_bce_loss(dtype: torch.dtype) -> None:
    # Each log is taken in the dtype of p (float32 rounds sooner), as BCELoss takes it.
    p = torch.tensor([0.0, 1e-50, 0.05, 0.5, 0.95, 1.0], dtype=dtype)
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 1.0], dtype=dtype)
    expected = functional.binary_cross_entropy(p, y, reduction="none")
    mine = binary_cross_entropy(p.numpy(), y.double().numpy())
    np.testing.assert_allclose(mine, expected.double().numpy(), rtol=1e-6)


def test_bce_with_logits_hand_checked() -> None:
    # z = 40, y = 0: max(40, 0) - 0 + ln(1 + e^-40) = 40; z = 0: ln 2 whatever y.
    assert bce_with_logits(40.0, 0.0) == pytest.approx(40.0)
    assert bce_with_logits(0.0, 1.0) == pytest.approx(math.log(2))


@pytest.mark.parametrize(("logit", "target"), [(40.0, 0.0), (20.0, 0.0), (-30.0, 1.0), (0.7, 1.0)])
def test_bce_with_logits_matches_pytorch(logit: float, target: float) -> None:
    z = torch.tensor([logit], dtype=torch.float64)
    stable = torch.nn.BCEWithLogitsLoss()(z, torch.tensor([target], dtype=torch.float64))
    assert bce_with_logits(logit, target) == pytest.approx(float(stable), rel=1e-12)


def test_dice_coefficient_hand_checked() -> None:
    # p = 0.05 on 100 pixels, 2 of them foreground: 2*2*0.05 / (100*0.0025 + 2) = 0.08889;
    # a perfect mask gives 1.
    g = np.zeros(100)
    g[:2] = 1.0
    assert dice_coefficient(np.full(100, 0.05), g) == pytest.approx(0.2 / 2.25)
    assert dice_coefficient(g, g) == 1.0


# --- a sigmoid output: the gradient on the logit ---------------------------------------------


def test_logit_gradients_hand_checked_and_vanish_for_mse() -> None:
    # z = 0: a = 1/2, CE gradient 1/2 - 1 = -1/2; MSE -1/2 * 1/2 * 1/2 = -1/8; L = 1/8.
    a = sigmoid(np.array([0.0, -8.0]))
    ce, mse = cross_entropy_logit_gradient(a, 1.0), squared_error_logit_gradient(a, 1.0)
    assert ce[0] == pytest.approx(-0.5) and mse[0] == pytest.approx(-0.125)
    assert ce[1] < -0.99 and abs(mse[1]) < 1e-3  # confidently wrong: only CE still pushes
    assert half_squared_error(0.5, 1.0) == 0.125


def test_logit_gradients_match_autograd() -> None:
    for low, high in ((-8.0, 8.0), (-3.0, 1.0), (2.0, 20.0)):
        z = torch.linspace(low, high, 41, dtype=torch.float64, requires_grad=True)
        target = torch.ones_like(z)
        bce = functional.binary_cross_entropy_with_logits(z, target, reduction="sum")
        (ce_grad,) = torch.autograd.grad(bce, z)
        half_mse = 0.5 * functional.mse_loss(torch.sigmoid(z), target, reduction="sum")
        (mse_grad,) = torch.autograd.grad(half_mse, z)
        a = sigmoid(z.detach().numpy())
        np.testing.assert_allclose(
            cross_entropy_logit_gradient(a, 1.0), ce_grad.numpy(), atol=1e-12
        )
        np.testing.assert_allclose(
            squared_error_logit_gradient(a, 1.0), mse_grad.numpy(), atol=1e-12
        )
        assert float(half_squared_error(a, 1.0).sum()) == pytest.approx(float(half_mse.detach()))


# --- regression ------------------------------------------------------------------------------


def test_smooth_l1_hand_checked() -> None:
    # beta = 1: x = 0.5 -> 0.5 * 0.25 = 0.125 (slope 0.5); x = -3 -> 3 - 0.5 = 2.5 (slope -1).
    x = np.array([0.5, -3.0])
    np.testing.assert_allclose(smooth_l1(x, 1.0), [0.125, 2.5])
    np.testing.assert_allclose(smooth_l1_gradient(x, 1.0), [0.5, -1.0])


def test_smooth_l1_and_gradient_match_pytorch() -> None:
    x = np.linspace(-4, 4, 161)
    for beta in (0.1, 0.3, 1.0, 2.5):
        error = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        loss = torch.nn.SmoothL1Loss(reduction="none", beta=beta)(error, torch.zeros_like(error))
        loss.sum().backward()
        assert error.grad is not None
        np.testing.assert_allclose(smooth_l1(x, beta), loss.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(smooth_l1_gradient(x, beta), error.grad.numpy(), atol=1e-12)


def test_noise_likelihoods_hand_checked() -> None:
    # MSE = 6.5/3, σ = 1: 2.167/2 + 0.5 ln(2π) = 2.002; MAE = 4/3, b = 1: 1.333 + ln 2 = 2.026.
    assert gaussian_nll(6.5 / 3, 1.0) == pytest.approx(6.5 / 6 + 0.5 * math.log(2 * math.pi))
    assert laplace_nll(4 / 3, 1.0) == pytest.approx(4 / 3 + math.log(2))


@pytest.mark.parametrize(("sigma", "b"), [(1.0, 1.0), (0.7, 2.0)])
def test_noise_likelihoods_match_pytorch(sigma: float, b: float) -> None:
    f = torch.tensor([1.0, -3.0, 0.2], dtype=torch.float64)
    y = torch.tensor([0.5, -1.0, 0.3], dtype=torch.float64)
    variance = torch.full_like(f, sigma**2)
    gaussian = torch.nn.GaussianNLLLoss(full=True)(f, y, variance)
    mse, mae = float(((f - y) ** 2).mean()), float((f - y).abs().mean())
    assert gaussian_nll(mse, sigma) == pytest.approx(float(gaussian), rel=1e-12)
    laplace = -torch.distributions.Laplace(f, b).log_prob(y).mean()  # type: ignore[no-untyped-call]
    assert laplace_nll(mae, b) == pytest.approx(float(laplace), rel=1e-12)
