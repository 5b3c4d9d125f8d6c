"""Convolution geometry drawn: dilated kernels, receptive-field growth, output grids,
depthwise separable kernels, two stacked 3x3 layers. The numbers come from dlmath.convolution
(torch.nn.Conv2d's shape formula, the receptive-field recursion of Araujo et al. 2019)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.ticker import MaxNLocator

from ankigen import BadParameter, figure, num
from ankigen.checks import between
from dlmath.convolution import (
    conv_output_size,
    conv_params,
    effective_kernel_size,
    receptive_field,
    separable_cost,
)

from . import _grid
from ._grid import Grid
from ._style import COLORS, FONT_SIZE, new_figure, style_axes, text_num

LIGHT_BLUE = "#cfe3f2"
LIGHT_ORANGE = "#f6d5c1"
MAX_RATES = 4  # dilated kernels side by side on a phone


def _fields(kernels: Sequence[int], strides: Sequence[int]) -> list[int]:
    """Receptive field after each layer (no dilation)."""
    return [layer.field for layer in receptive_field(kernels, strides)]


@figure("dilated-kernel")
def dilated_kernel(rates: Sequence[int] = (1, 2, 3)) -> Figure:
    """The 9 taps of a 3x3 kernel spread r cells apart: the field grows, the taps do not."""
    if not 1 <= len(rates) <= MAX_RATES:
        raise BadParameter("rates", f"give 1 to {MAX_RATES} values, got {len(rates)}")
    for rate in rates:
        between("rates", rate, 1, 5)
    fields = [effective_kernel_size(3, rate) for rate in rates]
    size = max(fields) + 2  # one free cell around the largest field
    fig = new_figure(height=min(3.6 / len(rates) + 0.8, 4.0))
    fig.suptitle("3×3 kernel: field $= r(k-1)+1$", fontsize=FONT_SIZE)
    for index, (rate, field) in enumerate(zip(rates, fields, strict=True)):
        axes = fig.add_subplot(1, len(rates), index + 1)
        _grid.canvas(axes)
        grid = Grid(size, size)
        start = (size - field) // 2
        centre = size // 2
        taps = [(centre + rate * i, centre + rate * j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
        _grid.block(axes, grid, (start, start), (field, field), LIGHT_BLUE)
        _grid.fill(axes, grid, taps, COLORS[0])
        _grid.lines(axes, grid, linewidth=0.5)
        _grid.outline(axes, grid, (start, start), (field, field), COLORS[1], linewidth=2.0)
        _grid.fit(axes, -0.2, -0.2, size + 0.2, size + 0.2)
        axes.set_title(f"$r={rate}$: ${field}\\times{field}$", fontsize=FONT_SIZE - 1)
    return fig


@figure("receptive-field-growth")
def receptive_field_growth(layers: int = 4) -> Figure:
    """3x3 stride-1 layers add 2 each; a stride-2 first layer doubles every later step."""
    between("layers", layers, 1, 10)
    depth = np.arange(1, layers + 1)
    plain = _fields([3] * layers, [1] * layers)
    strided = _fields([3] * layers, [2] + [1] * (layers - 1))
    fig = new_figure()
    axes = fig.add_subplot()
    style_axes(axes, xlabel="layer", ylabel="receptive field")
    series = (
        (strided, "layer 1 stride 2", COLORS[1], "s", 6),
        (plain, "all stride 1", COLORS[0], "o", -14),
    )
    for fields, name, color, marker, offset in series:
        axes.plot(depth, fields, color=color, marker=marker, linewidth=2.0, label=name)
        for layer, field in zip(depth, fields, strict=True):
            axes.annotate(
                str(field),
                (float(layer), float(field)),
                xytext=(0, offset),
                textcoords="offset points",
                ha="center",
                fontsize=FONT_SIZE - 2,
                color=color,
            )
    axes.set_xticks(depth)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0.5, layers + 0.5)
    axes.set_ylim(0, max(strided) * 1.2)
    axes.legend(fontsize=FONT_SIZE - 1, loc="upper left", frameon=False)
    return fig


@figure("conv-output-grid")
def conv_output_grid(size: int = 5, kernel: int = 3, stride: int = 2, padding: int = 1) -> Figure:
    """Where the first windows sit on the padded input, and which output cells they make."""
    between("size", size, 1, 10)
    between("kernel", kernel, 1, 7)
    between("stride", stride, 1, 4)
    between("padding", padding, 0, 3)
    padded = size + 2 * padding
    if kernel > padded:
        raise BadParameter("kernel", f"must fit the padded input ({padded}), got {kernel}")
    out = conv_output_size(size, kernel, stride, padding)
    fig = new_figure(height=2.72)
    axes = fig.add_subplot()
    _grid.canvas(axes)
    source = Grid(padded, padded)
    target = Grid(out, out, left=padded + 2, top=(padded - out) / 2)
    _grid.block(axes, source, (0, 0), (padded, padded), _grid.PADDING)
    _grid.block(axes, source, (padding, padding), (size, size), LIGHT_BLUE)
    _grid.lines(axes, source)
    _grid.lines(axes, target)
    windows = [(0, 0)] + ([(0, 1)] if out > 1 else [])
    styles = ((COLORS[1], LIGHT_ORANGE, "-", 0.06), (COLORS[0], "#a9cfe8", "--", 0.16))
    for (row, col), (edge, tint, linestyle, inset) in zip(windows, styles, strict=False):
        _grid.fill(axes, target, [(row, col)], tint)
        _grid.outline(axes, target, (row, col), (1, 1), edge, linewidth=2.0, linestyle=linestyle)
        _grid.outline(
            axes,
            source,
            (row * stride, col * stride),
            (kernel, kernel),
            edge,
            linestyle=linestyle,
            inset=inset,
        )
    _grid.label(axes, source, f"input {size}, padding {padding}", fontsize=FONT_SIZE - 1)
    _grid.label(axes, target, f"output {out}×{out}", fontsize=FONT_SIZE - 1)
    _grid.fit(axes, -0.2, -1.0, target.right + 0.2, padded + 0.2)
    axes.set_title(
        f"$\\lfloor({size}+2\\cdot{padding}-{kernel})/{stride}\\rfloor+1={out}$",
        fontsize=FONT_SIZE,
    )
    return fig


def _kernel_stack(
    axes: Axes, left: float, top: float, size: float, colors: Sequence[str], divisions: int
) -> None:
    """A k x k x c kernel as c offset squares, back to front, the front one divided k x k."""
    step = 0.14
    for depth in range(len(colors) - 1, -1, -1):
        x, y = left + depth * step, top - depth * step
        square = Path([(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)])
        axes.add_patch(PathPatch(square, facecolor=colors[depth], edgecolor="#333333", lw=0.8))
    if divisions > 1:
        vertices: list[tuple[float, float]] = []
        for i in range(1, divisions):
            offset = size * i / divisions
            vertices += [(left + offset, top), (left + offset, top + size)]
            vertices += [(left, top + offset), (left + size, top + offset)]
        codes = [Path.MOVETO, Path.LINETO] * (len(vertices) // 2)
        axes.add_patch(PathPatch(Path(vertices, codes), edgecolor="#333333", lw=0.5))


def _kernel_row(
    axes: Axes, top: float, count: int, depth_colors: list[list[str]], size: float, k: int
) -> None:
    """Up to 4 kernels side by side, then '…' when there are more."""
    shown = min(count, 4)
    x = 0.0
    for index in range(shown):
        colors = depth_colors[index % len(depth_colors)]
        _kernel_stack(axes, x, top, size, colors, k)
        x += size + 0.14 * len(colors) + 0.35
    if count > shown:
        axes.text(x, top + size / 2, "…", va="center", fontsize=FONT_SIZE)


@figure("depthwise-separable")
def depthwise_separable(channels_in: int = 3, channels_out: int = 4, kernel: int = 3) -> Figure:
    """Weight counts (no bias) of a standard convolution vs depthwise + pointwise (MobileNet)."""
    between("channels_in", channels_in, 1, 64)
    between("channels_out", channels_out, 1, 64)
    between("kernel", kernel, 1, 11)
    weights = separable_cost(channels_in, channels_out, kernel)  # MACs at one position
    standard, depthwise, pointwise = weights.standard, weights.depthwise, weights.pointwise
    separable = weights.separable
    tints = (LIGHT_BLUE, LIGHT_ORANGE, "#c8eadf", "#f2d9e8")
    channel_colors = [tints[c % len(tints)] for c in range(min(channels_in, 4))]
    fig = new_figure(height=3.04)
    axes = fig.add_subplot()
    _grid.canvas(axes)
    rows = (
        (
            f"standard: ${channels_out}\\times({kernel}\\times{kernel}\\times{channels_in})$",
            f"${channels_out}\\cdot{kernel}^2\\cdot{channels_in}={num(standard)}$",
            channels_out,
            [channel_colors],
            1.0,
            kernel,
        ),
        (
            f"depthwise: ${channels_in}\\times({kernel}\\times{kernel}\\times1)$",
            f"${channels_in}\\cdot{kernel}^2={num(depthwise)}$",
            channels_in,
            [[color] for color in channel_colors],
            1.0,
            kernel,
        ),
        (
            f"pointwise: ${channels_out}\\times(1\\times1\\times{channels_in})$",
            f"${channels_in}\\cdot{channels_out}={num(pointwise)}$",
            channels_out,
            [channel_colors],
            0.45,
            1,
        ),
    )
    top = 0.0
    for title, count_text, count, colors, size, divisions in rows:
        axes.text(0, top, title, fontsize=FONT_SIZE - 1, va="bottom")
        axes.text(8.2, top, count_text, fontsize=FONT_SIZE - 1, ha="right", va="bottom")
        body = top + 0.3 + 0.14 * len(colors[0])
        _kernel_row(axes, body, count, colors, size, divisions)
        top = body + size + 0.65
    axes.text(
        0,
        top + 0.1,
        f"separable ${num(depthwise)}+{num(pointwise)}={num(separable)}$"
        f" = {text_num(100 * separable / standard, digits=2)}% of {text_num(standard)}",
        fontsize=FONT_SIZE - 1,
        va="bottom",
        color=COLORS[1],
    )
    _grid.fit(axes, -0.1, -0.6, 8.3, top + 0.7)
    return fig


@figure("two-3x3-vs-5x5")
def two_3x3_vs_5x5() -> Figure:
    """One output unit sees 3x3 of layer 1, which together see 5x5 of the input (VGG)."""
    first, second = _fields([3, 3], [1, 1])
    # weights per (input, output) channel pair
    stacked = 2 * conv_params(1, 1, 3, 1, bias=False)
    single = conv_params(1, 1, second, 1, bias=False)
    fig = new_figure(height=2.32)
    axes = fig.add_subplot()
    _grid.canvas(axes)
    grids = (Grid(second + 2, second + 2), Grid(first + 2, first + 2, left=second + 4.5, top=1))
    output = Grid(3, 3, left=grids[1].right + 2.5, top=2)
    regions = ((grids[0], second, LIGHT_BLUE), (grids[1], first, "#a9cfe8"), (output, 1, COLORS[1]))
    for grid, span, color in regions:
        _grid.block(axes, grid, (1, 1), (span, span), color)
        _grid.lines(axes, grid)
        _grid.outline(axes, grid, (1, 1), (span, span), COLORS[0], linewidth=2.0)
    for (big, span, _), (small, inner, _) in pairwise(regions):
        for dy in (0, inner):
            axes.plot(
                [small.left + 1, big.left + 1 + span],
                [small.top + 1 + dy, big.top + 1 + dy * span / inner],
                color=COLORS[0],
                linewidth=1.0,
                linestyle="--",
            )
    names = ("input", "layer 1", "layer 2")
    for grid, name in zip((*grids, output), names, strict=True):
        _grid.label(axes, grid, name, fontsize=FONT_SIZE - 1)
    axes.set_title(
        f"two 3×3 see ${second}\\times{second}$\n"
        f"weights: $2\\cdot3^2={stacked}$ vs ${second}^2={single}$",
        fontsize=FONT_SIZE - 1,
    )
    _grid.fit(axes, -0.2, -1.4, output.right + 0.2, grids[0].bottom + 0.2)
    return fig
