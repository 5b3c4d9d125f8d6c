"""GIoU/DIoU/CIoU, VOC average precision and box encoding worked examples, hand-checked, and
the numpy IoU / NMS code shown on cards, run against dlmath.detection (the formulas
themselves are checked in tests/dlmath/test_detection_math.py)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from dlmath.detection import box_iou, nms_rounds

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])
CONTENT = REPO / "content" / "detection.md"


def refused(name: str, parameter: str, **params: object) -> None:
    assert refused_parameter(name, **params) == parameter


def random_boxes(rng: np.random.Generator, count: int) -> np.ndarray:
    corners = rng.uniform(0, 20, (count, 2))
    sizes = rng.uniform(0.5, 12, (count, 2))
    return np.concatenate([corners, corners + sizes], axis=1)


# --- the code on the cards -------------------------------------------------------------------


def card_code(card_id: str) -> str:
    """The first ```python block of the card with this id, exactly as the card shows it."""
    text = CONTENT.read_text(encoding="utf-8")
    start = text.index(f"{{#{card_id}}}")
    match = re.compile(r"```python\n(.*?)```", re.S).search(text, start)
    assert match is not None and match.start() < text.find("\n## ", start + 1)
    return match.group(1)


def card_functions() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(card_code("det-iou-numpy"), namespace)
    exec(card_code("det-nms-numpy"), namespace)
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
            expected = [step.kept for step in nms_rounds(boxes, scores, threshold)]
            assert nms(boxes, scores, threshold) == expected
    # The card with the data on its front: b1 goes, b2 survives its removed neighbour b1.
    boxes = np.array([[0, 0, 4, 4], [1, 0, 5, 4], [2, 0, 6, 4], [5, 1, 9, 5]], dtype=float)
    assert nms(boxes, np.array([0.9, 0.8, 0.6, 0.75]), 0.5) == [0, 3, 2]


def test_nms_worked_card_hand_checked() -> None:
    # b0 = [0,0,4,4] vs b1 = [1,0,5,4]: 3 x 4 = 12 / (16 + 16 - 12) = 0.6 > 0.5, removed;
    # vs b2 = [2,0,6,4]: 8 / 24 = 0.3333; vs b3 = [5,1,9,5]: 0. Then b3 (0.75) vs b2:
    # 1 x 3 = 3 / 29 = 0.1034. b2 overlaps the removed b1 at 0.6 and is kept.
    html = render(
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
    assert "b_{1}{:}\\ 0.6" in html and "b_{2}{:}\\ 0.3333" in html and "b_{2}{:}\\ 0.1034" in html
    assert "\\(\\{b_{0},\\ b_{3},\\ b_{2}\\}\\)" in html
    assert "\\(= 0.6 &gt; 0.5\\)" in html


# --- GIoU, DIoU, CIoU ------------------------------------------------------------------------


def test_iou_variants_hand_checked() -> None:
    # A = (0,0,4,2), B = (1,1,4,5): overlap 3 x 1 = 3, union 8 + 12 - 3 = 17; C = (0,0,4,5),
    # |C| = 20; centres (2,1), (2.5,3): rho^2 = 0.25 + 4 = 4.25; c^2 = 16 + 25 = 41.
    html = render("iou-variants")
    for shown in ("\\frac{3}{17}", "= 0.1765", "= 0.02647", "= 0.07281", "= 0.08712"):
        assert shown in html
    assert "= 0.09567" in html and "= 0.06448" in html
    assert "(2 - 2.5)^2 + (1 - 3)^2" in html and "4^2 + 5^2" in html
    assert "\\arctan\\tfrac{3}{4} - \\arctan\\tfrac{4}{2}" in html and "= -0.4636" in html
    refused("iou-variants", "pred", pred=[0.0, 0.0, 4.0])
    refused("iou-variants", "target", target=[1.0, 1.0, 0.0, 5.0])


# --- average precision -----------------------------------------------------------------------


def test_average_precision_hand_checked() -> None:
    # TP TP FP TP FP FP TP FP, 5 ground truths: recall reaches 0.2, 0.4, 0.6, 0.8 with
    # interpolated precision 1, 1, 0.75, 4/7. 11 points: r = 0..0.4 -> 1 (5 points),
    # 0.5, 0.6 -> 0.75, 0.7, 0.8 -> 4/7, 0.9, 1 -> 0. All points: 0.2 (1 + 1 + 0.75 + 4/7).
    html = render("average-precision")
    assert "\\big(5\\times 1 + 2\\times 0.75 \\\\ + 2\\times 0.5714 + 2\\times 0\\big) / 11" in html
    assert "= 0.6948" in html and "= 0.6643" in html
    assert "0.2\\times 1 + 0.2\\times 1 \\\\ + 0.2\\times 0.75 + 0.2\\times 0.5714" in html
    refused("average-precision", "is_tp", is_tp=[True] * 9)
    refused("average-precision", "n_ground_truth", is_tp=[True, True], n_ground_truth=1)


# --- box encoding ----------------------------------------------------------------------------


def test_box_encoding_hand_checked() -> None:
    # Anchor (100,100) 128 x 128, box (116,84) 160 x 96: tx = 16/128, ty = -16/128,
    # tw = ln 1.25, th = ln 0.75.
    html = render("box-encoding")
    assert "\\frac{116 - 100}{128}" in html and "= 0.125" in html and "= -0.125" in html
    assert "\\ln\\frac{160}{128}" in html and "= 0.2231" in html and "= -0.2877" in html
    assert "100 + (-0.125)\\times 128" in html and "= 84" in html and "= 96" in html
    refused("box-encoding", "box", box=[1.0, 2.0, 0.0, 3.0])
    refused("box-encoding", "anchor", anchor=[1.0, 2.0, 3.0])
