"""Activation and loss examples: hand-checked, and cross-checked against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import REPO
from conftest import refused_parameter as refused
from conftest import render_example as example

from ankigen.recipes import load_recipe_folders
from worked_examples.activations import (
    sigmoid_chain_bound,
    sigmoid_chain_gradient,
    stable_softmax,
    tanh_and_sigmoid_form,
)
from worked_examples.losses import cross_entropy_gradient, focal_loss, regression_losses

load_recipe_folders([REPO / "worked_examples"])


# --- softmax-stable --------------------------------------------------------------------------


def test_softmax_stable_hand_checked() -> None:
    # e^1000 > float64 max (about e^709.78): inf, and inf/inf = NaN. Shifted by m = 1002:
    # e^-2, e^-1, e^0 = 0.1353, 0.3679, 1; S = 1.503; p = 0.09003, 0.2447, 0.6652.
    r = stable_softmax([1000.0, 1001.0, 1002.0])
    assert np.all(np.isinf(r.naive_exp)) and np.all(np.isnan(r.naive))
    s = 1 + math.exp(-1) + math.exp(-2)
    np.testing.assert_allclose(r.probabilities, [math.exp(-2) / s, math.exp(-1) / s, 1 / s])
    html = example("softmax-stable")
    assert "\\infty" in html and "\\text{NaN}" in html and "709.78" in html
    for shown in ("\\(= 1.503\\)", "\\(0.09003\\)", "\\(0.2447\\)", "\\(0.6652\\)"):
        assert shown in html
    assert "underflow" in example("softmax-stable", logits=[-1000.0, -1001.0])
    assert "no overflow" in example("softmax-stable", logits=[1.0, 2.0])
    assert refused("softmax-stable", logits=[1.0]) == "logits"


@pytest.mark.parametrize(
    "logits", [[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0], [2.0, 1.0, 0.1, -3.0], [0.0, 800.0]]
)
def test_softmax_stable_matches_pytorch(logits: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check softmax")
    z = torch.tensor(logits, dtype=torch.float64)
    r = stable_softmax(logits)
    np.testing.assert_allclose(r.probabilities, torch.softmax(z, dim=0).numpy(), rtol=1e-12)
    np.testing.assert_array_equal(r.naive_exp, torch.exp(z).numpy())  # the same inf / 0


# --- cross-entropy-gradient ------------------------------------------------------------------


def test_cross_entropy_gradient_hand_checked() -> None:
    # e^2 + e^1 + e^0.1 = 7.389 + 2.718 + 1.105 = 11.21; p_0 = 7.389/11.21 = 0.659;
    # L = -ln 0.659 = 0.417; dL/dz = (0.659 - 1, 0.2424, 0.09857).
    r = cross_entropy_gradient([2.0, 1.0, 0.1], 0)
    total = math.exp(2) + math.exp(1) + math.exp(0.1)
    assert r.loss == pytest.approx(-math.log(math.exp(2) / total))
    assert r.gradient[0] == pytest.approx(math.exp(2) / total - 1)
    assert float(r.gradient.sum()) == pytest.approx(0.0, abs=1e-15)
    html = example("cross-entropy-gradient")
    for shown in ("\\(= 11.21\\)", "\\(= 0.659\\)", "\\(= 0.417\\)", "\\(= -0.341\\)"):
        assert shown in html
    assert refused("cross-entropy-gradient", target=3) == "target"


@pytest.mark.parametrize(
    ("logits", "target"), [([2.0, 1.0, 0.1], 0), ([2.0, 1.0, 0.1], 2), ([-5.0, 3.0, 0.0, 7.5], 1)]
)
def test_cross_entropy_gradient_matches_pytorch_autograd(logits: list[float], target: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check cross-entropy")
    z = torch.tensor([logits], dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(z, torch.tensor([target]))
    loss.backward()
    assert z.grad is not None
    r = cross_entropy_gradient(logits, target)
    assert r.loss == pytest.approx(float(loss.detach()), rel=1e-12)
    np.testing.assert_allclose(r.gradient, z.grad[0].numpy(), rtol=1e-10, atol=1e-14)


# --- sigmoid-chain ---------------------------------------------------------------------------


def test_sigmoid_chain_hand_checked() -> None:
    # sigma'(0) = 0.5 * 0.5 = 0.25; after 10 layers 0.25^10 = 1/1048576 = 9.537e-7.
    assert sigmoid_chain_bound(10)[-1] == 0.25**10
    # w = 1, b = -0.5 from x_0 = 0.5: every pre-activation is 0, so the bound is attained.
    assert sigmoid_chain_gradient(10, 0.5, 1.0, -0.5) == pytest.approx(0.25**10)
    html = example("sigmoid-chain")
    assert "\\(= 0.25\\)" in html and "\\(= 9.537 \\times 10^{-7}\\)" in html
    assert refused("sigmoid-chain", layers=0) == "layers"


@pytest.mark.parametrize(
    ("layers", "x0", "weight", "bias"),
    [(10, 0.5, 1.0, -0.5), (3, 0.2, 0.8, 0.1), (6, -1.0, 1.0, 0)],
)
def test_sigmoid_chain_matches_pytorch_autograd(
    layers: int, x0: float, weight: float, bias: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check sigmoid chains")
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    a = x
    for _ in range(layers):
        a = torch.sigmoid(weight * a + bias)
    a.backward()
    assert x.grad is not None
    gradient = float(x.grad)
    assert sigmoid_chain_gradient(layers, x0, weight, bias) == pytest.approx(gradient, rel=1e-12)
    assert abs(gradient) <= sigmoid_chain_bound(layers)[-1] * abs(weight) ** layers * (1 + 1e-12)


# --- tanh-sigmoid-identity -------------------------------------------------------------------


def test_tanh_sigmoid_identity_hand_checked() -> None:
    # x = 1: tanh 1 = 0.7616; sigma(2) = 1/(1 + e^-2) = 0.8808; 2*0.8808 - 1 = 0.7616.
    tanh, s2, rescaled = tanh_and_sigmoid_form([1.0])
    assert s2[0] == pytest.approx(1 / (1 + math.exp(-2)))
    assert rescaled[0] == pytest.approx(tanh[0], abs=1e-15)
    html = example("tanh-sigmoid-identity")
    assert "\\(0.7616\\)" in html and "\\(= 2\\times 0.8808 - 1\\)" in html
    assert "\\(= 0.7616 = \\tanh 1\\)" in html
    assert refused("tanh-sigmoid-identity", points=[1e9]) == "points"


@pytest.mark.parametrize("points", [[-2.0, -0.5, 0.0, 1.0, 3.0], [-30.0, 0.01, 7.0], [0.3]])
def test_tanh_sigmoid_identity_matches_pytorch(points: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check tanh and sigmoid")
    x = torch.tensor(points, dtype=torch.float64)
    tanh, s2, rescaled = tanh_and_sigmoid_form(points)
    np.testing.assert_allclose(tanh, torch.tanh(x).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(s2, torch.sigmoid(2 * x).numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(rescaled, torch.tanh(x).numpy(), rtol=0, atol=4e-16)


# --- loss-values -----------------------------------------------------------------------------


def test_loss_values_hand_checked() -> None:
    # r = 0.5, 2, -1.5. MAE = 4/3 = 1.333; MSE = (0.25 + 4 + 2.25)/3 = 2.167;
    # smooth L1 (beta 1): 0.5*0.25 = 0.125, 2 - 0.5 = 1.5, 1.5 - 0.5 = 1 -> 2.625/3 = 0.875.
    r = regression_losses([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0)
    assert r.smooth_l1.tolist() == [0.125, 1.5, 1.0]
    assert r.mae == pytest.approx(4 / 3)
    assert r.mse == pytest.approx(6.5 / 3)
    assert r.smooth_l1_mean == pytest.approx(0.875)
    html = example("loss-values")
    for shown in ("\\(= 1.333\\)", "\\(= 2.167\\)", "\\(= 0.875\\)"):
        assert shown in html
    assert refused("loss-values", targets=[0.0]) == "targets"
    assert refused("loss-values", delta=0.0) == "delta"


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


def test_focal_loss_hand_checked() -> None:
    # p = 0.9: CE = -ln 0.9 = 0.1054; (1 - 0.9)^2 = 0.01; FL = 0.25 * 0.01 * 0.1054 = 2.634e-4.
    # CE/FL = 1/(0.25 * 0.01) = 400; without alpha 1/0.01 = 100 (the paper's "100x lower").
    # Against p = 0.1, whose factor is 0.9^2 = 0.81: 0.81/0.01 = 81.
    r = focal_loss([0.9, 0.6, 0.1], 2.0, 0.25)
    assert r.focal[0] == pytest.approx(0.25 * 0.01 * -math.log(0.9))
    assert r.ratio[0] == pytest.approx(0.0025)
    html = example("focal-loss-values")
    for shown in ("\\(0.1054\\)", "\\(0.0002634\\)", "\\(= 100\\)", "\\(= 400\\)", "\\(= 81\\)"):
        assert shown in html
    assert refused("focal-loss-values", probabilities=[1.0]) == "probabilities"
    assert refused("focal-loss-values", alpha=0.0) == "alpha"


@pytest.mark.parametrize(
    ("probabilities", "gamma", "alpha"),
    [([0.9, 0.6, 0.1], 2.0, 0.25), ([0.99, 0.5], 0.0, 1.0), ([0.3, 0.75, 0.01, 0.5], 5.0, 0.6)],
)
def test_focal_loss_matches_pytorch_from_the_paper(
    probabilities: list[float], gamma: float, alpha: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check focal loss")
    functional = torch.nn.functional
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
        r = focal_loss(probabilities, gamma, alpha_t)
        np.testing.assert_allclose(r.cross_entropy, ce.numpy(), rtol=1e-9)
        np.testing.assert_allclose(r.focal, expected.numpy(), rtol=1e-9, atol=1e-300)
