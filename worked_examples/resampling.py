"""Resampling worked examples: pixel shuffle, interpolation coordinates, RoI Align, and
pooling under shifts. The formulas live in dlmath.resampling (PixelShuffle, F.interpolate,
RoIAlign of He et al. 2017, MaxBlurPool of Zhang 2019)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_tuple, worked_example
from ankigen.checks import between
from dlmath.resampling import (
    blur_pool_1d,
    max_pool_1d,
    pixel_shuffle,
    roi_align_bin,
    source_coordinate,
)

from ._latex import plain_tuple, pmatrix, signed_sum
from ._params import bounded

Array = npt.NDArray[np.float64]


@worked_example("pixel-shuffle")
def pixel_shuffle_example(r: int = 2, size: int = 2) -> WorkedExample:
    between("r", r, 2, 3)  # the upscale factor: a phone shows the result
    between("size", size, 1, 2)  # the input side
    # Channel k holds the number 10(k+1) + position, so every output cell says where it came from.
    x = np.array(
        [
            [[10 * (k + 1) + row * size + col for col in range(size)] for row in range(size)]
            for k in range(r * r)
        ],
        dtype=np.float64,
    )
    out = pixel_shuffle(x, r)
    groups = [range(start, min(start + 2, r * r)) for start in range(0, r * r, 2)]
    pairs = [
        Step(
            f"输入通道 (input channels) {', '.join(str(k) for k in group)}",
            "",
            "",
            ",\\ ".join(pmatrix(x[k]) for k in group),
        )
        for group in groups
    ]
    return WorkedExample(
        title=(
            f"PixelShuffle({r})：${r * r}\\times{size}\\times{size} \\to "
            f"1\\times{size * r}\\times{size * r}$；第 $k$ 个通道的值是 $10(k+1)+$ 位置"
        ),
        steps=(
            *pairs,
            Step(
                "重排规则 (rearrangement)",
                "y_{c,\\ hr+i,\\ wr+j} = x_{cr^2+ir+j,\\ h,\\ w}",
            ),
            Step(
                "输出 (output)：每个 $r\\times r$ 块各取自 $r^2$ 个通道的同一位置",
                "",
                "",
                pmatrix(out[0]),
            ),
        ),
    )


@worked_example("align-corners")
def align_corners_example(in_size: int = 4, out_size: int = 8) -> WorkedExample:
    between("in_size", in_size, 2, 8)
    between("out_size", out_size, 2, 8)  # one table row each
    rows = tuple(
        (
            f"${dst}$",
            f"${num(source_coordinate(dst, in_size, out_size, True), 3)}$",
            f"${num((dst + 0.5) * in_size / out_size - 0.5, 3)}$",
            f"${num(source_coordinate(dst, in_size, out_size, False), 3)}$",
        )
        for dst in range(out_size)
    )
    return WorkedExample(
        title=f"一维线性插值 (linear)，{in_size} 个输入 → {out_size} 个输出",
        steps=(
            Table(
                header=("$x_{dst}$", "True", "False", "False, 截断"),
                rows=rows,
                caption="源坐标 (source coordinate)；False 时小于 0 的坐标截断为 0 (clamped)",
            ),
        ),
    )


# A 6x6 feature map whose value at (row y, column x) is 10 y + x: the bilinear value at a
# point is then simply 10 y + x, which makes every sample easy to check by eye.
FEATURE = np.add.outer(10.0 * np.arange(6), np.arange(6.0))


@worked_example("roi-align-bin")
def roi_align_bin_example(
    roi: Sequence[float] = (0.6, 1.2, 3.8, 4.4),
    pooled: int = 2,
    sampling_ratio: int = 2,
) -> WorkedExample:
    if len(roi) != 4:
        raise BadParameter("roi", "a box is 4 numbers [x1, y1, x2, y2]")
    x1, y1, x2, y2 = (float(v) for v in roi)
    if not (0 <= x1 < x2 <= 5 and 0 <= y1 < y2 <= 5):
        raise BadParameter("roi", "needs 0 <= x1 < x2 <= 5 and 0 <= y1 < y2 <= 5 (6x6 map)")
    between("pooled", pooled, 1, 4)
    between("sampling_ratio", sampling_ratio, 1, 2)  # a phone shows the samples
    b = roi_align_bin(FEATURE, (x1, y1, x2, y2), pooled, sampling_ratio, 0, 0)
    rows = tuple(
        (
            f"$({num(s.x, 3)},\\ {num(s.y, 3)})$",
            f"${num(s.value, 4)}$",
        )
        for s in b.samples
    )
    total = signed_sum(s.value for s in b.samples)
    return WorkedExample(
        title=(
            f"特征图 $f(x,y) = 10y + x$（$6\\times6$），RoI ${plain_tuple(roi)}$，"
            f"输出 ${pooled}\\times{pooled}$，"
            f"每格 ${sampling_ratio}\\times{sampling_ratio}$ 个采样点"
        ),
        steps=(
            Step(
                "格子大小，不取整 (bin size, no rounding)",
                "\\frac{x_2-x_1}{n},\\ \\frac{y_2-y_1}{n}",
                f"\\frac{{{num(x2)}-{num(x1)}}}{{{pooled}}},\\ "
                f"\\frac{{{num(y2)}-{num(y1)}}}{{{pooled}}}",
                f"{num(b.bin_width, 4)},\\ {num(b.bin_height, 4)}",
            ),
            Table(
                header=("采样点 $(x, y)$", "双线性值"),
                rows=rows,
                caption="左上格子：子格中心处采样，值由周围 4 个像素双线性插值 (bilinear)",
            ),
            Step(
                "这一格的输出：采样值的平均 (average)",
                "\\frac{1}{N}\\sum f(x_i, y_i)",
                f"\\frac{{{total}}}{{{len(b.samples)}}}",
                num(b.value, 4),
            ),
            Step(
                "RoI Pooling 则先把坐标取整 (quantise)",
                "\\operatorname{round}(x_1, y_1, x_2, y_2)",
                "",
                plain_tuple(round(v) for v in (x1, y1, x2, y2)),
            ),
        ),
    )


@worked_example("pool-shift")
def pool_shift_example(
    signal: Sequence[float] = (0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0),
    blur: bool = False,
) -> WorkedExample:
    if not 4 <= len(signal) <= 10 or len(signal) % 2:
        raise BadParameter("signal", "give an even number of values, 4 to 10")
    for value in signal:
        bounded(100, signal=value)
    x = np.array(signal, dtype=np.float64)
    shifted = np.roll(x, 1)

    def pool(v: Array) -> Array:
        return blur_pool_1d(v, 2) if blur else max_pool_1d(v, 2, 2)

    a, b = pool(x), pool(shifted)

    name = (
        "MaxBlurPool（max 步长 1 → [1,2,1]/4 模糊 → 隔一取一）" if blur else "最大池化 $k=2,\\ s=2$"
    )
    steps = [
        Step("原信号 (input)", "x", "", num_tuple(x, 3)),
        Step("右移 1 像素 (shifted by one)", "Tx", "", num_tuple(shifted, 3)),
        Step("池化原信号 (pooled)", "f(x)", "", num_tuple(a, 3)),
        Step("池化移位后的信号 (pooled, shifted)", "f(Tx)", "", num_tuple(b, 3)),
        Step(
            "输出变化的总量 (L1 change)",
            "\\lVert f(Tx) - f(x) \\rVert_1",
            "",
            num(float(np.abs(b - a).sum()), 3),
        ),
    ]
    if blur:
        # The same shift through plain max pooling (k=2, s=2), for comparison on one card.
        plain = np.abs(max_pool_1d(shifted, 2, 2) - max_pool_1d(x, 2, 2)).sum()
        steps.append(
            Step(
                "对照：普通最大池化 $g$（$k=2,\\ s=2$）的变化总量 (plain max pool)",
                "\\lVert g(Tx) - g(x) \\rVert_1",
                "",
                num(float(plain), 3),
            )
        )
    return WorkedExample(
        title=f"{name}，一维信号（循环边界）右移 1 个像素",
        steps=tuple(steps),
    )
