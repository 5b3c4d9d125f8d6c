"""Greedy non-maximum suppression on a fixed set of detections, computed by
dlmath.detection.nms_rounds (torchvision.ops.nms's rule: IoU strictly above the threshold)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ankigen import BadParameter, figure
from dlmath.detection import nms_rounds

from ._style import COLORS, FONT_SIZE, new_figure, text_num, two_decimals

Array = np.ndarray
# Two objects, three or four detections each: (x1, y1, x2, y2) in image coordinates (y down).
BOXES = np.array(
    [
        [0.8, 1.0, 4.4, 5.0],
        [1.2, 1.5, 4.9, 5.5],
        [0.3, 0.6, 3.7, 4.4],
        [6.0, 1.6, 9.4, 5.6],
        [6.5, 2.1, 10.0, 6.1],
        [5.6, 1.2, 8.7, 5.0],
        [6.8, 2.4, 10.3, 6.7],
    ]
)
SCORES = np.array([0.92, 0.81, 0.66, 0.88, 0.74, 0.58, 0.52])
# Where each box's label sits (just above its top or below its bottom edge, at its left or
# right end), so the labels do not collide.
LABEL_CORNERS = ("tr", "br", "tl", "tr", "br", "tl", "bl")


def _label(axes: Axes, box: Array, corner: str, text: str, color: str) -> None:
    top, left = corner[0] == "t", corner[1] == "l"
    axes.text(
        box[0] if left else box[2],
        box[1] if top else box[3],
        text,
        color=color,
        fontsize=FONT_SIZE - 2,
        fontweight="bold",
        ha="left" if left else "right",
        va="bottom" if top else "top",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
    )


def _image_axes(axes: Axes, title: str) -> None:
    axes.set_xlim(0, 11)
    axes.set_ylim(7.6, 0.0)  # image coordinates: y grows downwards; room for labels below
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_facecolor("#f4f4f4")
    axes.set_title(title, fontsize=FONT_SIZE - 1, pad=3)


def _box(axes: Axes, box: Array, color: str, dashed: bool = False) -> None:
    axes.add_patch(
        Rectangle(
            (box[0], box[1]),
            box[2] - box[0],
            box[3] - box[1],
            fill=False,
            edgecolor=color,
            linewidth=1.0 if dashed else 2.0,
            linestyle="--" if dashed else "-",
        )
    )


@figure("nms")
def nms(iou_threshold: float = 0.5) -> Figure:
    """Top: every detection with its score; bottom: the boxes greedy NMS keeps (solid) and
    the ones it discards (dashed, with their IoU against the kept box that removed them)."""
    if not 0 < iou_threshold <= 1:
        raise BadParameter(
            "iou_threshold", f"must be between 0 (excluded) and 1, got {iou_threshold:g}"
        )
    rounds = nms_rounds(BOXES, SCORES, iou_threshold)
    keep = [step.kept for step in rounds]
    # Each removed box's IoU with the kept box that removed it.
    removed_iou = {
        other: value
        for step in rounds
        for other, value in step.overlaps
        if other in step.suppressed
    }
    fig = new_figure(height=3.92)
    before, after = fig.subplots(2, 1)
    _image_axes(before, f"{len(BOXES)} detections with scores")
    _image_axes(after, f"after NMS (IoU > {text_num(iou_threshold)} removed): {len(keep)} kept")
    for index, (box, score) in enumerate(zip(BOXES, SCORES, strict=True)):
        color = COLORS[index]
        _box(before, box, color)
        _label(before, box, LABEL_CORNERS[index], two_decimals(score), color)
        if index in keep:
            _box(after, box, color)
            _label(after, box, LABEL_CORNERS[index], two_decimals(score), color)
        else:
            _box(after, box, "#999999", dashed=True)
            # On the other edge than its score: the kept boxes' scores sit there.
            corner = {"t": "b", "b": "t"}[LABEL_CORNERS[index][0]] + LABEL_CORNERS[index][1]
            _label(after, box, corner, f"IoU {two_decimals(removed_iou[index])}", "#555555")
    return fig
