"""worked_examples/detection_metrics.py: iou-variants (GIoU, DIoU, CIoU), average-precision
(VOC) and box-encoding, hand-checked (the formulas themselves are checked in
tests/dlmath/test_detection_math.py)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, step, table


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("iou-variants", {"pred": [0.0, 0.0, 4.0]}, "pred"),
        ("iou-variants", {"target": [1.0, 1.0, 0.0, 5.0]}, "target"),
        ("average-precision", {"is_tp": [True] * 9}, "is_tp"),
        ("average-precision", {"is_tp": [True, True], "n_ground_truth": 1}, "n_ground_truth"),
        ("box-encoding", {"box": [1.0, 2.0, 0.0, 3.0]}, "box"),
        ("box-encoding", {"anchor": [1.0, 2.0, 3.0]}, "anchor"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


def test_iou_variants_hand_checked(recipes: DeckRecipes) -> None:
    # A = (0,0,4,2), B = (1,1,4,5): overlap 3 x 1 = 3, union 8 + 12 - 3 = 17; C = (0,0,4,5),
    # |C| = 20; centres (2,1), (2.5,3): rho^2 = 0.25 + 4 = 4.25; c^2 = 16 + 25 = 41.
    example = recipes.example("iou-variants")
    iou = step(example, "(IoU)")
    assert numbers(iou.substituted) == [3, 17] and numbers(iou.result) == [0.1765]
    assert result(example, "GIoU") == 0.02647
    distance = step(example, "中心点距离平方")
    assert numbers(distance.substituted) == [2, 2.5, 2, 1, 3, 2]  # (2 - 2.5)^2 + (1 - 3)^2
    assert numbers(distance.result) == [4.25]
    diagonal = step(example, "对角线长度平方")
    assert numbers(diagonal.substituted) == [4, 2, 5, 2] and numbers(diagonal.result) == [41]
    assert result(example, "DIoU：") == 0.07281
    # Delta = arctan(3/4) - arctan(4/2) = -0.4636; v = 4/pi^2 Delta^2 = 0.08712.
    aspect = step(example, "(aspect ratio)")
    assert numbers(aspect.substituted) == [3, 4, 4, 2] and numbers(aspect.result) == [-0.4636]
    assert result(example, "一致性 $v$") == 0.08712
    assert result(example, "权重 $\\alpha$") == 0.09567
    assert result(example, "CIoU") == 0.06448


def test_average_precision_hand_checked(recipes: DeckRecipes) -> None:
    # TP TP FP TP FP FP TP FP, 5 ground truths: recall reaches 0.2, 0.4, 0.6, 0.8 with
    # interpolated precision 1, 1, 0.75, 4/7. 11 points: r = 0..0.4 -> 1 (5 points),
    # 0.5, 0.6 -> 0.75, 0.7, 0.8 -> 4/7, 0.9, 1 -> 0. All points: 0.2 (1 + 1 + 0.75 + 4/7).
    example = recipes.example("average-precision")
    ranked = table(example)
    assert column(ranked, "$R$") == [0.2, 0.4, 0.4, 0.6, 0.6, 0.6, 0.8, 0.8]
    interpolated = column(ranked, "$P_{\\text{interp}}$")
    assert interpolated == [1, 1, 0.75, 0.75, 0.6, 0.5714, 0.5714, 0.5]
    eleven = step(example, "11 点插值")
    assert numbers(eleven.substituted) == [5, 1, 2, 0.75, 2, 0.5714, 2, 0, 11]
    assert numbers(eleven.result) == [0.6948]
    every = step(example, "全点插值")
    assert numbers(every.substituted) == [0.2, 1, 0.2, 1, 0.2, 0.75, 0.2, 0.5714]
    assert numbers(every.result) == [0.6643]


def test_box_encoding_hand_checked(recipes: DeckRecipes) -> None:
    # Anchor (100,100) 128 x 128, box (116,84) 160 x 96: tx = 16/128, ty = -16/128,
    # tw = ln 1.25, th = ln 0.75.
    example = recipes.example("box-encoding")
    tx = step(example, "t_x =")
    assert numbers(tx.substituted) == [116, 100, 128] and numbers(tx.result) == [0.125]
    assert result(example, "t_y =") == -0.125
    tw = step(example, "t_w =")
    assert numbers(tw.substituted) == [160, 128] and numbers(tw.result) == [0.2231]
    assert result(example, "t_h =") == -0.2877
    # Decoding gives the box back: 100 + (-0.125) * 128 = 84, 128 e^0.2231 = 160.
    y = step(example, "y = y_a")
    assert numbers(y.substituted) == [100, -0.125, 128] and numbers(y.result) == [84]
    decoded = [result(example, f"{v} = {v}_a") for v in ("x", "y", "w", "h")]
    assert decoded == [116, 84, 160, 96]
