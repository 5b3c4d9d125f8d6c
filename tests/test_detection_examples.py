"""IoU and NMS worked examples: hand-checked cases, a brute-force pixel count, and an
independent implementation in torch tensor ops (torchvision is not installed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from worked_examples.detection import DEFAULT_BOXES, DEFAULT_SCORES, iou, nms_rounds

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
    # Disjoint boxes: the width min(1,3) - max(0,2) = -1 is clamped to 0, so IoU = 0.
    parts = iou([0, 0, 1, 1], [2, 0, 3, 1])
    assert (parts.inter_width, parts.inter_height, parts.iou) == (0.0, 1.0, 0.0)
    # Nested: [0,0,2,2] inside [0,0,4,4]: 4 / 16 = 0.25.
    assert iou([0, 0, 2, 2], [0, 0, 4, 4]).iou == 0.25
    refused("iou", "box_a", box_a=[0.0, 0.0, 4.0])
    refused("iou", "box_b", box_b=[2.0, 2.0, 1.0, 6.0])


def random_boxes(rng: np.random.Generator, count: int, integer: bool) -> np.ndarray:
    corners = rng.integers(0, 20, size=(count, 2)) if integer else rng.uniform(0, 20, (count, 2))
    sizes = rng.integers(1, 12, size=(count, 2)) if integer else rng.uniform(0.5, 12, (count, 2))
    return np.concatenate([corners, corners + sizes], axis=1).astype(np.float64)


def test_iou_matches_pixel_count_for_integer_boxes() -> None:
    rng = np.random.default_rng(0)
    for a, b in zip(random_boxes(rng, 50, True), random_boxes(rng, 50, True), strict=True):
        grid_a = np.zeros((40, 40), dtype=bool)
        grid_b = np.zeros((40, 40), dtype=bool)
        grid_a[int(a[1]) : int(a[3]), int(a[0]) : int(a[2])] = True
        grid_b[int(b[1]) : int(b[3]), int(b[0]) : int(b[2])] = True
        expected = (grid_a & grid_b).sum() / (grid_a | grid_b).sum()
        assert iou(a.tolist(), b.tolist()).iou == pytest.approx(expected, rel=1e-12)


def torch_iou_matrix(torch: Any, boxes: Any) -> Any:
    """Pairwise IoU with broadcasting, written independently of the recipe."""
    top_left = torch.maximum(boxes[:, None, :2], boxes[None, :, :2])
    bottom_right = torch.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    overlap = (bottom_right - top_left).clamp(min=0).prod(dim=2)
    areas = (boxes[:, 2:] - boxes[:, :2]).prod(dim=1)
    return overlap / (areas[:, None] + areas[None, :] - overlap)


def test_iou_matches_torch_tensor_ops() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check IoU")
    rng = np.random.default_rng(1)
    for integer in (True, False):
        boxes = random_boxes(rng, 12, integer)
        matrix = torch_iou_matrix(torch, torch.tensor(boxes, dtype=torch.float64))
        for i, j in np.ndindex(len(boxes), len(boxes)):
            value = iou(boxes[i].tolist(), boxes[j].tolist()).iou
            assert value == pytest.approx(float(matrix[i, j]), rel=1e-12, abs=1e-15)


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


def torch_nms(torch: Any, boxes: Any, scores: Any, threshold: float) -> list[int]:
    """Greedy NMS over a precomputed IoU matrix, as torchvision.ops.nms specifies it."""
    overlaps = torch_iou_matrix(torch, boxes)
    order = torch.argsort(scores, descending=True, stable=True)
    removed = torch.zeros(len(scores), dtype=torch.bool)
    kept: list[int] = []
    for index in order.tolist():
        if removed[index]:
            continue
        kept.append(index)
        removed |= overlaps[index] > threshold
    return kept


def test_nms_matches_torch_implementation() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check NMS")
    rng = np.random.default_rng(2)
    cases = [(np.asarray(DEFAULT_BOXES), np.asarray(DEFAULT_SCORES))]
    cases += [(random_boxes(rng, 8, False), rng.uniform(0, 1, 8)) for _ in range(20)]
    for boxes, scores in cases:
        for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
            expected = torch_nms(
                torch,
                torch.tensor(boxes, dtype=torch.float64),
                torch.tensor(scores, dtype=torch.float64),
                threshold,
            )
            rounds = nms_rounds(boxes.tolist(), scores.tolist(), threshold)
            assert [step.kept for step in rounds] == expected
