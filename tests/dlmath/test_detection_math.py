"""dlmath.detection: each formula checked by hand, and against an independent implementation
in torch tensor ops (torchvision, which has box_iou and nms, is not installed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from dlmath.detection import (
    average_precision,
    box_area,
    box_center,
    box_iou,
    decode,
    encode,
    iou_parts,
    iou_variants,
    nms_rounds,
)


def random_boxes(rng: np.random.Generator, count: int, integer: bool = False) -> np.ndarray:
    corners = rng.integers(0, 20, size=(count, 2)) if integer else rng.uniform(0, 20, (count, 2))
    sizes = rng.integers(1, 12, size=(count, 2)) if integer else rng.uniform(0.5, 12, (count, 2))
    return np.concatenate([corners, corners + sizes], axis=1).astype(np.float64)


# --- IoU -------------------------------------------------------------------------------------


def test_box_area_and_center_hand_checked() -> None:
    boxes = [[0, 0, 4, 2], [1, 1, 4, 5]]
    assert box_area(boxes).tolist() == [8.0, 12.0]
    assert box_center(boxes).tolist() == [[2.0, 1.0], [2.5, 3.0]]


def test_iou_parts_hand_checked() -> None:
    # [0,0,4,4] and [2,2,6,6]: overlap 2 x 2 = 4, union 16 + 16 - 4 = 28, IoU 1/7.
    parts = iou_parts([0, 0, 4, 4], [2, 2, 6, 6])
    shown = [parts.inter_width, parts.inter_height, parts.intersection, parts.area_a, parts.area_b]
    assert [float(value) for value in shown] == [2.0, 2.0, 4.0, 16.0, 16.0]
    assert parts.union == 28.0
    assert parts.iou == pytest.approx(1 / 7)
    # Disjoint boxes: the width min(1,3) - max(0,2) = -1 is clamped to 0, so IoU = 0.
    disjoint = iou_parts([0, 0, 1, 1], [2, 0, 3, 1])
    assert [float(disjoint.inter_width), float(disjoint.inter_height)] == [0.0, 1.0]
    assert disjoint.iou == 0.0
    # Nested: [0,0,2,2] inside [0,0,4,4]: 4 / 16 = 0.25; element-wise over a batch.
    batch = iou_parts([[0, 0, 2, 2], [0, 0, 4, 4]], [[0, 0, 4, 4], [0, 0, 4, 4]])
    assert batch.iou.tolist() == [0.25, 1.0]


def test_iou_matches_pixel_count_for_integer_boxes() -> None:
    rng = np.random.default_rng(0)
    for a, b in zip(random_boxes(rng, 50, True), random_boxes(rng, 50, True), strict=True):
        grid_a = np.zeros((40, 40), dtype=bool)
        grid_b = np.zeros((40, 40), dtype=bool)
        grid_a[int(a[1]) : int(a[3]), int(a[0]) : int(a[2])] = True
        grid_b[int(b[1]) : int(b[3]), int(b[0]) : int(b[2])] = True
        expected = (grid_a & grid_b).sum() / (grid_a | grid_b).sum()
        assert float(iou_parts(a, b).iou) == pytest.approx(expected, rel=1e-12)


def torch_iou_matrix(torch: Any, boxes_a: Any, boxes_b: Any) -> Any:
    """Pairwise IoU with broadcasting, as torchvision.ops.box_iou computes it."""
    top_left = torch.maximum(boxes_a[:, None, :2], boxes_b[None, :, :2])
    bottom_right = torch.minimum(boxes_a[:, None, 2:], boxes_b[None, :, 2:])
    overlap = (bottom_right - top_left).clamp(min=0).prod(dim=2)
    area_a = (boxes_a[:, 2:] - boxes_a[:, :2]).prod(dim=1)
    area_b = (boxes_b[:, 2:] - boxes_b[:, :2]).prod(dim=1)
    return overlap / (area_a[:, None] + area_b[None, :] - overlap)


def test_box_iou_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check IoU")
    rng = np.random.default_rng(1)
    for integer in (True, False):
        a, b = random_boxes(rng, 12, integer), random_boxes(rng, 9, integer)
        expected = torch_iou_matrix(torch, torch.tensor(a), torch.tensor(b)).numpy()
        assert box_iou(a, b).shape == (12, 9)
        np.testing.assert_allclose(box_iou(a, b), expected, rtol=1e-12, atol=1e-15)


# --- NMS -------------------------------------------------------------------------------------


def test_nms_rounds_hand_checked() -> None:
    # Sorted b0 (0.9), b1 (0.8), b3 (0.75), b2 (0.6). Round 1 keeps b0: b1 overlaps it in
    # 3 x 4 = 12 / (16 + 16 - 12) = 0.6 > 0.5, removed; b3: 0; b2: 8 / 24 = 1/3, stays.
    # Round 2 keeps b3: b2 overlaps it in 1 x 3 = 3 / 29. Round 3 keeps b2.
    boxes = [[0, 0, 4, 4], [1, 0, 5, 4], [2, 0, 6, 4], [5, 1, 9, 5]]
    rounds = nms_rounds(boxes, [0.9, 0.8, 0.6, 0.75], 0.5)
    assert [(step.kept, step.suppressed) for step in rounds] == [(0, (1,)), (3, ()), (2, ())]
    assert [other for other, _ in rounds[0].overlaps] == [1, 3, 2]
    assert [value for _, value in rounds[0].overlaps] == pytest.approx([0.6, 0.0, 1 / 3])
    assert rounds[1].overlaps == ((2, 3 / 29),)
    # An IoU equal to the threshold is kept (strict '>'); equal scores keep the lower index.
    assert [step.kept for step in nms_rounds(boxes, [0.9, 0.8, 0.6, 0.75], 0.6)] == [0, 1, 3, 2]
    assert [step.kept for step in nms_rounds(boxes[:2], [0.5, 0.5], 0.5)] == [0]


def torch_nms(torch: Any, boxes: Any, scores: Any, threshold: float) -> list[int]:
    """Greedy NMS over a precomputed IoU matrix, as torchvision.ops.nms specifies it."""
    overlaps = torch_iou_matrix(torch, boxes, boxes)
    order = torch.argsort(scores, descending=True, stable=True)
    removed = torch.zeros(len(scores), dtype=torch.bool)
    kept: list[int] = []
    for index in order.tolist():
        if removed[index]:
            continue
        kept.append(index)
        removed |= overlaps[index] > threshold
    return kept


def test_nms_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check NMS")
    rng = np.random.default_rng(2)
    for _ in range(20):
        boxes, scores = random_boxes(rng, 8), rng.uniform(0, 1, 8)
        for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
            expected = torch_nms(torch, torch.tensor(boxes), torch.tensor(scores), threshold)
            assert [step.kept for step in nms_rounds(boxes, scores, threshold)] == expected


# --- GIoU, DIoU, CIoU ------------------------------------------------------------------------


def test_iou_variants_hand_checked() -> None:
    # A = (0,0,4,2), B = (1,1,4,5): overlap 3 x 1 = 3, union 8 + 12 - 3 = 17; C = (0,0,4,5),
    # |C| = 20; centres (2,1), (2.5,3): rho^2 = 0.25 + 4 = 4.25; c^2 = 16 + 25 = 41.
    r = iou_variants([0, 0, 4, 2], [1, 1, 4, 5])
    assert r.enclosing.tolist() == [0, 0, 4, 5]
    assert r.enclosing_area == 20 and r.union == 17
    assert r.center_distance2 == 4.25 and r.diagonal2 == 41
    assert r.iou == pytest.approx(3 / 17)
    assert r.giou == pytest.approx(3 / 17 - 3 / 20)
    assert r.diou == pytest.approx(3 / 17 - 4.25 / 41)
    v = 4 / math.pi**2 * (math.atan(3 / 4) - math.atan(2)) ** 2
    alpha = v / (1 - 3 / 17 + v)
    assert r.v == pytest.approx(v) and r.alpha == pytest.approx(alpha)
    assert r.ciou == pytest.approx(3 / 17 - 4.25 / 41 - alpha * v)
    # Nested boxes: C is the big box, so GIoU = IoU. Same shape: v = 0, alpha = 0 (even for
    # identical boxes, where v / (1 - IoU + v) would be 0 / 0).
    nested = iou_variants([1, 1, 2, 2], [0, 0, 4, 4])
    assert nested.giou == pytest.approx(nested.iou) and nested.diou < nested.iou
    same = iou_variants([0, 0, 2, 2], [0, 0, 2, 2])
    assert same.alpha == 0.0 and same.ciou == 1.0
    # Disjoint: IoU is 0 near or far, GIoU keeps falling towards -1.
    near, far = (
        iou_variants([0, 0, 1, 1], [2, 0, 3, 1]),
        iou_variants([0, 0, 1, 1], [99, 0, 100, 1]),
    )
    assert near.iou == far.iou == 0 and -1 < far.giou < near.giou < 0


def torch_iou_variants(torch: Any, pred: Any, target: Any) -> tuple[Any, Any, Any, Any]:
    """Element-wise IoU, GIoU, DIoU, CIoU of (N, 4) tensors, written independently."""
    lt = torch.max(pred[:, :2], target[:, :2])
    rb = torch.min(pred[:, 2:], target[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=1)
    wh_p, wh_t = pred[:, 2:] - pred[:, :2], target[:, 2:] - target[:, :2]
    union = wh_p.prod(dim=1) + wh_t.prod(dim=1) - inter
    iou_value = inter / union
    enclose = torch.max(pred[:, 2:], target[:, 2:]) - torch.min(pred[:, :2], target[:, :2])
    c_area = enclose.prod(dim=1)
    giou = iou_value - (c_area - union) / c_area
    centre_p, centre_t = (pred[:, :2] + pred[:, 2:]) / 2, (target[:, :2] + target[:, 2:]) / 2
    diou = iou_value - ((centre_p - centre_t) ** 2).sum(dim=1) / (enclose**2).sum(dim=1)
    v = (4 / torch.pi**2) * (
        torch.atan(wh_t[:, 0] / wh_t[:, 1]) - torch.atan(wh_p[:, 0] / wh_p[:, 1])
    ) ** 2
    alpha = v / (1 - iou_value + v)
    return iou_value, giou, diou, diou - alpha * v


def test_iou_variants_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check GIoU/DIoU/CIoU")
    rng = np.random.default_rng(12)
    pred, target = random_boxes(rng, 200), random_boxes(rng, 200)
    expected = torch_iou_variants(torch, torch.tensor(pred), torch.tensor(target))
    r = iou_variants(pred, target)
    for value, reference in zip((r.iou, r.giou, r.diou, r.ciou), expected, strict=True):
        np.testing.assert_allclose(value, reference.numpy(), rtol=1e-10, atol=1e-12)


# --- average precision -----------------------------------------------------------------------


def test_average_precision_hand_checked() -> None:
    # TP TP FP TP FP FP TP FP, 5 ground truths: recall reaches 0.2, 0.4, 0.6, 0.8 with
    # interpolated precision 1, 1, 0.75, 4/7. 11 points: r = 0..0.4 -> 1 (5 points),
    # 0.5, 0.6 -> 0.75, 0.7, 0.8 -> 4/7, 0.9, 1 -> 0. All points: 0.2 (1 + 1 + 0.75 + 4/7).
    r = average_precision([True, True, False, True, False, False, True, False], 5)
    assert r.recall_steps.tolist() == pytest.approx([0.2, 0.2, 0, 0.2, 0, 0, 0.2, 0])
    assert r.eleven_points.tolist() == pytest.approx([1] * 5 + [0.75] * 2 + [4 / 7] * 2 + [0] * 2)
    assert r.ap_11 == pytest.approx((5 + 2 * 0.75 + 2 * 4 / 7) / 11)
    assert r.ap_all == pytest.approx(0.2 * (1 + 1 + 0.75 + 4 / 7))
    # A perfect ranking gives AP = 1 both ways.
    perfect = average_precision([True, True, True], 3)
    assert perfect.ap_11 == pytest.approx(1.0) and perfect.ap_all == pytest.approx(1.0)


def torch_voc_ap(torch: Any, hits: Any, n_gt: int) -> tuple[float, float]:
    """VOC AP the devkit way: sentinels, a backwards running max, sum over recall changes;
    the 11 points as the max precision at recall >= t for t = 0, 0.1, ..., 1."""
    tp = torch.cumsum(hits, 0)
    fp = torch.cumsum(1 - hits, 0)
    recall, precision = tp / n_gt, tp / (tp + fp)
    mrec = torch.cat(
        [torch.zeros(1, dtype=recall.dtype), recall, torch.ones(1, dtype=recall.dtype)]
    )
    mpre = torch.cat(
        [torch.zeros(1, dtype=recall.dtype), precision, torch.zeros(1, dtype=recall.dtype)]
    )
    mpre = torch.flip(torch.cummax(torch.flip(mpre, [0]), 0).values, [0])
    changed = torch.nonzero(mrec[1:] != mrec[:-1]).flatten()
    all_point = float(((mrec[changed + 1] - mrec[changed]) * mpre[changed + 1]).sum())
    eleven = 0.0
    for k in range(11):
        mask = recall >= k / 10
        eleven += float(precision[mask].max()) if bool(mask.any()) else 0.0
    return eleven / 11, all_point


def test_average_precision_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check AP")
    rng = np.random.default_rng(13)
    for _ in range(200):
        hits = rng.uniform(size=int(rng.integers(1, 12))) < 0.6
        n_gt = int(hits.sum()) + int(rng.integers(0, 4)) or 1
        r = average_precision(hits, n_gt)
        eleven, all_point = torch_voc_ap(torch, torch.tensor(hits, dtype=torch.float64), n_gt)
        assert r.ap_11 == pytest.approx(eleven, abs=1e-12)
        assert r.ap_all == pytest.approx(all_point, abs=1e-12)


# --- box encoding ----------------------------------------------------------------------------


def test_box_encoding_hand_checked() -> None:
    # Anchor (100,100) 128 x 128, box (116,84) 160 x 96: tx = 16/128, ty = -16/128,
    # tw = ln 1.25, th = ln 0.75; decoding gives the box back.
    t = encode([116, 84, 160, 96], [100, 100, 128, 128])
    assert t.tolist() == pytest.approx([0.125, -0.125, math.log(1.25), math.log(0.75)])
    assert decode(t, [100, 100, 128, 128]).tolist() == pytest.approx([116, 84, 160, 96])


def test_box_encoding_matches_torch_and_round_trips() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the encoding")
    rng = np.random.default_rng(14)
    boxes = np.concatenate([rng.uniform(0, 500, (50, 2)), rng.uniform(5, 300, (50, 2))], axis=1)
    anchors = np.concatenate([rng.uniform(0, 500, (50, 2)), rng.uniform(5, 300, (50, 2))], axis=1)
    g, a = torch.tensor(boxes), torch.tensor(anchors)
    expected = torch.cat([(g[:, :2] - a[:, :2]) / a[:, 2:], torch.log(g[:, 2:] / a[:, 2:])], dim=1)
    t = encode(boxes, anchors)
    np.testing.assert_allclose(t, expected.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(decode(t, anchors), boxes, rtol=1e-12)
