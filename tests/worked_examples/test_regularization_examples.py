"""worked_examples/regularization.py: weight-penalty, inverted-dropout, mixup, cutmix-box and
stochastic-depth, hand-checked (the formulas of dlmath.regularization are checked against
torch.optim, nn.Dropout and cross_entropy in tests/dlmath/test_regularization_math.py); and
the mixup loss code on card reg-mixup-loss."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import card_code, column, numbers, result, step, table


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


# --- inverted-dropout -----------------------------------------------------------------------


def test_inverted_dropout_hand_checked(recipes: DeckRecipes) -> None:
    # seed 0 draws u = (0.637, 0.270, 0.041, 0.017); a unit is kept when u >= p = 0.5,
    # so the mask is (1, 0, 0, 0) and the training output (1/0.5, 0, 0, 0) = (2, 0, 0, 0).
    # E[y_i] = q * x_i / q + (1 - q) * 0 = x_i: 0.5 * 1/0.5 + 0.5 * 0 = 1.
    example = recipes.example("inverted-dropout")
    keep = step(example, "(keep probability)")
    assert numbers(keep.substituted) == [1, 0.5] and numbers(keep.result) == [0.5]
    assert numbers(step(example, "(training)").result) == [2, 0, 0, 0]
    expectation = step(example, "(expectation preserved)")
    assert numbers(expectation.substituted) == [0.5, 1, 0.5, 0.5, 0]
    assert numbers(expectation.result) == [1]


# --- mixup ---------------------------------------------------------------------------------


def test_mixup_hand_checked(recipes: DeckRecipes) -> None:
    # 0.7 (0.2, 0.8) + 0.3 (0.6, 0.4) = (0.32, 0.68); target (0.7, 0.3, 0).
    # log softmax(2, 0.5, -1): logsumexp = 2 + log(1 + e^-1.5 + e^-3) = 2.2413,
    # CE_0 = 0.2413, CE_1 = 1.7413; 0.7 * 0.2413 + 0.3 * 1.7413 = 0.6913.
    example = recipes.example("mixup")
    assert numbers(step(example, "(mixed input)").result) == [0.32, 0.68]
    assert numbers(step(example, "(mixed target)").result) == [0.7, 0.3, 0]
    assert result(example, "的交叉熵") == 0.6913
    split = step(example, "两个硬标签损失的加权和")
    assert numbers(split.substituted) == [0.7, 0.2413, 0.3, 1.741]
    assert numbers(split.result) == [0.6913]


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
    example = recipes.example("cutmix-box")
    assert numbers(step(example, "(clip to the image)").result) == [20, 32, 2, 18]
    assert result(example, "(pasted area)") == 192
    assert result(example, "按实际面积重算") == 0.8125
    assert numbers(step(example, "(target)").result) == [0.8125, 0.1875]


# --- stochastic-depth ----------------------------------------------------------------------


def test_stochastic_depth_hand_checked(recipes: DeckRecipes) -> None:
    # p_l = 1 - l/54 * 0.5: p_1 = 0.9907, p_27 = 0.75, p_54 = 0.5;
    # sum = 54 - 0.5 * 55/2 = 40.25 = (3L - 1)/4.
    example = recipes.example("stochastic-depth")
    assert column(table(example), "$p_l$") == [0.9907, 0.75, 0.5]
    assert result(example, "(expected depth)") == 40.25
    assert result(example, "占全部块的比例") == 0.7454
