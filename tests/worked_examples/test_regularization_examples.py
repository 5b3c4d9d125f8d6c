"""worked_examples/regularization.py: weight-penalty, inverted-dropout, mixup, cutmix-box and
stochastic-depth, hand-checked, and the same behaviour from torch.optim (weight_decay, AdamW),
nn.Dropout and the mixup loss code on card reg-mixup-loss."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import card_code, column, numbers, result, step, table

from dlmath.losses import soft_cross_entropy
from dlmath.optimizers import ADAM_BETAS, ADAM_EPS
from dlmath.regularization import (
    adam_first_steps,
    cutmix_box,
    dropout_mask,
    empirical_mean,
    inverted_dropout,
    mixup,
    penalties,
    sgd_updates,
    survival_probabilities,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("weight-penalty", {"gradients": [0.1]}, "gradients"),
        ("weight-penalty", {"lam": -0.1}, "lam"),
        ("weight-penalty", {"weights": []}, "weights"),
        ("inverted-dropout", {"p": 1.0}, "p"),
        ("mixup", {"lam": 1.5}, "lam"),
        ("mixup", {"class_j": 3}, "class_j"),
        ("cutmix-box", {"cx": 32}, "cx"),
        ("stochastic-depth", {"p_last": 0.0}, "p_last"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- weight-penalty -----------------------------------------------------------------------


def test_weight_penalty_hand_checked(recipes: DeckRecipes) -> None:
    # w = (0.5, -1, 2), lambda 0.01: L1 = 0.01 * 3.5 = 0.035, grad (0.01, -0.01, 0.01);
    # L2 = 0.005 * (0.25 + 1 + 4) = 0.02625, grad (0.005, -0.01, 0.02).
    # SGD lr 0.1, g = 0: L2 step and decay both give 0.999 w = (0.4995, -0.999, 1.998);
    # L1 step subtracts 0.1*0.01 = 0.001 * sign(w): (0.499, -0.999, 1.999).
    w = np.array([0.5, -1.0, 2.0])
    l1, l1_grad, l2, l2_grad = penalties(w, 0.01)
    assert l1 == pytest.approx(0.035) and l2 == pytest.approx(0.02625)
    assert l1_grad == pytest.approx([0.01, -0.01, 0.01])
    assert l2_grad == pytest.approx([0.005, -0.01, 0.02])
    sgd_l1, sgd_l2, decay = sgd_updates(w, np.zeros(3), 0.01, 0.1)
    assert sgd_l1 == pytest.approx([0.499, -0.999, 1.999])
    assert sgd_l2 == pytest.approx([0.4995, -0.999, 1.998]) and decay == pytest.approx(sgd_l2)
    example = recipes.example("weight-penalty")
    l1_penalty = step(example, "(L1 penalty)")
    assert numbers(l1_penalty.substituted) == [0.01, 0.5, 1, 2]
    assert numbers(l1_penalty.result) == [0.035]
    assert result(example, "(L2 penalty)") == 0.02625
    assert numbers(step(example, "(weight decay)").result) == [0.999, 0.1]  # 0.999 w - 0.1 g
    sgd = table(example, "SGD + L1")
    assert column(sgd, "SGD + L1") == [0.499, -0.999, 1.999]
    assert column(sgd, "SGD + L2") == column(sgd, "衰减 (decay)") == [0.4995, -0.999, 1.998]
    # Adam's first step is about lr * sign(g + lambda w) = 0.1 for every weight when g = 0,
    # while AdamW only decays by lr * lambda * w = 0.0005, -0.001, 0.002.
    adam = table(example, "AdamW")
    assert column(adam, "Adam + L2") == [0.1, -0.1, 0.1]
    assert column(adam, "AdamW") == [0.0005, -0.001, 0.002]
    # The Adam table can be left out.
    assert "AdamW" not in table(recipes.example("weight-penalty", adam=False)).header


PENALTY_SETS = [
    ([0.5, -1.0, 2.0], [0.0, 0.0, 0.0], 0.01, 0.1),
    ([0.5, -1.0, 2.0, 0.0], [0.3, -0.2, 0.1, 0.4], 0.1, 0.05),
    ([3.0, -0.25], [-1.0, 2.0], 0.5, 1.0),
]


def test_sgd_weight_decay_equals_manual_l2_in_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check weight decay")
    for weights, grads, lam, lr in PENALTY_SETS:
        w = np.array(weights)
        g = torch.tensor(grads, dtype=torch.float64)
        # Autograd of the penalties gives lambda sign(w) (0 at w = 0) and lambda w.
        p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        (lam * p.abs().sum()).backward()
        _, l1_grad, _, l2_grad = penalties(w, lam)
        assert p.grad.numpy() == pytest.approx(l1_grad)
        p.grad = None
        (lam / 2 * (p**2).sum()).backward()
        assert p.grad.numpy() == pytest.approx(l2_grad)
        # SGD(weight_decay=lam) on the data loss g.w == plain SGD on g.w + lam/2 |w|^2.
        decayed = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([decayed], lr=lr, weight_decay=lam)
        (g @ decayed).backward()
        optimizer.step()
        manual = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([manual], lr=lr)
        (g @ manual + lam / 2 * (manual**2).sum()).backward()
        optimizer.step()
        _, sgd_l2, decay = sgd_updates(w, np.array(grads), lam, lr)
        assert decayed.detach().numpy() == pytest.approx(manual.detach().numpy(), rel=1e-12)
        assert decayed.detach().numpy() == pytest.approx(decay, rel=1e-12)
        assert manual.detach().numpy() == pytest.approx(sgd_l2, rel=1e-12)


def test_adam_l2_and_adamw_first_steps_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check Adam/AdamW")
    for weights, grads, lam, lr in PENALTY_SETS:
        coupled, decoupled = adam_first_steps(np.array(weights), np.array(grads), lam, lr)
        for optimizer_class, expected in (
            (torch.optim.Adam, coupled),
            (torch.optim.AdamW, decoupled),
        ):
            p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
            optimizer = optimizer_class(
                [p], lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=lam
            )
            (torch.tensor(grads, dtype=torch.float64) @ p).backward()
            optimizer.step()
            change = np.array(weights) - p.detach().numpy()
            assert change == pytest.approx(expected, rel=1e-9, abs=1e-15), optimizer_class


# --- inverted-dropout -----------------------------------------------------------------------


def test_inverted_dropout_hand_checked(recipes: DeckRecipes) -> None:
    # seed 0 draws u = (0.637, 0.270, 0.041, 0.017); a unit is kept when u >= p = 0.5,
    # so the mask is (1, 0, 0, 0) and the training output (1/0.5, 0, 0, 0) = (2, 0, 0, 0).
    # E[y_i] = q * x_i / q + (1 - q) * 0 = x_i: 0.5 * 1/0.5 + 0.5 * 0 = 1.
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mask = dropout_mask(4, 0.5, 0)
    assert mask.tolist() == [True, False, False, False]
    assert inverted_dropout(x, mask, 0.5).tolist() == [2.0, 0.0, 0.0, 0.0]
    example = recipes.example("inverted-dropout")
    keep = step(example, "(keep probability)")
    assert numbers(keep.substituted) == [1, 0.5] and numbers(keep.result) == [0.5]
    assert numbers(step(example, "(training)").result) == [2, 0, 0, 0]
    expectation = step(example, "(expectation preserved)")
    assert numbers(expectation.substituted) == [0.5, 1, 0.5, 0.5, 0]
    assert numbers(expectation.result) == [1]
    for p, samples in ((0.5, 10_000), (0.2, 4_000), (0.9, 50_000)):
        # One output has standard deviation x sqrt(p / (1 - p)); its mean over N masks is
        # within five standard errors of x.
        mean = empirical_mean(x, p, 3, samples)
        error = x * math.sqrt(p / (1 - p)) / math.sqrt(samples)
        assert np.all(np.abs(mean - x) < 5 * error)


def test_inverted_dropout_matches_torch_dropout() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check nn.Dropout")
    torch.manual_seed(0)
    for p in (0.1, 0.5, 0.8):
        x = torch.arange(1.0, 200_001.0, dtype=torch.float64)
        layer = torch.nn.Dropout(p)
        out = layer.train()(x)
        kept = out != 0
        scaled = inverted_dropout(x.numpy(), np.ones(x.numel(), dtype=bool), p)
        # Every output is 0 or x / (1 - p), as in the recipe; p is the DROP probability.
        assert out[kept].numpy() == pytest.approx(scaled[kept.numpy()], rel=1e-12)
        assert (1 - kept.double().mean().item()) == pytest.approx(p, abs=0.01)
        assert torch.equal(layer.eval()(x), x)


# --- mixup ---------------------------------------------------------------------------------


def test_mixup_hand_checked(recipes: DeckRecipes) -> None:
    # 0.7 (0.2, 0.8) + 0.3 (0.6, 0.4) = (0.32, 0.68); target (0.7, 0.3, 0).
    # log softmax(2, 0.5, -1): logsumexp = 2 + log(1 + e^-1.5 + e^-3) = 2.2413,
    # CE_0 = 0.2413, CE_1 = 1.7413; 0.7 * 0.2413 + 0.3 * 1.7413 = 0.6913.
    x, y = mixup(np.array([0.2, 0.8]), np.array([0.6, 0.4]), np.eye(3)[0], np.eye(3)[1], 0.7)
    np.testing.assert_allclose(x, [0.32, 0.68])
    np.testing.assert_allclose(y, [0.7, 0.3, 0.0])
    lse = 2 + math.log(1 + math.exp(-1.5) + math.exp(-3))
    assert soft_cross_entropy(np.array([2.0, 0.5, -1.0]), y) == pytest.approx(lse - 2 + 0.3 * 1.5)
    example = recipes.example("mixup")
    assert numbers(step(example, "(mixed input)").result) == [0.32, 0.68]
    assert numbers(step(example, "(mixed target)").result) == [0.7, 0.3, 0]
    assert result(example, "的交叉熵") == 0.6913
    split = step(example, "两个硬标签损失的加权和")
    assert numbers(split.substituted) == [0.7, 0.2413, 0.3, 1.741]
    assert numbers(split.result) == [0.6913]


def test_mixup_loss_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the mixup loss")
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.3, -0.2, 1.1]], dtype=torch.float64)
    a, b, lam = torch.tensor([0, 2]), torch.tensor([1, 1]), 0.7
    f = torch.nn.functional
    hot = [f.one_hot(t, 3).to(torch.float64) for t in (a, b)]
    soft = f.cross_entropy(logits, lam * hot[0] + (1 - lam) * hot[1])
    split = lam * f.cross_entropy(logits, a) + (1 - lam) * f.cross_entropy(logits, b)
    assert float(soft) == pytest.approx(float(split), rel=1e-12)
    target = np.eye(3)[0] * lam + np.eye(3)[1] * (1 - lam)
    assert soft_cross_entropy(logits[0].numpy(), target) == pytest.approx(
        float(f.cross_entropy(logits[:1], torch.from_numpy(target)[None])), rel=1e-12
    )


def test_mixup_loss_card_code_runs() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    f = torch.nn.functional
    out = torch.tensor([[2.0, 0.5, -1.0], [0.3, -0.2, 1.1]], dtype=torch.float64)
    y_a, y_b, lam = torch.tensor([0, 2]), torch.tensor([1, 1]), 0.7
    namespace = {"F": f, "out": out, "y_a": y_a, "y_b": y_b, "lam": lam}
    exec(card_code("regularization.md", "reg-mixup-loss"), namespace)
    hot_a, hot_b = (f.one_hot(y, 3).to(torch.float64) for y in (y_a, y_b))
    expected = f.cross_entropy(out, lam * hot_a + (1 - lam) * hot_b)  # the soft target
    assert float(namespace["loss"]) == pytest.approx(float(expected), rel=1e-12)


# --- cutmix-box ----------------------------------------------------------------------------


def test_cutmix_box_hand_checked(recipes: DeckRecipes) -> None:
    # sqrt(1 - 0.75) = 0.5: a 16 x 16 box around (28, 10): x 20..36 -> 20..32, y 2..18;
    # area 12 * 16 = 192, lambda' = 1 - 192/1024 = 0.8125.
    assert cutmix_box(32, 32, 0.75, 28, 10) == (20, 2, 32, 18, 0.8125)
    assert cutmix_box(32, 32, 0.75, 16, 16)[4] == pytest.approx(0.75)  # unclipped: exactly lambda
    example = recipes.example("cutmix-box")
    assert numbers(step(example, "(clip to the image)").result) == [20, 32, 2, 18]
    assert result(example, "(pasted area)") == 192
    assert result(example, "按实际面积重算") == 0.8125
    assert numbers(step(example, "(target)").result) == [0.8125, 0.1875]


def test_cutmix_label_weight_is_the_pasted_pixel_share() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to paste the box")
    a, b = torch.zeros(3, 32, 32), torch.ones(3, 32, 32)
    for lam, cx, cy in ((0.75, 28, 10), (0.3, 0, 31), (0.9, 15, 15)):
        x1, y1, x2, y2, lam_adj = cutmix_box(32, 32, lam, cx, cy)
        mixed = a.clone()
        mixed[:, y1:y2, x1:x2] = b[:, y1:y2, x1:x2]
        assert float(mixed.mean()) == pytest.approx(1 - lam_adj)


# --- stochastic-depth ----------------------------------------------------------------------


def test_stochastic_depth_hand_checked(recipes: DeckRecipes) -> None:
    # p_l = 1 - l/54 * 0.5: p_1 = 0.9907, p_27 = 0.75, p_54 = 0.5;
    # sum = 54 - 0.5 * 55/2 = 40.25 = (3L - 1)/4.
    p = survival_probabilities(54, 0.5)
    assert (p[26], p[53]) == (0.75, 0.5)
    assert float(p.sum()) == pytest.approx((3 * 54 - 1) / 4)
    example = recipes.example("stochastic-depth")
    assert column(table(example), "$p_l$") == [0.9907, 0.75, 0.5]
    assert result(example, "(expected depth)") == 40.25
    assert result(example, "占全部块的比例") == 0.7454


def test_stochastic_depth_expected_depth_by_sampling() -> None:
    p = survival_probabilities(54, 0.5)
    kept = np.random.default_rng(0).random((20_000, 54)) < p
    assert float(kept.sum(axis=1).mean()) == pytest.approx(40.25, abs=0.05)
