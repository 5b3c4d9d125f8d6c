"""worked_examples/softmax_gradients.py: softmax-jacobian, log-softmax-stable,
distillation-temperature and bce-with-logits, hand-checked, and cross-checked against
PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table

from worked_examples.softmax_gradients import (
    cross_entropy_through_jacobian,
    logsumexp_parts,
    sigmoid_then_bce,
    soft_target_gradient,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("softmax-jacobian", {"logits": [1.0, 2.0, 3.0, 4.0, 5.0]}, "logits"),
        ("softmax-jacobian", {"target": 3}, "target"),
        ("log-softmax-stable", {"target": 2}, "target"),
        ("distillation-temperature", {"temperatures": [0.0]}, "temperatures"),
        ("distillation-temperature", {"teacher": [1.0, 2.0]}, "teacher"),
        ("bce-with-logits", {"target": 0.5}, "target"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- softmax-jacobian ------------------------------------------------------------------------


def test_softmax_jacobian_hand_checked(recipes: DeckRecipes) -> None:
    # p = (0.659, 0.2424, 0.09857): J_00 = 0.659 * 0.341 = 0.2247, J_10 = -0.2424 * 0.659 =
    # -0.1598; -1/p_0 = -1.517 times row 0 of J gives p - y = (-0.341, 0.2424, 0.09857).
    r = cross_entropy_through_jacobian([2.0, 1.0, 0.1], 0)
    p = r.probabilities
    assert r.jacobian[0, 0] == pytest.approx(p[0] * (1 - p[0]))
    assert r.jacobian[1, 0] == pytest.approx(-p[1] * p[0])
    np.testing.assert_allclose(r.jacobian.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(r.jacobian, r.jacobian.T)
    np.testing.assert_allclose(r.gradient, p - np.array([1.0, 0.0, 0.0]), atol=1e-15)
    example = recipes.example("softmax-jacobian")
    assert numbers(step(example, "(probabilities)").result) == [0.659, 0.2424, 0.09857]
    assert result(example, "$i = j = 0$") == 0.2247
    assert result(example, "$i=1$") == -0.1598
    assert result(example, "(upstream)") == -1.517
    chain = table(example)
    assert column(chain, "$J_{0j}$") == [0.2247, -0.1598, -0.06496]
    assert column(chain, "$\\partial L/\\partial z_j$") == [-0.341, 0.2424, 0.09857]


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


def test_log_softmax_stable_hand_checked(recipes: DeckRecipes) -> None:
    # z = (0, 800): e^-800 underflows to 0 in float64, so ln p_0 = -inf the naive way;
    # LSE = 800 + ln(1 + e^-800) = 800 and ln p_0 = 0 - 800 = -800.
    r = logsumexp_parts([0.0, 800.0], 0)
    assert math.isinf(r.naive_log_target) and r.naive_log_target < 0
    assert r.logsumexp == 800.0 and r.log_probs[0] == -800.0
    example = recipes.example("log-softmax-stable")
    assert step(example, "(softmax, then log)").result == "-\\infty"
    assert result(example, "log-sum-exp") == 800
    assert result(example, "log-softmax 不经过") == -800


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


def test_distillation_temperature_hand_checked(recipes: DeckRecipes) -> None:
    # The centred logits differ by z - v = (1 - 2/3, 1.5 - 2/3, ...) in norm 1.472; over K = 3
    # that is 0.4907, the limit of T^2 times the gradient norm (0.5023 at T = 20).
    z, v = np.array([2.0, 1.0, -1.0]), np.array([3.0, 0.5, -2.0])
    g20 = float(np.linalg.norm(soft_target_gradient(z, v, 20.0)))
    limit = float(np.linalg.norm((z - z.mean()) - (v - v.mean()))) / 3
    assert 400 * g20 == pytest.approx(limit, rel=0.03)
    example = recipes.example("distillation-temperature")
    norms = table(example)
    assert row(norms, 1) == [0.2831, 0.2831]
    assert row(norms, 20) == [0.001256, 0.5023]
    assert result(example, "很大时的极限") == 0.4907


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


def test_bce_with_logits_hand_checked(recipes: DeckRecipes) -> None:
    # float32: sigma(40) = 1/(1 + 4.2e-18) rounds to 1; -ln(1 - 1) is clamped to 100 and
    # sigma' = 1 * 0 = 0. On the logit: max(40, 0) - 0 + ln(1 + e^-40) = 40, gradient 1 - 0 = 1.
    r = sigmoid_then_bce(40.0, 0.0, np.float32)
    assert (r.probability, r.loss, r.slope, r.gradient) == (1.0, 100.0, 0.0, 0.0)
    example = recipes.example("bce-with-logits")
    assert result(example, "Sigmoid + BCELoss：log") == 100
    assert result(example, "于是 Sigmoid + BCELoss") == 0
    assert result(example, "BCEWithLogitsLoss") == 40
    gradient = step(example, "(gradient)")
    assert numbers(gradient.substituted) == [1, 0] and numbers(gradient.result) == [1]


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
