"""worked_examples/classification.py: label-smoothing, hand-checked, and cross-checked
against PyTorch's CrossEntropyLoss(label_smoothing=...)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, step, table

from worked_examples.classification import label_smoothing_loss


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"target": 5}, "target"),
        ({"epsilon": 1.5}, "epsilon"),
        ({"logits": [1.0, 2.0]}, "logits"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", "label-smoothing", **params) == parameter


def test_label_smoothing_hand_checked(recipes: DeckRecipes) -> None:
    # K=5, eps=0.1: target 1 - 0.1 + 0.02 = 0.92, others 0.1/5 = 0.02.
    # Logits 3 at the target, 0 elsewhere: p_t = e^3/(e^3 + 4) = 20.0855/24.0855 = 0.8339,
    # one-hot CE = -ln 0.8339 = 0.1816; smoothed CE = 0.92*0.1816 + 4*0.02*ln(24.0855) = 0.4216.
    example = recipes.example("label-smoothing")
    assert result(example, "(target class)") == 0.92
    assert result(example, "(every other class)") == 0.02
    assert column(table(example), "$y^{\\text{LS}}$") == [0.02, 0.02, 0.92, 0.02, 0.02]
    assert result(example, "(CE)") == 0.1816
    # The two terms: 0.9*0.18161 = 0.1635 and 0.02*(5*ln 24.0855 - 3) = 0.02*12.91 = 0.2582.
    total = step(example, "两项之和")
    assert numbers(total.substituted) == [0.1635, 0.2582] and numbers(total.result) == [0.4216]
    # The optimal logit gap ln(0.92/0.02) = ln 46 = 3.829.
    assert result(example, "(optimal gap") == 3.829


@pytest.mark.parametrize(
    ("logits", "epsilon", "target"),
    [
        ([0.0, 0.0, 3.0, 0.0, 0.0], 0.1, 2),
        ([1.0, 2.0, -1.5], 0.2, 0),
        ([5.0, -3.0, 0.5, 2.0, 2.0, -1.0, 0.0], 0.3, 6),
        ([0.3, -0.3], 0.0, 1),
        ([2.0, 1.0, 0.1, -4.0], 1.0, 3),
    ],
)
def test_label_smoothing_matches_pytorch(logits: list[float], epsilon: float, target: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check label smoothing")
    z = torch.tensor([logits], dtype=torch.float64)
    loss = torch.nn.CrossEntropyLoss(label_smoothing=epsilon)
    expected = loss(z, torch.tensor([target]))
    r = label_smoothing_loss(logits, epsilon, target)
    assert r.smoothed_loss == pytest.approx(float(expected), rel=1e-12)
    plain = torch.nn.functional.cross_entropy(z, torch.tensor([target]))
    assert r.onehot_loss == pytest.approx(float(plain), rel=1e-12)
    # The same loss against the smoothed distribution given as probabilities.
    soft = torch.nn.functional.cross_entropy(
        z, torch.tensor([r.targets.tolist()], dtype=torch.float64)
    )
    assert r.smoothed_loss == pytest.approx(float(soft), rel=1e-12)
