"""Down- and up-sampling drawn: pooling, max unpooling, transposed convolution as zero
insertion, bilinear interpolation. The numbers come from dlmath.resampling (PyTorch's
semantics; Dumoulin & Visin 2016 for the transposed convolution)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ankigen import BadParameter, figure, num
from ankigen.checks import between
from dlmath.convolution import transposed_conv_output_size
from dlmath.resampling import average_pool, bilinear, max_pool, max_unpool, zero_insert

from . import _grid
from ._grid import Grid
from ._style import COLORS, FONT_SIZE, new_figure, text_num

# Light tints of the Okabe-Ito blue, vermillion, green and pink: one per pooling window.
TINTS = ("#cfe3f2", "#f6d5c1", "#c8eadf", "#f2d9e8")
# Example feature maps (inputs, not results): every 2x2 window has a single maximum.
POOL_INPUT = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [3, 4, 1, 6]], dtype=float)
UNPOOL_INPUT = np.array([[1, 5, 2, 0], [3, 2, 8, 4], [7, 0, 1, 3], [2, 6, 9, 2]], dtype=float)
# Pixel values at the corners (x, y) = (0,0), (1,0), (0,1), (1,1) of the unit square.
CORNER_VALUES = np.array([[10.0, 20.0], [30.0, 50.0]])  # [y][x]
MAX_SPREAD = 15  # cells of the spread-out, padded input that fit a phone's width


def _window_borders(axes: Axes, grid: Grid) -> None:
    for row in range(0, grid.rows, 2):
        for col in range(0, grid.cols, 2):
            _grid.outline(axes, grid, (row, col), (2, 2), "#333333", linewidth=2.0)


@figure("pooling")
def pooling() -> Figure:
    """Each 2x2 window gives one max and one mean; global average pooling keeps one number."""
    maxima, _ = max_pool(POOL_INPUT)
    means = average_pool(POOL_INPUT)
    overall = np.array([[POOL_INPUT.mean()]])
    fig = new_figure(4.4, 2.6)  # three grids and their labels side by side
    axes = fig.add_subplot()
    _grid.canvas(axes)
    source = Grid(4, 4, top=1.0)
    outputs = (
        (Grid(2, 2, left=6.0), maxima, "max"),
        (Grid(2, 2, left=6.0, top=2.5), means, "average"),
        (Grid(1, 1, left=6.5, top=5.0), overall, "global avg\n(1 / channel)"),
    )
    for window in range(4):
        _grid.block(axes, source, (2 * (window // 2), 2 * (window % 2)), (2, 2), TINTS[window])
        for grid, _, _ in outputs[:2]:
            _grid.fill(axes, grid, [divmod(window, 2)], TINTS[window])
    _grid.fill(axes, outputs[2][0], [(0, 0)], "#dddddd")
    _grid.lines(axes, source)
    _window_borders(axes, source)
    _grid.numbers(axes, source, POOL_INPUT)
    numbers_size = FONT_SIZE - 3  # "3.75" must fit a cell
    _grid.label(axes, source, "input")
    for grid, values, name in outputs:
        _grid.lines(axes, grid)
        _grid.numbers(axes, grid, values, fontsize=numbers_size)
        axes.text(
            8.4, grid.center((grid.rows - 1) / 2, 0)[1], name, va="center", fontsize=FONT_SIZE - 1
        )
        end = (grid.left - 0.2, grid.center((grid.rows - 1) / 2, 0)[1])
        _grid.arrow(axes, (source.right + 0.2, source.center(1.5, 0)[1]), end)
    _grid.fit(axes, -0.1, -0.1, 11.8, 6.1)
    return fig


@figure("max-unpooling")
def max_unpooling() -> Figure:
    """Max unpooling puts each maximum back where it came from: the indices are remembered."""
    pooled, indices = max_pool(UNPOOL_INPUT)
    restored = max_unpool(pooled, indices, (4, 4))
    fig = new_figure(height=2.08)
    axes = fig.add_subplot()
    _grid.canvas(axes)
    source = Grid(4, 4)
    middle = Grid(2, 2, left=5.8, top=1)
    target = Grid(4, 4, left=9.6)
    for window, flat in enumerate(indices.ravel()):
        cell = divmod(int(flat), 4)
        _grid.fill(axes, source, [cell], TINTS[window])
        _grid.fill(axes, middle, [divmod(window, 2)], TINTS[window])
        _grid.fill(axes, target, [cell], TINTS[window])
    for grid in (source, target):
        _grid.lines(axes, grid)
        _window_borders(axes, grid)
    _grid.lines(axes, middle)
    _grid.numbers(axes, source, UNPOOL_INPUT)
    _grid.numbers(axes, middle, pooled)
    _grid.numbers(axes, target, restored, color="#999999", skip=restored != 0)
    _grid.numbers(axes, target, restored, skip=restored == 0)
    _grid.label(axes, source, "input")
    _grid.label(axes, middle, "max pool")
    _grid.label(axes, target, "unpool")
    places = ", ".join(str(int(flat)) for flat in indices.ravel())
    axes.text(
        middle.left + 1,
        middle.bottom + 0.3,
        f"argmax\n{places}",
        ha="center",
        va="top",
        fontsize=FONT_SIZE - 2,
    )
    _grid.arrow(axes, (source.right + 0.2, 2), (middle.left - 0.2, 2))
    _grid.arrow(axes, (middle.right + 0.2, 2), (target.left - 0.2, 2))
    _grid.fit(axes, -0.1, -0.9, target.right + 0.1, 4.1)
    return fig


@figure("transposed-conv")
def transposed_conv(size: int = 3, stride: int = 2, kernel: int = 3) -> Figure:
    """A transposed convolution is a plain convolution over a spread-out, padded input."""
    between("size", size, 1, 5)
    between("stride", stride, 1, 3)
    between("kernel", kernel, 1, 4)
    values = np.arange(1, size * size + 1, dtype=float).reshape(size, size)
    spread = zero_insert(values, stride, kernel)
    padded = spread.shape[0]
    if padded > MAX_SPREAD:
        raise BadParameter(
            "size", f"the spread-out input is {padded} cells wide: at most {MAX_SPREAD} fit"
        )
    out = transposed_conv_output_size(size, kernel, stride, padding=0, output_padding=0, dilation=1)
    fig = new_figure(height=2.88)
    axes = fig.add_subplot()
    _grid.canvas(axes)
    source = Grid(size, size, top=(padded - size) / 2)
    target = Grid(padded, padded, left=size + 1.6)
    pad = kernel - 1
    data = spread != 0
    _grid.block(axes, source, (0, 0), (size, size), TINTS[0])
    _grid.block(axes, target, (0, 0), (padded, padded), _grid.PADDING)
    _grid.block(axes, target, (pad, pad), (padded - 2 * pad, padded - 2 * pad), TINTS[1])
    _grid.fill(axes, target, list(zip(*np.nonzero(data), strict=True)), TINTS[0])
    for grid in (source, target):
        _grid.lines(axes, grid)
    _grid.numbers(axes, source, values, fontsize=FONT_SIZE - 2)
    _grid.numbers(axes, target, spread, fontsize=FONT_SIZE - 2, skip=~data)
    inside = np.zeros_like(data)
    inside[pad : padded - pad, pad : padded - pad] = True
    _grid.numbers(
        axes, target, spread, fontsize=FONT_SIZE - 2, color=COLORS[1], skip=data | ~inside
    )
    _grid.outline(axes, target, (0, 0), (kernel, kernel), COLORS[1], inset=0.05)
    _grid.arrow(axes, (source.right + 0.2, padded / 2), (target.left - 0.2, padded / 2))
    _grid.label(axes, source, "input", fontsize=FONT_SIZE - 1)
    _grid.label(axes, target, f"insert $s-1={stride - 1}$, pad $k-1={pad}$", fontsize=FONT_SIZE - 1)
    axes.set_title(f"out $=(n-1)s+k=({size}-1)\\cdot{stride}+{kernel}={out}$", fontsize=FONT_SIZE)
    _grid.fit(axes, -0.1, -1.0, target.right + 0.1, padded + 0.1)
    return fig


@figure("bilinear-interpolation")
def bilinear_interpolation(x: float = 0.3, y: float = 0.6) -> Figure:
    """Each corner's weight is the area of the rectangle opposite it, so the weights sum to 1."""
    between("x", x, 0, 1)
    between("y", y, 0, 1)
    weights, value = bilinear(CORNER_VALUES, x, y)
    fig = new_figure(height=2.4)
    axes = fig.add_subplot()
    axes.set_aspect("equal")
    axes.set_axis_off()
    colors = (COLORS[0], COLORS[1], COLORS[2], COLORS[3])
    formulas = ("(1-x)(1-y)", "x(1-y)", "(1-x)y", "xy")
    lines = []
    for index, (cy, cx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        # The rectangle between the point and the opposite corner (1-cx, 1-cy).
        left, right = sorted((x, 1 - cx))
        bottom, top = sorted((y, 1 - cy))
        axes.add_patch(
            Rectangle(
                (left, bottom), right - left, top - bottom, facecolor=TINTS[index], edgecolor="none"
            )
        )
        weight = float(weights[cy, cx])
        if min(right - left, top - bottom) > 0.12:
            axes.text(
                (left + right) / 2,
                (bottom + top) / 2,
                text_num(weight, _grid.CELL_DIGITS),
                ha="center",
                va="center",
                fontsize=FONT_SIZE - 2,
                color="#333333",
            )
        axes.plot([cx], [cy], marker="o", markersize=8, color=colors[index])
        axes.text(  # diagonally outside the corner, clear of its dot
            cx + (0.13 if cx else -0.13),
            cy + (0.11 if cy else -0.11),
            text_num(float(CORNER_VALUES[cy, cx]), _grid.CELL_DIGITS),
            ha="center",
            va="center",
            fontsize=FONT_SIZE,
            color=colors[index],
        )
        lines.append(f"${formulas[index]}={num(weight, _grid.CELL_DIGITS)}$")
    axes.add_patch(Rectangle((0, 0), 1, 1, facecolor="none", edgecolor="#555555"))
    axes.plot([x, x], [0, 1], [0, 1], [y, y], color="#555555", linewidth=0.8, linestyle="--")
    axes.plot([x], [y], marker="o", markersize=7, color="black")
    lines.append(f"$f=\\sum w\\,f={num(value)}$")
    for row, (line, color) in enumerate(zip(lines, (*colors, "black"), strict=True)):
        axes.text(1.25, 0.9 - 0.2 * row, line, va="center", fontsize=FONT_SIZE - 1, color=color)
    axes.set_title(f"$(x, y)=({num(x)}, {num(y)})$", fontsize=FONT_SIZE)
    axes.set_xlim(-0.2, 2.4)
    axes.set_ylim(-0.2, 1.2)
    return fig
