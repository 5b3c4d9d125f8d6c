"""Detection metrics and targets on cards: GIoU / DIoU / CIoU of a box pair, VOC average
precision (11-point and all-point) and the Faster R-CNN box encoding, computed by
dlmath.detection (where the papers are cited)."""

from __future__ import annotations

from collections.abc import Sequence

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_factor, worked_example
from ankigen.checks import MAX_VALUES
from dlmath.detection import (
    average_precision,
    box_center,
    decode,
    encode,
    iou_parts,
    iou_variants,
)

from ._latex import plain_tuple, two_a_line
from ._params import checked_box

# --- GIoU, DIoU, CIoU ------------------------------------------------------------------------


@worked_example("iou-variants")
def iou_variants_example(
    pred: Sequence[float] = (0.0, 0.0, 4.0, 2.0),
    target: Sequence[float] = (1.0, 1.0, 4.0, 5.0),
) -> WorkedExample:
    a = checked_box("pred", pred, "corners")
    b = checked_box("target", target, "corners")
    r = iou_variants(a, b)
    iou, union, c_area = float(r.iou), float(r.union), float(r.enclosing_area)
    rho2, diag2 = float(r.center_distance2), float(r.diagonal2)
    giou, diou = float(r.giou), float(r.diou)
    gap, v, alpha, ciou = float(r.aspect_gap), float(r.v), float(r.alpha), float(r.ciou)
    intersection = float(iou_parts(a, b).intersection)
    (px, py), (tx, ty) = box_center(a).tolist(), box_center(b).tolist()
    c = r.enclosing.tolist()
    c_w, c_h = c[2] - c[0], c[3] - c[1]
    w, h, w_gt, h_gt = a[2] - a[0], a[3] - a[1], b[2] - b[0], b[3] - b[1]
    return WorkedExample(
        title=(
            f"预测框 $A = {plain_tuple(a)}$，真实框 $B = {plain_tuple(b)}$，"
            "坐标为 $(x_1, y_1, x_2, y_2)$"
        ),
        steps=(
            Step(
                "交并比 (IoU)",
                "\\frac{|A\\cap B|}{|A\\cup B|}",
                f"\\frac{{{num(intersection)}}}{{{num(union)}}}",
                num(iou),
            ),
            Step(
                "最小外接框 $C$ (smallest enclosing box)",
                "C",
                "",
                plain_tuple(c),
            ),
            Step(
                "$C$ 的面积",
                "|C|",
                f"{num(c_w)}\\times {num(c_h)}",
                num(c_area),
            ),
            Step(
                "GIoU：减去 $C$ 中不属于 $A\\cup B$ 的比例",
                "\\text{IoU} - \\frac{|C| - |A\\cup B|}{|C|}",
                f"{num(iou)} - \\frac{{{num(c_area)} - {num(union)}}}{{{num(c_area)}}}",
                num(giou),
            ),
            Step(
                f"中心点距离平方：$A$ 中心 $({num(px)}, {num(py)})$，"
                f"$B$ 中心 $({num(tx)}, {num(ty)})$",
                "\\rho^2",
                f"({num(px)} - {num(tx)})^2 + ({num(py)} - {num(ty)})^2",
                num(rho2),
            ),
            Step(
                "$C$ 的对角线长度平方",
                "c^2",
                f"{num(c_w)}^2 + {num(c_h)}^2",
                num(diag2),
            ),
            Step(
                "DIoU：再减去归一化的中心距离",
                "\\text{IoU} - \\frac{\\rho^2}{c^2}",
                f"{num(iou)} - \\frac{{{num(rho2)}}}{{{num(diag2)}}}",
                num(diou),
            ),
            Step(
                "宽高比之差 (aspect ratio)：$\\Delta = \\arctan\\frac{w^{gt}}{h^{gt}}"
                " - \\arctan\\frac{w}{h}$",
                "\\Delta",
                f"\\arctan\\tfrac{{{num(w_gt)}}}{{{num(h_gt)}}}"
                f" - \\arctan\\tfrac{{{num(w)}}}{{{num(h)}}}",
                num(gap),
            ),
            Step(
                "宽高比一致性 $v$",
                "\\frac{4}{\\pi^2}\\Delta^2",
                f"\\frac{{4}}{{\\pi^2}}\\times {num_factor(gap)}^2",
                num(v),
            ),
            Step(
                "权重 $\\alpha$",
                "\\frac{v}{(1 - \\text{IoU}) + v}",
                f"\\frac{{{num(v)}}}{{{num(1 - iou)} + {num(v)}}}",
                num(alpha),
            ),
            Step(
                "宽高比惩罚项",
                "\\alpha v",
                f"{num(alpha)}\\times {num(v)}",
                num(alpha * v),
            ),
            Step(
                "CIoU：DIoU 再减去 $\\alpha v$",
                "\\text{DIoU} - \\alpha v",
                f"{num(diou)} - {num(alpha * v)}",
                num(ciou),
            ),
        ),
    )


# --- VOC average precision -------------------------------------------------------------------


@worked_example("average-precision")
def average_precision_example(
    is_tp: Sequence[bool] = (True, True, False, True, False, False, True, False),
    n_ground_truth: int = 5,
) -> WorkedExample:
    # A row per detection, and the all-point sum has a term per true positive.
    if not 1 <= len(is_tp) <= MAX_VALUES:
        raise BadParameter("is_tp", f"give 1 to {MAX_VALUES} detections, got {len(is_tp)}")
    if not sum(is_tp) <= n_ground_truth <= 100:
        raise BadParameter(
            "n_ground_truth", "needs at least one ground truth per TP, and at most 100"
        )
    if n_ground_truth < 1:
        raise BadParameter("n_ground_truth", "must be at least 1")
    r = average_precision(is_tp, n_ground_truth)
    rows = tuple(
        (
            str(k + 1),
            "TP" if hit else "FP",
            float(r.precision[k]),
            float(r.recall[k]),
            float(r.interpolated[k]),
        )
        for k, hit in enumerate(is_tp)
    )
    # Group the 11 points by value: five 1s read better as 5 x 1.
    groups: list[tuple[int, float]] = []
    for value in r.eleven_points:
        if groups and groups[-1][1] == value:
            groups[-1] = (groups[-1][0] + 1, value)
        else:
            groups.append((1, float(value)))
    terms = [num(v) if n == 1 else f"{n}\\times {num(v)}" for n, v in groups]
    eleven_lines = two_a_line(terms, "+")
    area_terms = [
        f"{num(float(d))}\\times {num(float(p))}"
        for d, p in zip(r.recall_steps, r.interpolated, strict=True)
        if d > 0
    ]
    area_lines = two_a_line(area_terms, "+")
    return WorkedExample(
        title=f"按得分排好的 {len(is_tp)} 个检测，真实框 {n_ground_truth} 个",
        steps=(
            Table(
                header=("名次", "", "$P$", "$R$", "$P_{\\text{interp}}$"),
                rows=rows,
                caption=(
                    "$P$ = TP 数 / 已取检测数，$R$ = TP 数 / 真实框数；"
                    "$P_{\\text{interp}}$ = 本行及之后各行中 $P$ 的最大值"
                ),
            ),
            Step(
                "11 点插值 (VOC2007)：$r = 0, 0.1, \\ldots, 1$ 处取 $P_{\\text{interp}}(r)$，"
                "召回率够不到的点记 0",
                "\\frac{1}{11}\\sum_{r} P_{\\text{interp}}(r)",
                f"\\begin{{array}}{{l}} \\big({eleven_lines}\\big) / 11 \\end{{array}}",
                num(r.ap_11),
            ),
            Step(
                "全点插值 (VOC2010 起)：召回率每增加一段，乘上该段的 $P_{\\text{interp}}$",
                "\\sum \\Delta R\\cdot P_{\\text{interp}}",
                f"\\begin{{array}}{{l}} {area_lines} \\end{{array}}",
                num(r.ap_all),
            ),
        ),
    )


# --- box encoding ----------------------------------------------------------------------------


@worked_example("box-encoding")
def box_encoding_example(
    box: Sequence[float] = (116.0, 84.0, 160.0, 96.0),
    anchor: Sequence[float] = (100.0, 100.0, 128.0, 128.0),
) -> WorkedExample:
    g = checked_box("box", box, "center")
    a = checked_box("anchor", anchor, "center")
    t = encode(g, a).tolist()
    back = decode(t, a).tolist()

    def axis(i: int, c: str, side: str) -> tuple[Step, Step, Step, Step]:
        """Encoding and decoding along one axis: center coordinate c, measured in the side."""
        labels = (
            ("", "", "")
            if i
            else (
                "编码 (encode)：中心偏移除以锚框宽高",
                "宽高取对数比 (log ratio)",
                "解码 (decode)：反过来得到框",
            )
        )
        return (
            Step(
                labels[0],
                f"t_{c} = \\frac{{{c} - {c}_a}}{{{side}_a}}",
                f"\\frac{{{num(g[i])} - {num(a[i])}}}{{{num(a[i + 2])}}}",
                num(t[i]),
            ),
            Step(
                labels[1],
                f"t_{side} = \\ln\\frac{{{side}}}{{{side}_a}}",
                f"\\ln\\frac{{{num(g[i + 2])}}}{{{num(a[i + 2])}}}",
                num(t[i + 2]),
            ),
            Step(
                labels[2],
                f"{c} = {c}_a + t_{c} {side}_a",
                f"{num(a[i])} + {num_factor(t[i])}\\times {num(a[i + 2])}",
                num(back[i]),
            ),
            Step(
                "",
                f"{side} = {side}_a e^{{t_{side}}}",
                f"{num(a[i + 2])}\\, e^{{{num(t[i + 2])}}}",
                num(back[i + 2]),
            ),
        )

    return WorkedExample(
        title=(
            f"锚框中心 $({num(a[0])}, {num(a[1])})$、宽高 ${num(a[2])}\\times {num(a[3])}$；"
            f"真实框中心 $({num(g[0])}, {num(g[1])})$、宽高 ${num(g[2])}\\times {num(g[3])}$"
        ),
        # t_x, t_y, then t_w, t_h, then the same two pairs decoded
        steps=tuple(
            step for pair in zip(axis(0, "x", "w"), axis(1, "y", "h"), strict=True) for step in pair
        ),
    )
