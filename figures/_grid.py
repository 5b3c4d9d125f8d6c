"""Grid-drawing helpers for the convolution and sampling figures.

Cells of one colour are merged into one compound path and all grid lines into
another, so a 9x9 grid costs a few SVG elements instead of a hundred patches
(figures must stay under 60 KB). Grids use image coordinates: row 0 at the top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, PathPatch
from matplotlib.path import Path

from ._style import FONT_SIZE, text_num

LINE = "#555555"
CELL_DIGITS = 3  # significant digits of a number in a cell: "3.75" fits one
PADDING = "#e6e6e6"  # padding cells: lighter than real data
Cell = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Grid:
    """A rows x cols block of unit cells whose top-left corner is at (left, top)."""

    rows: int
    cols: int
    left: float = 0.0
    top: float = 0.0

    @property
    def right(self) -> float:
        return self.left + self.cols

    @property
    def bottom(self) -> float:
        return self.top + self.rows

    def center(self, row: float, col: float) -> tuple[float, float]:
        return (self.left + col + 0.5, self.top + row + 0.5)


def canvas(axes: Axes) -> None:
    """Equal aspect, no ticks, y pointing down so row 0 is on top, like an image."""
    axes.set_aspect("equal")
    axes.set_axis_off()
    axes.invert_yaxis()


def fit(axes: Axes, left: float, top: float, right: float, bottom: float) -> None:
    """Data limits for a canvas (set after drawing: patches do not autoscale)."""
    axes.set_xlim(left, right)
    axes.set_ylim(bottom, top)


def _rectangle(x: float, y: float, width: float, height: float) -> list[tuple[float, float]]:
    return [(x, y), (x + width, y), (x + width, y + height), (x, y + height), (x, y)]


def _compound(rectangles: list[list[tuple[float, float]]]) -> Path:
    codes = [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    vertices = [point for rectangle in rectangles for point in rectangle]
    return Path(vertices, codes * len(rectangles))


def fill(axes: Axes, grid: Grid, cells: Iterable[Cell], color: str) -> None:
    """Fills the given (row, col) cells with one colour, as a single path."""
    rectangles = [_rectangle(grid.left + col, grid.top + row, 1, 1) for row, col in cells]
    if rectangles:
        axes.add_patch(PathPatch(_compound(rectangles), facecolor=color, edgecolor="none"))


def block(axes: Axes, grid: Grid, cell: Cell, size: tuple[int, int], color: str) -> None:
    """Fills size=(rows, cols) cells from cell=(row, col) as one rectangle."""
    (row, col), (rows, cols) = cell, size
    path = _compound([_rectangle(grid.left + col, grid.top + row, cols, rows)])
    axes.add_patch(PathPatch(path, facecolor=color, edgecolor="none"))


def lines(axes: Axes, grid: Grid, color: str = LINE, linewidth: float = 0.8) -> None:
    """All cell borders of the grid as one path."""
    vertices: list[tuple[float, float]] = []
    for row in range(grid.rows + 1):
        vertices += [(grid.left, grid.top + row), (grid.right, grid.top + row)]
    for col in range(grid.cols + 1):
        vertices += [(grid.left + col, grid.top), (grid.left + col, grid.bottom)]
    codes = [Path.MOVETO, Path.LINETO] * (len(vertices) // 2)
    path = Path(vertices, codes)
    axes.add_patch(PathPatch(path, facecolor="none", edgecolor=color, linewidth=linewidth))


def outline(
    axes: Axes,
    grid: Grid,
    cell: Cell,
    size: tuple[int, int],
    color: str,
    *,
    linewidth: float = 2.5,
    linestyle: str = "-",
    inset: float = 0.0,
) -> None:
    """A rectangle around size=(rows, cols) cells starting at cell=(row, col)."""
    row, col = cell
    rows, cols = size
    x, y = grid.left + col + inset, grid.top + row + inset
    path = _compound([_rectangle(x, y, cols - 2 * inset, rows - 2 * inset)])
    patch = PathPatch(
        path, facecolor="none", edgecolor=color, linewidth=linewidth, linestyle=linestyle
    )
    axes.add_patch(patch)


def numbers(
    axes: Axes,
    grid: Grid,
    values: np.ndarray,
    *,
    fontsize: float = FONT_SIZE - 1,
    color: str = "black",
    skip: np.ndarray | None = None,
) -> None:
    """Writes each value in its cell as `num` does, to CELL_DIGITS significant digits
    (cells where `skip` is True stay empty)."""
    for (row, col), value in np.ndenumerate(values):
        if skip is not None and skip[row, col]:
            continue
        x, y = grid.center(row, col)
        axes.text(
            x,
            y,
            text_num(float(value), CELL_DIGITS),
            ha="center",
            va="center",
            fontsize=fontsize,
            color=color,
        )


def label(axes: Axes, grid: Grid, text: str, *, fontsize: float = FONT_SIZE) -> None:
    """A caption centred above the grid."""
    axes.text(
        (grid.left + grid.right) / 2,
        grid.top - 0.35,
        text,
        ha="center",
        va="bottom",
        fontsize=fontsize,
    )


def arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A plain arrow from one grid to the next."""
    axes.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=LINE, linewidth=1.5)
    )
