"""worked_examples/losses.py: cross-entropy-gradient, loss-values, focal-loss-values,
multiclass-hinge, dice-imbalance and regression-likelihood, hand-checked, and cross-checked
against PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, step, table

from worked_examples.losses import (
    cross_entropy_parts,
    dice_imbalance,
    focal_loss_parts,
    noise_likelihood,
    regression_losses,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("cross-entropy-gradient", {"target": 3}, "target"),
        ("loss-values", {"targets": [0.0]}, "targets"),
        ("loss-values", {"delta": 0.0}, "delta"),
        ("focal-loss-values", {"probabilities": [1.0]}, "probabilities"),
        ("focal-loss-values", {"alpha": 0.0}, "alpha"),
        ("multiclass-hinge", {"margin": 0.0}, "margin"),
        ("dice-imbalance", {"probability": 0.6}, "probability"),
        ("dice-imbalance", {"foreground": 100}, "foreground"),
        ("regression-likelihood", {"sigma": 0.0}, "sigma"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- cross-entropy-gradient ------------------------------------------------------------------


def test_cross_entropy_gradient_hand_checked(recipes: DeckRecipes) -> None:
    # e^2 + e^1 + e^0.1 = 7.389 + 2.718 + 1.105 = 11.21; p_0 = 7.389/11.21 = 0.659;
    # L = -ln 0.659 = 0.417; dL/dz = (0.659 - 1, 0.2424, 0.09857).
    r = cross_entropy_parts([2.0, 1.0, 0.1], 0)
    total = math.exp(2) + math.exp(1) + math.exp(0.1)
    assert r.loss == pytest.approx(-math.log(math.exp(2) / total))
    assert r.gradient[0] == pytest.approx(math.exp(2) / total - 1)
    assert float(r.gradient.sum()) == pytest.approx(0.0, abs=1e-15)
    example = recipes.example("cross-entropy-gradient")
    assert result(example, "sum of exponentials") == 11.21
    assert result(example, "(softmax") == 0.659
    assert result(example, "(loss") == 0.417
    assert result(example, "(gradient)") == -0.341
    assert column(table(example), "$p_i - y_i$") == [-0.341, 0.2424, 0.09857]


# --- loss-values -----------------------------------------------------------------------------


def test_loss_values_hand_checked(recipes: DeckRecipes) -> None:
    # r = 0.5, 2, -1.5. MAE = 4/3 = 1.333; MSE = (0.25 + 4 + 2.25)/3 = 2.167;
    # smooth L1 (beta 1): 0.5*0.25 = 0.125, 2 - 0.5 = 1.5, 1.5 - 0.5 = 1 -> 2.625/3 = 0.875.
    r = regression_losses([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0)
    assert r.smooth_l1.tolist() == [0.125, 1.5, 1.0]
    assert r.mae == pytest.approx(4 / 3)
    assert r.mse == pytest.approx(6.5 / 3)
    assert r.smooth_l1_mean == pytest.approx(0.875)
    example = recipes.example("loss-values")
    assert column(table(example), "smooth L1") == [0.125, 1.5, 1]
    assert result(example, "(MAE") == 1.333
    assert result(example, "(MSE") == 2.167
    assert result(example, "nn.SmoothL1Loss") == 0.875


@pytest.mark.parametrize(
    ("predictions", "targets", "delta"),
    [
        ([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0),
        ([1.0, -3.0, 0.2, 4.0], [0.5, -1.0, 0.3, 0.0], 0.5),
        ([10.0, 0.0], [7.0, 0.1], 2.5),
    ],
)
def test_loss_values_match_pytorch(
    predictions: list[float], targets: list[float], delta: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check loss functions")
    p = torch.tensor(predictions, dtype=torch.float64)
    t = torch.tensor(targets, dtype=torch.float64)
    r = regression_losses(predictions, targets, delta)
    nn = torch.nn
    assert r.mae == pytest.approx(float(nn.L1Loss()(p, t)), rel=1e-12)
    assert r.mse == pytest.approx(float(nn.MSELoss()(p, t)), rel=1e-12)
    assert r.smooth_l1_mean == pytest.approx(float(nn.SmoothL1Loss(beta=delta)(p, t)), rel=1e-12)
    assert r.huber_mean == pytest.approx(float(nn.HuberLoss(delta=delta)(p, t)), rel=1e-12)
    per_element = nn.SmoothL1Loss(beta=delta, reduction="none")(p, t).numpy()
    np.testing.assert_allclose(r.smooth_l1, per_element, rtol=1e-12)


# --- focal-loss-values -----------------------------------------------------------------------


def test_focal_loss_hand_checked(recipes: DeckRecipes) -> None:
    # p = 0.9: CE = -ln 0.9 = 0.1054; (1 - 0.9)^2 = 0.01; FL = 0.25 * 0.01 * 0.1054 = 2.634e-4.
    # CE/FL = 1/(0.25 * 0.01) = 400; without alpha 1/0.01 = 100 (the paper's "100x lower").
    # Against p = 0.1, whose factor is 0.9^2 = 0.81: 0.81/0.01 = 81.
    r = focal_loss_parts([0.9, 0.6, 0.1], 2.0, 0.25)
    assert r.focal[0] == pytest.approx(0.25 * 0.01 * -math.log(0.9))
    assert r.ratio[0] == pytest.approx(0.0025)
    example = recipes.example("focal-loss-values")
    losses = table(example)
    assert column(losses, "CE")[0] == 0.1054
    assert column(losses, "FL")[0] == 0.0002634
    assert result(example, "modulating factor") == 100
    assert result(example, "alpha-balanced") == 400
    assert result(example, "$p_t = 0.1$") == 81


# --- multiclass-hinge ------------------------------------------------------------------------


def test_multiclass_hinge_hand_checked(recipes: DeckRecipes) -> None:
    # CS231n: s = (13, -7, 11), y = 0, Delta = 10: max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10)
    # = 0 + 8 = 8. With (10, 9, 9) and Delta = 1 every margin holds: hinge 0, while the
    # cross-entropy is ln(1 + 2/e) = 0.5514.
    hinge = step(recipes.example("multiclass-hinge"), "multiclass SVM loss")
    assert numbers(hinge.substituted) == [0, 8] and numbers(hinge.result) == [8]
    satisfied = recipes.example("multiclass-hinge", scores=[10.0, 9.0, 9.0], margin=1.0)
    assert result(satisfied, "multiclass SVM loss") == 0
    assert result(satisfied, "for comparison") == 0.5514
    assert math.log(1 + 2 / math.e) == pytest.approx(0.5514, abs=5e-5)


# --- dice-imbalance --------------------------------------------------------------------------


def test_dice_imbalance_hand_checked(recipes: DeckRecipes) -> None:
    # 98 background and 2 foreground pixels, p = 0.05 everywhere: accuracy 98/100;
    # BCE = (98 * -ln 0.95 + 2 * -ln 0.05)/100 = 0.1102; D = 2*2*0.05/(100*0.0025 + 2) = 0.08889.
    r = dice_imbalance(100, 2, 0.05)
    assert r.accuracy == 0.98
    assert r.bce == pytest.approx((98 * -math.log(0.95) + 2 * -math.log(0.05)) / 100)
    assert r.dice == pytest.approx(0.2 / 2.25)
    example = recipes.example("dice-imbalance")
    assert result(example, "像素准确率") == 0.98
    assert result(example, "(mean BCE)") == 0.1102
    assert result(example, "Dice 系数") == 0.08889
    assert result(example, "Dice 损失") == 0.9111


@pytest.mark.parametrize(("pixels", "foreground", "p"), [(100, 2, 0.05), (1000, 30, 0.2)])
def test_dice_imbalance_bce_matches_pytorch(pixels: int, foreground: int, p: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BCE")
    g = torch.zeros(pixels, dtype=torch.float64)
    g[:foreground] = 1.0
    probs = torch.full((pixels,), p, dtype=torch.float64)
    bce = torch.nn.functional.binary_cross_entropy(probs, g)
    r = dice_imbalance(pixels, foreground, p)
    assert r.bce == pytest.approx(float(bce), rel=1e-12)
    dice = 2 * float((probs * g).sum()) / float((probs**2).sum() + (g**2).sum())
    assert r.dice == pytest.approx(dice, rel=1e-12)


# --- regression-likelihood -------------------------------------------------------------------


def test_regression_likelihood_hand_checked(recipes: DeckRecipes) -> None:
    # MSE = 2.167, MAE = 1.333: Gaussian 2.167/2 + 0.5 ln(2 pi) = 2.002; Laplace 1.333 + ln 2.
    r = noise_likelihood([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0, 1.0)
    assert r.gaussian_nll == pytest.approx(6.5 / 3 / 2 + 0.5 * math.log(2 * math.pi))
    assert r.laplace_nll == pytest.approx(4 / 3 + math.log(2))
    example = recipes.example("regression-likelihood")
    assert result(example, "(Gaussian)") == 2.002
    assert result(example, "(Laplace)") == 2.026


@pytest.mark.parametrize(
    ("predictions", "targets", "sigma", "b"),
    [([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0, 1.0), ([1.0, -3.0, 0.2], [0.5, -1.0, 0.3], 0.7, 2.0)],
)
def test_regression_likelihood_matches_pytorch(
    predictions: list[float], targets: list[float], sigma: float, b: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check likelihoods")
    mean = torch.tensor(predictions, dtype=torch.float64)
    y = torch.tensor(targets, dtype=torch.float64)
    gaussian = -torch.distributions.Normal(mean, sigma).log_prob(y).mean()
    laplace = -torch.distributions.Laplace(mean, b).log_prob(y).mean()
    r = noise_likelihood(predictions, targets, sigma, b)
    assert r.gaussian_nll == pytest.approx(float(gaussian), rel=1e-12)
    assert r.laplace_nll == pytest.approx(float(laplace), rel=1e-12)
