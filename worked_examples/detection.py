"""Detection basics on cards: IoU of two boxes and greedy non-maximum suppression, step by
step, computed by dlmath.detection (boxes (x1, y1, x2, y2) with x1 < x2 and y1 < y2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import MAX_VALUES, between
from dlmath.detection import NmsRound, box_iou, iou_parts, nms_rounds

from ._latex import plain_tuple, two_a_line
from ._params import checked_box, checked_like

DEFAULT_BOXES = [
    [10.0, 10.0, 50.0, 50.0],  # object 1, the best box
    [64.0, 26.0, 104.0, 66.0],  # duplicate of object 2
    [60.0, 20.0, 100.0, 60.0],  # object 2
    [14.0, 12.0, 54.0, 52.0],  # duplicate of object 1
    [20.0, 16.0, 60.0, 56.0],  # overlaps object 1 just below 0.5: survives
]
DEFAULT_SCORES = [0.9, 0.7, 0.8, 0.75, 0.6]


@worked_example("iou")
def iou_example(
    box_a: Sequence[float] = (0.0, 0.0, 4.0, 4.0),
    box_b: Sequence[float] = (2.0, 2.0, 6.0, 6.0),
) -> WorkedExample:
    a = checked_box("box_a", box_a, "corners")
    b = checked_box("box_b", box_b, "corners")
    parts = iou_parts(a, b)
    width, height = float(parts.inter_width), float(parts.inter_height)
    intersection, union = float(parts.intersection), float(parts.union)
    area_a, area_b = float(parts.area_a), float(parts.area_b)
    # The overlap's edges: the larger left/top edge, the smaller right/bottom edge.
    left, top, right, bottom = parts.overlap_edges.tolist()
    edges = (
        ("$x_1$", a[0], b[0], "\\max", left),
        ("$x_2$", a[2], b[2], "\\min", right),
        ("$y_1$", a[1], b[1], "\\max", top),
        ("$y_2$", a[3], b[3], "\\min", bottom),
    )
    return WorkedExample(
        title=(f"$A = {plain_tuple(a)}$, $B = {plain_tuple(b)}$, 坐标为 $(x_1, y_1, x_2, y_2)$"),
        steps=(
            Table(
                header=("边", "$A$", "$B$", "交集 $\\cap$"),
                rows=tuple(
                    (
                        name,
                        f"${num(edge_a)}$",
                        f"${num(edge_b)}$",
                        f"${pick}({num(edge_a)}, {num(edge_b)}) = {num(edge)}$",
                    )
                    for name, edge_a, edge_b, pick, edge in edges
                ),
                caption="交集的左、上边 ($x_1$, $y_1$) 取较大者，右、下边 ($x_2$, $y_2$) 取较小者",
            ),
            Step(
                "交集宽 (intersection width), 截断在 0",
                "w = \\max(0,\\ x_2^{\\cap} - x_1^{\\cap})",
                f"\\max(0,\\ {num(right)} - {num(left)})",
                num(width),
            ),
            Step(
                "交集高 (intersection height)",
                "h = \\max(0,\\ y_2^{\\cap} - y_1^{\\cap})",
                f"\\max(0,\\ {num(bottom)} - {num(top)})",
                num(height),
            ),
            Step(
                "交集面积 (intersection)",
                "I = |A\\cap B| = w h",
                f"{num(width)}\\times{num(height)}",
                num(intersection),
            ),
            Step(
                "两框面积 (areas)",
                "|A|,\\ |B|",
                "",
                f"{num(area_a)},\\ {num(area_b)}",
            ),
            Step(
                "并集面积 (union)",
                "U = |A| + |B| - I",
                f"{num(area_a)} + {num(area_b)} - {num(intersection)}",
                num(union),
            ),
            Step(
                "交并比 (IoU)",
                "\\frac{I}{U} = \\frac{|A\\cap B|}{|A\\cup B|}",
                f"\\frac{{{num(intersection)}}}{{{num(union)}}}",
                num(float(parts.iou)),
            ),
        ),
    )


def removed_neighbours(
    boxes: Sequence[Sequence[float]], rounds: Sequence[NmsRound], iou_threshold: float
) -> list[tuple[int, int, float]]:
    """(kept, removed, IoU) where a kept box overlaps an earlier-removed box above the
    threshold: removed boxes suppress nothing, which is why the kept box survives."""
    overlaps = box_iou(boxes, boxes)
    pairs = []
    for index, step in enumerate(rounds):
        for earlier in rounds[:index]:
            for removed in earlier.suppressed:
                value = float(overlaps[step.kept, removed])
                if value > iou_threshold:
                    pairs.append((step.kept, removed, value))
    return pairs


def _box_set(indices: Sequence[int]) -> str:
    """`\\{b_0, b_2\\}`, four boxes a line: eight in one line would not fit a phone."""
    names = [f"b_{{{i}}}" for i in indices]
    lines = [",\\ ".join(names[i : i + 4]) for i in range(0, len(names), 4)]
    if len(lines) == 1:
        return f"\\{{{lines[0]}\\}}"
    body = ",\\\\ ".join(lines)
    return f"\\begin{{array}}{{l}} \\{{{body}\\}} \\end{{array}}"


@worked_example("nms-steps")
def nms_steps_example(
    boxes: list[list[float]] = DEFAULT_BOXES,
    scores: list[float] = DEFAULT_SCORES,
    iou_threshold: float = 0.5,
) -> WorkedExample:
    # A row per box, and a row lists its IoU with each other box: values side by side.
    if not 1 <= len(boxes) <= MAX_VALUES:
        raise BadParameter("boxes", f"give 1 to {MAX_VALUES} boxes, got {len(boxes)}")
    for box in boxes:
        checked_box("boxes", box, "corners")
    checked_like("scores", scores, boxes, "box")
    between("iou_threshold", iou_threshold, 0.0, 1.0)
    rounds = nms_rounds(boxes, scores, iou_threshold)
    order = [int(i) for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")]
    rows = []
    for number, step in enumerate(rounds, start=1):
        # One formula per box, so that a narrow cell wraps between them.
        overlaps = ", ".join(
            f"$b_{{{other}}}{{:}}\\ {num(value)}$" for other, value in step.overlaps
        )
        rows.append(
            (
                str(number),
                f"$b_{{{step.kept}}}\\ ({num(scores[step.kept])})$",
                overlaps or "无",
                ", ".join(f"$b_{{{i}}}$" for i in step.suppressed) or "无",
            )
        )
    kept = [step.kept for step in rounds]
    notes = [
        Step(
            f"$b_{{{survivor}}}$ 与已删除的 $b_{{{removed}}}$ 重叠，但删除的框不再抑制别的框 "
            "(removed boxes suppress nothing)",
            f"\\operatorname{{IoU}}(b_{{{survivor}}}, b_{{{removed}}})",
            "",
            f"{num(value)} > {num(iou_threshold)}",
        )
        for survivor, removed, value in removed_neighbours(boxes, rounds, iou_threshold)
    ]
    ranked = [f"b_{{{i}}}\\,({num(scores[i])})" for i in order]
    # Two boxes a line: eight scores in one line would not fit a phone.
    ranking = two_a_line(ranked, ">")
    return WorkedExample(
        title=f"{len(boxes)} 个候选框 (candidate boxes), IoU 阈值 {iou_threshold:g}",
        steps=(
            Step(
                "按得分从高到低排序 (sort by score)",
                "",
                "",
                f"\\begin{{array}}{{l}} {ranking} \\end{{array}}",
            ),
            Table(
                header=("轮", "保留 (keep)", "与其余框的 IoU", "删除"),
                rows=tuple(rows),
                caption="每轮 (round) 保留剩余候选中得分最高的框，删除与它 IoU > 阈值的框 "
                "(greedy NMS)",
            ),
            Step("最终保留 (kept, by score)", "", "", _box_set(kept)),
            *notes,
        ),
    )
