"""worked_examples/detection.py: iou and nms-steps, the numbers the cards show, hand-checked
(the formulas themselves are checked in tests/dlmath/test_detection_math.py); and the numpy
IoU / NMS code on the cards of detection.md, run against dlmath.detection."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import card_code, numbers, result, step, table

from ankigen.worked import WorkedExample
from dlmath.detection import box_iou, nms_rounds


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("iou", {"box_a": [0.0, 0.0, 4.0]}, "box_a"),
        ("iou", {"box_b": [2.0, 2.0, 1.0, 6.0]}, "box_b"),
        ("nms-steps", {"scores": [0.9, 0.8]}, "scores"),
        ("nms-steps", {"boxes": [[0.0, 0.0, 1.0]], "scores": [0.5]}, "boxes"),
        ("nms-steps", {"iou_threshold": 1.5}, "iou_threshold"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- iou -----------------------------------------------------------------------------------


def test_iou_hand_checked(recipes: DeckRecipes) -> None:
    # [0,0,4,4] and [2,2,6,6]: overlap 2 x 2 = 4, union 16 + 16 - 4 = 28, IoU 4/28 = 0.1429.
    example = recipes.example("iou")
    # x1, x2, y1, y2 of the intersection: max(0, 2) = 2, min(4, 6) = 4, ...
    intersection = [numbers(cells[-1]) for cells in table(example).rows]
    assert intersection == [[0, 2, 2], [4, 6, 4], [0, 2, 2], [4, 6, 4]]
    width = step(example, "(intersection width)")
    assert numbers(width.substituted) == [0, 4, 2] and numbers(width.result) == [2]
    assert result(example, "(intersection)") == 4
    union = step(example, "(union)")
    assert numbers(union.substituted) == [16, 16, 4] and numbers(union.result) == [28]
    iou = step(example, "(IoU)")
    assert numbers(iou.substituted) == [4, 28] and numbers(iou.result) == [0.1429]


# --- nms-steps -----------------------------------------------------------------------------


def nms_table(example: WorkedExample) -> list[tuple[int, dict[int, float], list[float]]]:
    """Each round of the table: the box kept, its IoU with each remaining box, the boxes
    removed (a cell `b_{j}: IoU` reads as the numbers j and IoU; 无 (none) has none)."""
    rounds = []
    for _, kept, ious, removed in table(example).rows:
        pairs = numbers(ious)
        overlaps = {int(j): iou for j, iou in zip(pairs[::2], pairs[1::2], strict=True)}
        rounds.append((int(numbers(kept)[0]), overlaps, numbers(removed)))
    return rounds


def test_nms_steps_hand_checked(recipes: DeckRecipes) -> None:
    # Sorted: b0 (0.9) > b2 (0.8) > b3 (0.75) > b1 (0.7) > b4 (0.6).
    # Round 1, keep b0 = [10,10,50,50]: b3 = [14,12,54,52] overlaps it in 36 x 38 = 1368,
    # union 1600 + 1600 - 1368 = 1832, IoU 0.7467 > 0.5:
    # removed; b4 = [20,16,60,56] overlaps in 30 x 34 = 1020: 1020/2180 = 0.4679, kept.
    # Round 2, keep b2: b1 overlaps in 36 x 34 = 1224: 1224/1976 = 0.6194, removed.
    # Round 3, keep b4 (its IoU 34*36/1976 = 0.62 with b3 never counts: b3 is gone).
    example = recipes.example("nms-steps")
    order = numbers(step(example, "(sort by score)").result)
    assert order == [0, 0.9, 2, 0.8, 3, 0.75, 1, 0.7, 4, 0.6]
    assert nms_table(example) == [
        (0, {2: 0, 3: 0.7467, 1: 0, 4: 0.4679}, [3]),
        (2, {1: 0.6194, 4: 0}, [1]),
        (4, {}, []),
    ]
    assert numbers(step(example, "(kept, by score)").result) == [0, 2, 4]
    # The note on b4 and the removed b3.
    note = step(example, "(removed boxes suppress nothing)")
    assert numbers(note.formula) == [4, 3] and numbers(note.result) == [0.6194, 0.5]
    # At threshold 0.4 b4 goes too.
    stricter = recipes.example("nms-steps", iou_threshold=0.4)
    assert numbers(step(stricter, "(kept, by score)").result) == [0, 2]


def test_nms_worked_card_hand_checked(recipes: DeckRecipes) -> None:
    # b0 = [0,0,4,4] vs b1 = [1,0,5,4]: 3 x 4 = 12 / (16 + 16 - 12) = 0.6 > 0.5, removed;
    # vs b2 = [2,0,6,4]: 8 / 24 = 0.3333; vs b3 = [5,1,9,5]: 0. Then b3 (0.75) vs b2:
    # 1 x 3 = 3 / 29 = 0.1034. b2 overlaps the removed b1 at 0.6 and is kept.
    example = recipes.example(
        "nms-steps",
        boxes=[
            [0.0, 0.0, 4.0, 4.0],
            [1.0, 0.0, 5.0, 4.0],
            [2.0, 0.0, 6.0, 4.0],
            [5.0, 1.0, 9.0, 5.0],
        ],
        scores=[0.9, 0.8, 0.6, 0.75],
        iou_threshold=0.5,
    )
    assert nms_table(example) == [
        (0, {1: 0.6, 3: 0, 2: 0.3333}, [1]),
        (3, {2: 0.1034}, []),
        (2, {}, []),
    ]
    assert numbers(step(example, "(kept, by score)").result) == [0, 3, 2]
    assert numbers(step(example, "(removed boxes suppress nothing)").result) == [0.6, 0.5]


# --- the numpy code on the cards det-iou-numpy and det-nms-numpy -----------------------------


def random_boxes(rng: np.random.Generator, count: int) -> np.ndarray:
    corners = rng.uniform(0, 20, (count, 2))
    sizes = rng.uniform(0.5, 12, (count, 2))
    return np.concatenate([corners, corners + sizes], axis=1)


def card_functions() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(card_code("detection.md", "det-iou-numpy"), namespace)
    exec(card_code("detection.md", "det-nms-numpy"), namespace)
    return namespace


def test_card_box_iou_matches_dlmath() -> None:
    card_box_iou = card_functions()["box_iou"]
    rng = np.random.default_rng(10)
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    a[0] = [0, 0, 1, 1]  # disjoint from everything far away and touching edges
    b[0] = [1, 0, 2, 1]
    matrix = card_box_iou(a, b)
    assert matrix.shape == (7, 5)
    np.testing.assert_allclose(matrix, box_iou(a, b), rtol=0, atol=1e-12)
    assert matrix[0, 0] == 0.0


def test_card_nms_matches_dlmath() -> None:
    nms = card_functions()["nms"]
    rng = np.random.default_rng(11)
    for _ in range(30):
        boxes = random_boxes(rng, 8)
        scores = rng.uniform(0, 1, 8)
        for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
            expected = [r.kept for r in nms_rounds(boxes, scores, threshold)]
            assert nms(boxes, scores, threshold) == expected
    # The card with the data on its front: b1 goes, b2 survives its removed neighbour b1.
    boxes = np.array([[0, 0, 4, 4], [1, 0, 5, 4], [2, 0, 6, 4], [5, 1, 9, 5]], dtype=float)
    assert nms(boxes, np.array([0.9, 0.8, 0.6, 0.75]), 0.5) == [0, 3, 2]
