"""Activation and loss examples: hand-checked, and cross-checked against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import REPO
from conftest import refused_parameter as refused
from conftest import render_example as example

from ankigen.recipes import load_recipe_folders
from dlmath.activations import sigmoid_chain_bound
from worked_examples.activations import sigmoid_chain_gradient, tanh_and_sigmoid_form
from worked_examples.losses import (
    cross_entropy_parts,
    dice_imbalance,
    focal_loss_parts,
    noise_likelihood,
    regression_losses,
)
from worked_examples.modern_activations import (
    deep_activation_stats,
    selu_moments_of_standard_normal,
)
from worked_examples.softmax_gradients import (
    cross_entropy_through_jacobian,
    logsumexp_parts,
    sigmoid_then_bce,
    soft_target_gradient,
)

load_recipe_folders([REPO / "worked_examples"])


# --- softmax-stable --------------------------------------------------------------------------


def test_softmax_stable_hand_checked() -> None:
    # e^1000 > float64 max (about e^709.78): inf, and inf/inf = NaN. Shifted by m = 1002:
    # e^-2, e^-1, e^0 = 0.1353, 0.3679, 1; S = 1.503; p = 0.09003, 0.2447, 0.6652.
    html = example("softmax-stable")
    assert "\\infty" in html and "\\text{NaN}" in html and "709.78" in html
    for shown in ("\\(= 1.503\\)", "\\(0.09003\\)", "\\(0.2447\\)", "\\(0.6652\\)"):
        assert shown in html
    assert "underflow" in example("softmax-stable", logits=[-1000.0, -1001.0])
    assert "no overflow" in example("softmax-stable", logits=[1.0, 2.0])
    assert refused("softmax-stable", logits=[1.0]) == "logits"


# --- cross-entropy-gradient ------------------------------------------------------------------


def test_cross_entropy_gradient_hand_checked() -> None:
    # e^2 + e^1 + e^0.1 = 7.389 + 2.718 + 1.105 = 11.21; p_0 = 7.389/11.21 = 0.659;
    # L = -ln 0.659 = 0.417; dL/dz = (0.659 - 1, 0.2424, 0.09857).
    r = cross_entropy_parts([2.0, 1.0, 0.1], 0)
    total = math.exp(2) + math.exp(1) + math.exp(0.1)
    assert r.loss == pytest.approx(-math.log(math.exp(2) / total))
    assert r.gradient[0] == pytest.approx(math.exp(2) / total - 1)
    assert float(r.gradient.sum()) == pytest.approx(0.0, abs=1e-15)
    html = example("cross-entropy-gradient")
    for shown in ("\\(= 11.21\\)", "\\(= 0.659\\)", "\\(= 0.417\\)", "\\(= -0.341\\)"):
        assert shown in html
    assert refused("cross-entropy-gradient", target=3) == "target"


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
    r = focal_loss_parts([0.9, 0.6, 0.1], 2.0, 0.25)
    assert r.focal[0] == pytest.approx(0.25 * 0.01 * -math.log(0.9))
    assert r.ratio[0] == pytest.approx(0.0025)
    html = example("focal-loss-values")
    for shown in ("\\(0.1054\\)", "\\(0.0002634\\)", "\\(= 100\\)", "\\(= 400\\)", "\\(= 81\\)"):
        assert shown in html
    assert refused("focal-loss-values", probabilities=[1.0]) == "probabilities"
    assert refused("focal-loss-values", alpha=0.0) == "alpha"


# --- softmax-jacobian ------------------------------------------------------------------------


def test_softmax_jacobian_hand_checked() -> None:
    # p = (0.659, 0.2424, 0.09857): J_00 = 0.659 * 0.341 = 0.2247, J_10 = -0.2424 * 0.659 =
    # -0.1598; -1/p_0 = -1.517 times row 0 of J gives p - y = (-0.341, 0.2424, 0.09857).
    r = cross_entropy_through_jacobian([2.0, 1.0, 0.1], 0)
    p = r.probabilities
    assert r.jacobian[0, 0] == pytest.approx(p[0] * (1 - p[0]))
    assert r.jacobian[1, 0] == pytest.approx(-p[1] * p[0])
    np.testing.assert_allclose(r.jacobian.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(r.jacobian, r.jacobian.T)
    np.testing.assert_allclose(r.gradient, p - np.array([1.0, 0.0, 0.0]), atol=1e-15)
    html = example("softmax-jacobian")
    for shown in ("\\(= 0.2247\\)", "\\(= -0.1598\\)", "\\(= -1.517\\)", "\\(-0.06496\\)"):
        assert shown in html
    assert "\\(-0.341\\)" in html and "\\(0.09857\\)" in html
    assert refused("softmax-jacobian", logits=[1.0, 2.0, 3.0, 4.0, 5.0]) == "logits"
    assert refused("softmax-jacobian", target=3) == "target"


@pytest.mark.parametrize(
    ("logits", "target"), [([2.0, 1.0, 0.1], 0), ([0.5, -1.0], 1), ([3.0, 3.0, -2.0, 0.0], 2)]
)
def test_softmax_jacobian_matches_pytorch_autograd(logits: list[float], target: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the Jacobian")
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    jacobian = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), z)
    r = cross_entropy_through_jacobian(logits, target)
    np.testing.assert_allclose(r.jacobian, jacobian.numpy(), rtol=1e-12, atol=1e-15)
    loss = torch.nn.functional.cross_entropy(z[None], torch.tensor([target]))
    loss.backward()
    assert z.grad is not None
    np.testing.assert_allclose(r.gradient, z.grad.numpy(), rtol=1e-10, atol=1e-15)


# --- log-softmax-stable ----------------------------------------------------------------------


def test_log_softmax_stable_hand_checked() -> None:
    # z = (0, 800): e^-800 underflows to 0 in float64, so ln p_0 = -inf the naive way;
    # LSE = 800 + ln(1 + e^-800) = 800 and ln p_0 = 0 - 800 = -800.
    r = logsumexp_parts([0.0, 800.0], 0)
    assert math.isinf(r.naive_log_target) and r.naive_log_target < 0
    assert r.logsumexp == 800.0 and r.log_probs[0] == -800.0
    html = example("log-softmax-stable")
    assert "\\(= -\\infty\\)" in html and "\\(= -800\\)" in html and "\\(= 800\\)" in html
    assert refused("log-softmax-stable", target=2) == "target"


@pytest.mark.parametrize(
    ("logits", "target"), [([0.0, 800.0], 0), ([1000.0, 1001.0, 1002.0], 1), ([2.0, -3.0], 0)]
)
def test_log_softmax_stable_matches_pytorch(logits: list[float], target: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check log-softmax")
    z = torch.tensor(logits, dtype=torch.float64)
    r = logsumexp_parts(logits, target)
    assert r.logsumexp == pytest.approx(float(torch.logsumexp(z, dim=0)), rel=1e-15)
    np.testing.assert_allclose(r.log_probs, torch.log_softmax(z, dim=0).numpy(), rtol=1e-15)
    naive = float(torch.log(torch.softmax(z, dim=0))[target])
    assert r.naive_log_target == pytest.approx(naive, rel=1e-12) or (
        math.isinf(naive) and math.isinf(r.naive_log_target)
    )


# --- distillation-temperature ----------------------------------------------------------------


def test_distillation_temperature_hand_checked() -> None:
    # The centred logits differ by z - v = (1 - 2/3, 1.5 - 2/3, ...) in norm 1.472; over K = 3
    # that is 0.4907, the limit of T^2 times the gradient norm (0.5023 at T = 20).
    z, v = np.array([2.0, 1.0, -1.0]), np.array([3.0, 0.5, -2.0])
    g20 = float(np.linalg.norm(soft_target_gradient(z, v, 20.0)))
    limit = float(np.linalg.norm((z - z.mean()) - (v - v.mean()))) / 3
    assert 400 * g20 == pytest.approx(limit, rel=0.03)
    html = example("distillation-temperature")
    for shown in ("\\(0.2831\\)", "\\(0.5023\\)", "\\(= 0.4907\\)", "\\(0.001256\\)"):
        assert shown in html
    assert refused("distillation-temperature", temperatures=[0.0]) == "temperatures"
    assert refused("distillation-temperature", teacher=[1.0, 2.0]) == "teacher"


@pytest.mark.parametrize("temperature", [1.0, 2.0, 5.0, 20.0])
def test_distillation_gradient_matches_pytorch_autograd(temperature: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check distillation")
    functional = torch.nn.functional
    student, teacher = [2.0, 1.0, -1.0], [3.0, 0.5, -2.0]
    z = torch.tensor([student], dtype=torch.float64, requires_grad=True)
    q = torch.softmax(torch.tensor([teacher], dtype=torch.float64) / temperature, dim=1)
    # KL(q || p) as PyTorch writes it: same gradient as the soft cross-entropy.
    loss = functional.kl_div(
        functional.log_softmax(z / temperature, dim=1), q, reduction="batchmean"
    )
    loss.backward()
    assert z.grad is not None
    expected = soft_target_gradient(np.array(student), np.array(teacher), temperature)
    np.testing.assert_allclose(expected, z.grad[0].numpy(), rtol=1e-10, atol=1e-16)


# --- bce-with-logits -------------------------------------------------------------------------


def test_bce_with_logits_hand_checked() -> None:
    # float32: sigma(40) = 1/(1 + 4.2e-18) rounds to 1; -ln(1 - 1) is clamped to 100 and
    # sigma' = 1 * 0 = 0. On the logit: max(40, 0) - 0 + ln(1 + e^-40) = 40, gradient 1 - 0 = 1.
    r = sigmoid_then_bce(40.0, 0.0, np.float32)
    assert (r.probability, r.loss, r.slope, r.gradient) == (1.0, 100.0, 0.0, 0.0)
    html = example("bce-with-logits")
    assert "\\(= 100\\)" in html and "\\(= 40\\)" in html and "\\(= 1 - 0\\)" in html
    assert refused("bce-with-logits", target=0.5) == "target"


@pytest.mark.parametrize(("logit", "target"), [(40.0, 0.0), (20.0, 0.0), (-30.0, 1.0), (0.7, 1.0)])
def test_bce_with_logits_matches_pytorch(logit: float, target: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BCE")
    y = torch.tensor([target])
    z = torch.tensor([logit], requires_grad=True)
    naive = torch.nn.BCELoss()(torch.sigmoid(z), y)
    naive.backward()
    assert z.grad is not None
    r = sigmoid_then_bce(logit, target, np.float32)
    assert r.loss == pytest.approx(float(naive.detach()), rel=1e-6)
    assert r.gradient == pytest.approx(float(z.grad), rel=1e-5, abs=1e-7)


# --- multiclass-hinge ------------------------------------------------------------------------


def test_multiclass_hinge_hand_checked() -> None:
    # CS231n: s = (13, -7, 11), y = 0, Delta = 10: max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10)
    # = 0 + 8 = 8. With (10, 9, 9) and Delta = 1 every margin holds: hinge 0, while the
    # cross-entropy is ln(1 + 2/e) = 0.5514.
    html = example("multiclass-hinge")
    assert "\\(= 0 + 8\\)" in html and "\\(= 8\\)" in html
    satisfied = example("multiclass-hinge", scores=[10.0, 9.0, 9.0], margin=1.0)
    assert "\\(= 0\\)" in satisfied and "\\(= 0.5514\\)" in satisfied
    assert math.log(1 + 2 / math.e) == pytest.approx(0.5514, abs=5e-5)
    assert refused("multiclass-hinge", margin=0.0) == "margin"


# --- dice-imbalance --------------------------------------------------------------------------


def test_dice_imbalance_hand_checked() -> None:
    # 98 background and 2 foreground pixels, p = 0.05 everywhere: accuracy 98/100;
    # BCE = (98 * -ln 0.95 + 2 * -ln 0.05)/100 = 0.1102; D = 2*2*0.05/(100*0.0025 + 2) = 0.08889.
    r = dice_imbalance(100, 2, 0.05)
    assert r.accuracy == 0.98
    assert r.bce == pytest.approx((98 * -math.log(0.95) + 2 * -math.log(0.05)) / 100)
    assert r.dice == pytest.approx(0.2 / 2.25)
    html = example("dice-imbalance")
    for shown in ("\\(= 0.98\\)", "\\(= 0.1102\\)", "\\(= 0.08889\\)", "\\(= 0.9111\\)"):
        assert shown in html
    assert refused("dice-imbalance", probability=0.6) == "probability"
    assert refused("dice-imbalance", foreground=100) == "foreground"


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


def test_regression_likelihood_hand_checked() -> None:
    # MSE = 2.167, MAE = 1.333: Gaussian 2.167/2 + 0.5 ln(2 pi) = 2.002; Laplace 1.333 + ln 2.
    r = noise_likelihood([0.5, 2.0, -1.5], [0.0, 0.0, 0.0], 1.0, 1.0)
    assert r.gaussian_nll == pytest.approx(6.5 / 3 / 2 + 0.5 * math.log(2 * math.pi))
    assert r.laplace_nll == pytest.approx(4 / 3 + math.log(2))
    html = example("regression-likelihood")
    assert "\\(= 2.002\\)" in html and "\\(= 2.026\\)" in html
    assert refused("regression-likelihood", sigma=0.0) == "sigma"


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


# --- selu-self-normalizing -------------------------------------------------------------------


def test_selu_self_normalizing_hand_checked() -> None:
    # N(0, 1) is the fixed point: E[selu(z)] = 0 and E[selu(z)^2] = 1 (Klambauer et al.).
    mean, second = selu_moments_of_standard_normal()
    assert abs(mean) < 1e-6 and second == pytest.approx(1.0, abs=1e-6)
    selu_stats = deep_activation_stats("selu", 32, 256, 512, 0)
    relu_stats = deep_activation_stats("relu", 32, 256, 512, 0)
    assert all(abs(m) < 0.05 and 0.9 < v < 1.1 for m, v in selu_stats)
    assert relu_stats[-1][1] < 1e-6  # ReLU with variance 1/n weights fades away
    html = example("selu-self-normalizing")
    assert "\\(\\lambda = 1.0507\\)" in html and "\\(\\alpha = 1.6733\\)" in html
    assert "\\(= 0\\)" in html and "\\(= 1\\)" in html
    assert refused("selu-self-normalizing", layers=0) == "layers"
