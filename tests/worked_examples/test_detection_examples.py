"""IoU and NMS worked examples: what the cards show, hand-checked (the formulas themselves
are checked in tests/dlmath/test_detection_math.py)."""

from __future__ import annotations

from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from dlmath.detection import nms_rounds
from worked_examples.detection import DEFAULT_BOXES, DEFAULT_SCORES

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def refused(name: str, parameter: str, **params: object) -> None:
    assert refused_parameter(name, **params) == parameter


def test_iou_hand_checked() -> None:
    # [0,0,4,4] and [2,2,6,6]: overlap 2 x 2 = 4, union 16 + 16 - 4 = 28, IoU 4/28 = 0.1429.
    html = render("iou")
    assert "\\(\\min(4, 6) = 4\\)" in html and "\\(\\max(0, 2) = 2\\)" in html
    assert "\\(= \\max(0,\\ 4 - 2)\\)" in html
    assert "\\(= 4\\)" in html and "\\(= 16 + 16 - 4\\)" in html and "\\(= 28\\)" in html
    assert "\\(= \\frac{4}{28}\\)" in html and "\\(= 0.1429\\)" in html
    refused("iou", "box_a", box_a=[0.0, 0.0, 4.0])
    refused("iou", "box_b", box_b=[2.0, 2.0, 1.0, 6.0])


def test_nms_steps_hand_checked() -> None:
    # Sorted: b0 (0.9) > b2 (0.8) > b3 (0.75) > b1 (0.7) > b4 (0.6).
    # Round 1, keep b0 = [10,10,50,50]: b3 = [14,12,54,52] overlaps it in 36 x 38 = 1368,
    # union 1600 + 1600 - 1368 = 1832, IoU 0.7467 > 0.5:
    # removed; b4 = [20,16,60,56] overlaps in 30 x 34 = 1020: 1020/2180 = 0.4679, kept.
    # Round 2, keep b2: b1 overlaps in 36 x 34 = 1224: 1224/1976 = 0.6194, removed.
    # Round 3, keep b4 (its IoU 34*36/1976 = 0.62 with b3 never counts: b3 is gone).
    html = render("nms-steps")
    assert "b_{0}\\,(0.9) &gt; b_{2}\\,(0.8) \\\\ &gt; b_{3}\\,(0.75)" in html
    assert "b_{3}{:}\\ 0.7467" in html and "b_{4}{:}\\ 0.4679" in html
    assert "b_{1}{:}\\ 0.6194" in html
    assert "\\(\\{b_{0},\\ b_{2},\\ b_{4}\\}\\)" in html
    assert "\\(= 0.6194 &gt; 0.5\\)" in html  # the note on b4 and the removed b3
    # At threshold 0.4 b4 goes too.
    assert [step.kept for step in nms_rounds(DEFAULT_BOXES, DEFAULT_SCORES, 0.4)] == [0, 2]
    refused("nms-steps", "scores", scores=[0.9, 0.8])
    refused("nms-steps", "boxes", boxes=[[0.0, 0.0, 1.0]], scores=[0.5])
    refused("nms-steps", "iou_threshold", iou_threshold=1.5)
