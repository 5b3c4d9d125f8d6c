"""Why L1 regularisation gives zero weights and L2 does not (Tibshirani 1996, Fig. 2;
Hastie, Tibshirani & Friedman, ESL Fig. 3.11).

Minimising a loss subject to ||w||_1 <= t (or ||w||_2 <= t) is the constrained form of adding
lambda ||w||_1 (or lambda ||w||_2^2): the optimum is where the lowest loss contour touches the
ball. The diamond's corners stick out, so the touching point is often a corner (a zero weight).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, Patch, Polygon

from ankigen import figure

from ._style import COLORS, FONT_SIZE, new_figure, text_num

Array = np.ndarray
# Loss (w - W_STAR)^T A (w - W_STAR): curvature 1 along -30 degrees, 5 across it.
W_STAR = np.array([1.2, 1.6])
_ANGLE = np.deg2rad(-30.0)
_ROTATION = np.array([[np.cos(_ANGLE), -np.sin(_ANGLE)], [np.sin(_ANGLE), np.cos(_ANGLE)]])
CURVATURE = _ROTATION @ np.diag([1.0, 5.0]) @ _ROTATION.T


def loss(w: Array) -> Array:
    """The quadratic loss at each row of w."""
    d = w - W_STAR
    result: Array = np.einsum("ij,jk,ik->i", d, CURVATURE, d)
    return result


def constrained_optimum(order: float, radius: float = 1.0, samples: int = 40_000) -> Array:
    """The lowest-loss point on the boundary of the L`order` ball, by a fine search over the
    boundary (40,000 directions, the axis directions among them). W_STAR lies outside the ball
    and the loss is convex, so the constrained optimum is on the boundary."""
    angle = np.linspace(0, 2 * np.pi, samples, endpoint=False)
    directions = np.column_stack([np.cos(angle), np.sin(angle)])
    boundary = radius * directions / np.linalg.norm(directions, ord=order, axis=1, keepdims=True)
    best: Array = boundary[np.argmin(loss(boundary))]
    return best


def _contours(axes: Axes, levels: list[float]) -> None:
    """Exact level sets of the loss: semi-axes sqrt(c / eigenvalue) along the eigenvectors."""
    eigenvalues, eigenvectors = np.linalg.eigh(CURVATURE)
    tilt = np.degrees(np.arctan2(eigenvectors[1, 0], eigenvectors[0, 0]))
    for level in levels:
        width, height = 2 * np.sqrt(level / eigenvalues)
        axes.add_patch(
            Ellipse(
                tuple(W_STAR),
                width,
                height,
                angle=tilt,
                fill=False,
                edgecolor=COLORS[1],
                linewidth=1.0,
            )
        )


def _panel(axes: Axes, order: int) -> None:
    ball: Patch = (
        Polygon([(1, 0), (0, 1), (-1, 0), (0, -1)], closed=True)
        if order == 1
        else Ellipse((0, 0), 2, 2)
    )
    ball.set(facecolor=COLORS[5], alpha=0.45, edgecolor=COLORS[0], linewidth=1.5)
    axes.add_patch(ball)
    best = constrained_optimum(order)
    touching = float(loss(best[None, :])[0])
    _contours(axes, [touching / 4, touching, touching * 2.2])
    axes.plot(*W_STAR, "o", color=COLORS[1], markersize=4)
    axes.text(W_STAR[0] + 0.12, W_STAR[1], "$\\hat w$", fontsize=FONT_SIZE, va="center")
    axes.plot(*best, "o", color="black", markersize=5)
    shown = np.round(best, 9)  # the search's rounding noise (1e-16 off an axis) is 0
    label = f"({text_num(shown[0], digits=2)}, {text_num(shown[1], digits=2)})"
    axes.text(
        best[0] - 0.1,
        best[1] + 0.15,
        label,
        fontsize=FONT_SIZE - 1,
        ha="right",
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},  # over the contours
    )
    axes.axhline(0, color="#888888", linewidth=0.8)
    axes.axvline(0, color="#888888", linewidth=0.8)
    axes.set_xlim(-1.4, 2.6)
    axes.set_ylim(-1.4, 2.8)
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.text(2.55, -0.12, "$w_1$", fontsize=FONT_SIZE - 1, ha="right", va="top")
    axes.text(0.1, 2.75, "$w_2$", fontsize=FONT_SIZE - 1, va="top")
    axes.set_title(f"L{order}: $\\|w\\|_{order} \\leq 1$", fontsize=FONT_SIZE)


@figure("l1-vs-l2")
def l1_vs_l2() -> Figure:
    """The same loss contours around the unconstrained optimum w_hat, constrained to the L1
    diamond (left: optimum on a corner, w1 = 0) and the L2 disc (right: both weights shrink
    but stay non-zero). The optima and their coordinates are computed, not placed."""
    fig = new_figure(height=2.4)
    for index, order in enumerate((1, 2)):
        _panel(fig.add_subplot(1, 2, index + 1), order)
    return fig
