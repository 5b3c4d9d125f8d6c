"""Object detection: IoU and its parts, greedy NMS, GIoU / DIoU / CIoU, VOC average precision
and the Faster R-CNN box encoding.

Boxes are (x1, y1, x2, y2) with continuous areas (x2 - x1)(y2 - y1), no "+1" pixel
convention, as torchvision.ops.box_iou; box functions broadcast over leading axes (..., 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dlmath._elementwise import Array


def _boxes(boxes: npt.ArrayLike) -> Array:
    return np.asarray(boxes, dtype=np.float64)


def box_area(boxes: npt.ArrayLike) -> Array:
    """(x2 - x1)(y2 - y1) of (..., 4) boxes."""
    b = _boxes(boxes)
    return (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])


def box_center(boxes: npt.ArrayLike) -> Array:
    """((x1 + x2) / 2, (y1 + y2) / 2) of (..., 4) boxes, shape (..., 2)."""
    b = _boxes(boxes)
    return (b[..., :2] + b[..., 2:]) / 2


@dataclass(frozen=True, slots=True)
class IouParts:
    """Every intermediate quantity of IoU, so a card can show each one."""

    overlap_edges: Array  # (left, top, right, bottom) of the overlap, (..., 4), unclamped
    inter_width: Array
    inter_height: Array
    intersection: Array
    area_a: Array
    area_b: Array
    union: Array
    iou: Array


def iou_parts(box_a: npt.ArrayLike, box_b: npt.ArrayLike) -> IouParts:
    """Intersection over union, element-wise over broadcast (..., 4) boxes; the overlap's
    width and height are clamped at 0 so that disjoint boxes give 0, not a negative area."""
    a, b = _boxes(box_a), _boxes(box_b)
    edges = np.concatenate(
        [np.maximum(a[..., :2], b[..., :2]), np.minimum(a[..., 2:], b[..., 2:])], axis=-1
    )
    width = np.clip(edges[..., 2] - edges[..., 0], 0, None)
    height = np.clip(edges[..., 3] - edges[..., 1], 0, None)
    intersection = width * height
    area_a, area_b = box_area(a), box_area(b)
    union = area_a + area_b - intersection
    return IouParts(edges, width, height, intersection, area_a, area_b, union, intersection / union)


def box_iou(boxes_a: npt.ArrayLike, boxes_b: npt.ArrayLike) -> Array:
    """Pairwise IoU of (N, 4) and (M, 4) boxes, an (N, M) matrix, as torchvision.ops.box_iou."""
    a, b = _boxes(boxes_a), _boxes(boxes_b)
    return iou_parts(a[:, None, :], b[None, :, :]).iou


@dataclass(frozen=True, slots=True)
class NmsRound:
    """One greedy step: the kept box, its IoU with each remaining candidate, the removed."""

    kept: int
    overlaps: tuple[tuple[int, float], ...]
    suppressed: tuple[int, ...]


def nms_rounds(boxes: npt.ArrayLike, scores: npt.ArrayLike, iou_threshold: float) -> list[NmsRound]:
    """Greedy non-maximum suppression step by step, as torchvision.ops.nms: keep the best
    remaining box, remove those whose IoU with it is strictly greater than the threshold;
    equal scores keep the lower index first. The kept boxes are the rounds' `kept`."""
    b = _boxes(boxes)
    candidates = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    rounds: list[NmsRound] = []
    while candidates.size:
        best, rest = int(candidates[0]), candidates[1:]
        overlaps = box_iou(b[[best]], b[rest])[0]
        removed = overlaps > iou_threshold
        pairs = tuple(zip(rest.tolist(), overlaps.tolist(), strict=True))
        rounds.append(NmsRound(best, pairs, tuple(rest[removed].tolist())))
        candidates = rest[~removed]
    return rounds


@dataclass(frozen=True, slots=True)
class IouVariants:
    """IoU and the regression-loss variants built on it, with what a card shows of each."""

    iou: Array
    union: Array
    enclosing: Array  # C, the smallest box around both, (..., 4)
    enclosing_area: Array
    giou: Array
    center_distance2: Array  # rho^2 between the centres
    diagonal2: Array  # c^2, the squared diagonal of C
    diou: Array
    aspect_gap: Array  # arctan(w_gt / h_gt) - arctan(w / h)
    v: Array  # aspect-ratio consistency
    alpha: Array  # its trade-off weight
    ciou: Array


def iou_variants(pred: npt.ArrayLike, target: npt.ArrayLike) -> IouVariants:
    """IoU, GIoU (Rezatofighi et al., CVPR 2019, Alg. 1), DIoU and CIoU (Zheng et al.,
    AAAI 2020, eqs. 6, 9-11; alpha from the IoU, the ground truth as B) of predicted and
    ground-truth (..., 4) boxes."""
    p, t = _boxes(pred), _boxes(target)
    parts = iou_parts(p, t)
    enclosing = np.concatenate(
        [np.minimum(p[..., :2], t[..., :2]), np.maximum(p[..., 2:], t[..., 2:])], axis=-1
    )
    c_width, c_height = enclosing[..., 2] - enclosing[..., 0], enclosing[..., 3] - enclosing[..., 1]
    c_area = c_width * c_height
    giou = parts.iou - (c_area - parts.union) / c_area
    centre_p, centre_t = box_center(p), box_center(t)
    rho2 = (centre_p[..., 0] - centre_t[..., 0]) ** 2 + (centre_p[..., 1] - centre_t[..., 1]) ** 2
    diag2 = c_width**2 + c_height**2
    diou = parts.iou - rho2 / diag2
    w, h = p[..., 2] - p[..., 0], p[..., 3] - p[..., 1]
    w_gt, h_gt = t[..., 2] - t[..., 0], t[..., 3] - t[..., 1]
    gap = np.arctan(w_gt / h_gt) - np.arctan(w / h)
    v = 4 / np.pi**2 * gap**2
    # alpha = 0 where the aspect ratios agree (v = 0), also for identical boxes (0 / 0).
    alpha = np.divide(v, (1 - parts.iou) + v, out=np.zeros_like(v), where=v > 0)
    return IouVariants(
        parts.iou, parts.union, enclosing, c_area, giou, rho2, diag2, diou, gap, v, alpha,
        diou - alpha * v,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class AveragePrecision:
    precision: Array  # after each ranked detection
    recall: Array
    recall_steps: Array  # how much recall each ranked detection adds
    interpolated: Array  # max precision from this rank on (at a TP: at recall >= its recall)
    eleven_points: Array  # p_interp(r) at r = 0, 0.1, ..., 1
    ap_11: float
    ap_all: float


def average_precision(is_tp: npt.ArrayLike, n_ground_truth: int) -> AveragePrecision:
    """VOC AP of a ranked list (highest score first) whose entries are TP or FP: PASCAL VOC
    devkit §3.4.1, 11 recall points up to VOC2007, every recall change from VOC2010 on."""
    hits = np.asarray(is_tp, dtype=np.float64)
    tp = np.cumsum(hits)
    fp = np.cumsum(1.0 - hits)
    precision = tp / (tp + fp)
    recall = tp / n_ground_truth
    interpolated = np.maximum.accumulate(precision[::-1])[::-1]
    # k / 10 (not np.arange(0, 1.1, 0.1)): 0.6 must equal the recall 3 / 5 exactly.
    points = np.array([k / 10 for k in range(11)])
    eleven = np.array(
        [precision[recall >= r].max() if np.any(recall >= r) else 0.0 for r in points]
    )
    steps = np.diff(np.concatenate([[0.0], recall]))
    return AveragePrecision(
        precision, recall, steps, interpolated, eleven, float(eleven.mean()),
        float(np.sum(steps * interpolated)),
    )  # fmt: skip


def encode(boxes: npt.ArrayLike, anchors: npt.ArrayLike) -> Array:
    """(x, y, w, h) centre-size boxes -> (tx, ty, tw, th) relative to their anchors, the
    regression targets of Faster R-CNN (Ren et al., NeurIPS 2015, eq. 2)."""
    g, a = _boxes(boxes), _boxes(anchors)
    return np.concatenate(
        [(g[..., :2] - a[..., :2]) / a[..., 2:], np.log(g[..., 2:] / a[..., 2:])], axis=-1
    )


def decode(deltas: npt.ArrayLike, anchors: npt.ArrayLike) -> Array:
    """The inverse of `encode`: (tx, ty, tw, th) and anchors -> (x, y, w, h) boxes."""
    t, a = _boxes(deltas), _boxes(anchors)
    return np.concatenate(
        [a[..., :2] + t[..., :2] * a[..., 2:], a[..., 2:] * np.exp(t[..., 2:])], axis=-1
    )
