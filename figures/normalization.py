"""Which cells of an (N, C, H*W) activation block share one mean and variance, as in
Wu & He 2018 (Group Normalization), Fig. 2.

BatchNorm: per channel, over N and H*W; LayerNorm: per sample, over C and H*W; InstanceNorm:
per sample and channel, over H*W; GroupNorm: per sample and group of C/G channels, over the
group's channels and H*W (torch.nn.BatchNorm2d, LayerNorm over (C, H, W), InstanceNorm2d,
GroupNorm). The shaded set is computed from those axis rules, then drawn on the cube's faces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon

from ankigen import figure

from ._style import COLORS, FONT_SIZE, new_figure

Array = np.ndarray
SAMPLES, CHANNELS, SPATIAL = 4, 6, 4  # cells along N (width), C (depth), H*W (height)
DEPTH = np.array([0.5, 0.4])  # drawing offset of one step along C (oblique projection)
GROUPS = 2


@dataclass(frozen=True, slots=True)
class Shaded:
    """The cells normalised together: samples [n0, n1) of channels [c0, c1), all of H*W."""

    n0: int
    n1: int
    c0: int
    c1: int


def shared_cells(kind: str, groups: int = GROUPS) -> Shaded:
    """The set containing cell (n=0, c=0) that one mean/variance is computed over."""
    if kind == "BN":
        return Shaded(0, SAMPLES, 0, 1)
    if kind == "LN":
        return Shaded(0, 1, 0, CHANNELS)
    if kind == "IN":
        return Shaded(0, 1, 0, 1)
    return Shaded(0, 1, 0, CHANNELS // groups)


def _point(n: float, h: float, c: float) -> Array:
    """Oblique projection of (sample, height, channel) onto the page."""
    result: Array = np.array([n, h]) + c * DEPTH
    return result


def _faces(shaded: Shaded) -> list[tuple[Array, bool]]:
    """The three visible faces, then the shaded parts of them: front (c = 0), top (h = H*W)
    and right side (n = N)."""
    top, width = float(SPATIAL), float(SAMPLES)

    def front(n0: float, n1: float) -> Array:
        return np.array(
            [_point(n0, 0, 0), _point(n1, 0, 0), _point(n1, top, 0), _point(n0, top, 0)]
        )

    def upper(n0: float, n1: float, c0: float, c1: float) -> Array:
        return np.array(
            [_point(n0, top, c0), _point(n1, top, c0), _point(n1, top, c1), _point(n0, top, c1)]
        )

    def right(c0: float, c1: float) -> Array:
        return np.array(
            [
                _point(width, 0, c0),
                _point(width, 0, c1),
                _point(width, top, c1),
                _point(width, top, c0),
            ]
        )

    s = shaded
    faces = [
        (front(0, width), False),
        (upper(0, width, 0, CHANNELS), False),
        (right(0, CHANNELS), False),
    ]
    if s.c0 == 0:
        faces.append((front(s.n0, s.n1), True))
    faces.append((upper(s.n0, s.n1, s.c0, s.c1), True))
    if s.n1 == SAMPLES:
        faces.append((right(s.c0, s.c1), True))
    return faces


def _grid_lines() -> Array:
    """Every cell edge on the visible faces, as one NaN-separated polyline (small SVG)."""
    top, width, depth = float(SPATIAL), float(SAMPLES), float(CHANNELS)
    segments: list[tuple[Array, Array]] = []
    for n in range(SAMPLES + 1):  # front verticals and their continuation across the top
        segments += [
            (_point(n, 0, 0), _point(n, top, 0)),
            (_point(n, top, 0), _point(n, top, depth)),
        ]
    for h in range(SPATIAL + 1):  # front horizontals and their continuation along the side
        segments += [
            (_point(0, h, 0), _point(width, h, 0)),
            (_point(width, h, 0), _point(width, h, depth)),
        ]
    for c in range(1, CHANNELS + 1):  # the channel slices, on top and on the side
        segments += [
            (_point(0, top, c), _point(width, top, c)),
            (_point(width, 0, c), _point(width, top, c)),
        ]
    gap = np.array([np.nan, np.nan])
    return np.array([point for a, b in segments for point in (a, b, gap)])


def _draw_block(axes: Axes, title: str, shaded: Shaded) -> None:
    for corners, filled in _faces(shaded):
        axes.add_patch(
            Polygon(corners, closed=True, linewidth=0, facecolor=COLORS[5] if filled else "white")
        )
    lines = _grid_lines()
    axes.plot(lines[:, 0], lines[:, 1], color="#333333", linewidth=0.7)
    size = FONT_SIZE - 1
    axes.text(SAMPLES / 2, -0.4, "N", ha="center", va="top", fontsize=size)
    axes.text(-0.3, SPATIAL / 2, "H,W", ha="right", va="center", fontsize=size)
    x, y = _point(SAMPLES, 0, CHANNELS / 2) + np.array([0.3, -0.1])
    axes.text(x, y, "C", ha="left", va="top", fontsize=size)
    axes.set_title(title, fontsize=FONT_SIZE, pad=2)
    axes.set_xlim(-2.0, SAMPLES + CHANNELS * DEPTH[0] + 0.9)
    axes.set_ylim(-1.3, SPATIAL + CHANNELS * DEPTH[1] + 0.2)
    axes.set_aspect("equal")
    axes.axis("off")


@figure("normalization-axes")
def normalization_axes() -> Figure:
    """BN, LN, IN and GN (G = 2) on the same block: the shaded cells share a mean/variance."""
    fig = new_figure(height=3.52)
    titles = {
        "BN": "Batch Norm",
        "LN": "Layer Norm",
        "IN": "Instance Norm",
        "GN": f"Group Norm (G={GROUPS})",
    }
    for index, (kind, title) in enumerate(titles.items()):
        _draw_block(fig.add_subplot(2, 2, index + 1), title, shared_cells(kind))
    return fig
