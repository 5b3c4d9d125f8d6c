"""GIoU/DIoU/CIoU, VOC average precision and box encoding worked examples, and the numpy
IoU / NMS code shown on cards: hand-checked cases and independent torch implementations
(torchvision is not installed)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from worked_examples.detection import iou, nms_rounds
from worked_examples.detection_metrics import average_precision, decode, encode, iou_variants

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


def test_card_box_iou_matches_recipe_iou() -> None:
    box_iou = card_functions()["box_iou"]
    rng = np.random.default_rng(10)
    a, b = random_boxes(rng, 7), random_boxes(rng, 5)
    a[0] = [0, 0, 1, 1]  # disjoint from everything far away and touching edges
    b[0] = [1, 0, 2, 1]
    matrix = box_iou(a, b)
    assert matrix.shape == (7, 5)
    for i, j in np.ndindex(7, 5):
        assert matrix[i, j] == pytest.approx(iou(a[i].tolist(), b[j].tolist()).iou, abs=1e-12)
    assert matrix[0, 0] == 0.0


def test_card_nms_matches_recipe_nms() -> None:
    nms = card_functions()["nms"]
    rng = np.random.default_rng(11)
    for _ in range(30):
        boxes = random_boxes(rng, 8)
        scores = rng.uniform(0, 1, 8)
        for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
            expected = [
                step.kept for step in nms_rounds(boxes.tolist(), scores.tolist(), threshold)
            ]
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
    r = iou_variants([0, 0, 4, 2], [1, 1, 4, 5])
    assert r.iou == pytest.approx(3 / 17)
    assert r.giou == pytest.approx(3 / 17 - 3 / 20)
    assert r.diou == pytest.approx(3 / 17 - 4.25 / 41)
    v = 4 / math.pi**2 * (math.atan(3 / 4) - math.atan(2)) ** 2
    alpha = v / (1 - 3 / 17 + v)
    assert r.ciou == pytest.approx(3 / 17 - 4.25 / 41 - alpha * v)
    html = render("iou-variants")
    for shown in ("\\frac{3}{17}", "= 0.1765", "= 0.02647", "= 0.07281", "= 0.08712"):
        assert shown in html
    assert "= 0.09567" in html and "= 0.06448" in html
    assert "(2 - 2.5)^2 + (1 - 3)^2" in html and "4^2 + 5^2" in html
    assert "\\arctan\\tfrac{3}{4} - \\arctan\\tfrac{4}{2}" in html and "= -0.4636" in html
    # Nested boxes: C is the big box, so GIoU = IoU (the card on enclosed boxes).
    nested = iou_variants([1, 1, 2, 2], [0, 0, 4, 4])
    assert nested.giou == pytest.approx(nested.iou) and nested.diou < nested.iou
    # Disjoint: IoU is 0 near or far, GIoU keeps falling towards -1.
    near, far = (
        iou_variants([0, 0, 1, 1], [2, 0, 3, 1]),
        iou_variants([0, 0, 1, 1], [99, 0, 100, 1]),
    )
    assert near.iou == far.iou == 0 and -1 < far.giou < near.giou < 0
    refused("iou-variants", "pred", pred=[0.0, 0.0, 4.0])
    refused("iou-variants", "target", target=[1.0, 1.0, 0.0, 5.0])


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
    expected = torch_iou_variants(
        torch, torch.tensor(pred, dtype=torch.float64), torch.tensor(target, dtype=torch.float64)
    )
    for k in range(200):
        r = iou_variants(pred[k].tolist(), target[k].tolist())
        got = (r.iou, r.giou, r.diou, r.ciou)
        for value, reference in zip(got, expected, strict=True):
            assert value == pytest.approx(float(reference[k]), rel=1e-10, abs=1e-12)


# --- average precision -----------------------------------------------------------------------


def test_average_precision_hand_checked() -> None:
    # TP TP FP TP FP FP TP FP, 5 ground truths: recall reaches 0.2, 0.4, 0.6, 0.8 with
    # interpolated precision 1, 1, 0.75, 4/7. 11 points: r = 0..0.4 -> 1 (5 points),
    # 0.5, 0.6 -> 0.75, 0.7, 0.8 -> 4/7, 0.9, 1 -> 0. All points: 0.2 (1 + 1 + 0.75 + 4/7).
    hits = [True, True, False, True, False, False, True, False]
    r = average_precision(hits, 5)
    assert r.ap_11 == pytest.approx((5 + 2 * 0.75 + 2 * 4 / 7) / 11)
    assert r.ap_all == pytest.approx(0.2 * (1 + 1 + 0.75 + 4 / 7))
    html = render("average-precision")
    assert "\\big(5\\times 1 + 2\\times 0.75 \\\\ + 2\\times 0.5714 + 2\\times 0\\big) / 11" in html
    assert "= 0.6948" in html and "= 0.6643" in html
    assert "0.2\\times 1 + 0.2\\times 1 \\\\ + 0.2\\times 0.75 + 0.2\\times 0.5714" in html
    # A perfect ranking gives AP = 1 both ways.
    perfect = average_precision([True, True, True], 3)
    assert perfect.ap_11 == pytest.approx(1.0) and perfect.ap_all == pytest.approx(1.0)
    refused("average-precision", "is_tp", is_tp=[True] * 9)
    refused("average-precision", "n_ground_truth", is_tp=[True, True], n_ground_truth=1)


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
        r = average_precision(hits.tolist(), n_gt)
        eleven, all_point = torch_voc_ap(torch, torch.tensor(hits, dtype=torch.float64), n_gt)
        assert r.ap_11 == pytest.approx(eleven, abs=1e-12)
        assert r.ap_all == pytest.approx(all_point, abs=1e-12)


# --- box encoding ----------------------------------------------------------------------------


def test_box_encoding_hand_checked() -> None:
    # Anchor (100,100) 128 x 128, box (116,84) 160 x 96: tx = 16/128, ty = -16/128,
    # tw = ln 1.25, th = ln 0.75.
    t = encode([116, 84, 160, 96], [100, 100, 128, 128])
    assert t == pytest.approx((0.125, -0.125, math.log(1.25), math.log(0.75)))
    html = render("box-encoding")
    assert "\\frac{116 - 100}{128}" in html and "= 0.125" in html and "= -0.125" in html
    assert "\\ln\\frac{160}{128}" in html and "= 0.2231" in html and "= -0.2877" in html
    assert "100 + (-0.125)\\times 128" in html and "= 84" in html and "= 96" in html
    refused("box-encoding", "box", box=[1.0, 2.0, 0.0, 3.0])
    refused("box-encoding", "anchor", anchor=[1.0, 2.0, 3.0])


def test_box_encoding_matches_torch_and_round_trips() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the encoding")
    rng = np.random.default_rng(14)
    boxes = np.concatenate([rng.uniform(0, 500, (50, 2)), rng.uniform(5, 300, (50, 2))], axis=1)
    anchors = np.concatenate([rng.uniform(0, 500, (50, 2)), rng.uniform(5, 300, (50, 2))], axis=1)
    g, a = torch.tensor(boxes), torch.tensor(anchors)
    expected = torch.cat([(g[:, :2] - a[:, :2]) / a[:, 2:], torch.log(g[:, 2:] / a[:, 2:])], dim=1)
    for k in range(50):
        t = encode(boxes[k].tolist(), anchors[k].tolist())
        assert t == pytest.approx(expected[k].tolist(), rel=1e-12, abs=1e-12)
        assert decode(t, anchors[k].tolist()) == pytest.approx(boxes[k].tolist(), rel=1e-12)
