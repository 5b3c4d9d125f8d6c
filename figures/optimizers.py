"""Optimizer paths on 2-D quadratics, simulated with numpy.

The update rules are dlmath.optimizers', with torch.optim's defaults (AdaGrad eps 1e-10,
RMSprop alpha 0.99 and eps 1e-8, Adam betas (0.9, 0.999) and eps 1e-8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from ankigen import BadParameter, figure, num
from ankigen.checks import between
from dlmath.optimizers import Gradient, adagrad, adam, rmsprop, sgd

from ._style import COLORS, FONT_SIZE, new_figure, text_num

Array = np.ndarray
MAX_STEPS = 500
MAX_MARKED_STEPS = 50  # loss-contours marks every step: more would crowd the plot
MOMENTUM = 0.9  # mu of Momentum and NAG in the six-panel figures
PANEL = "#f3f3f3"


OptimizerName = Literal["SGD", "Momentum", "NAG", "AdaGrad", "RMSProp", "Adam"]
OPTIMIZER_NAMES: tuple[OptimizerName, ...] = get_args(OptimizerName)


@dataclass(frozen=True, slots=True)
class Optimizer:
    """One optimizer and its settings; the learning rate is shown in its panel title."""

    name: OptimizerName
    lr: float
    momentum: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZER_NAMES:
            raise ValueError(f"unknown optimizer {self.name!r}, not one of {OPTIMIZER_NAMES}")

    @property
    def label(self) -> str:
        return f"{self.name}, $\\eta$={text_num(self.lr)}"

    def path(self, grad: Gradient, start: Array, steps: int) -> Array:
        """The visited points p_0..p_steps, as torch.optim (its defaults) would visit them."""
        if self.name == "AdaGrad":
            return adagrad(grad, start, self.lr, steps).params
        if self.name == "RMSProp":
            return rmsprop(grad, start, self.lr, steps).params
        if self.name == "Adam":
            return adam(grad, start, self.lr, steps).trace.params
        nesterov = self.name == "NAG"
        return sgd(grad, start, self.lr, steps, self.momentum, nesterov).params


# One learning rate per optimizer, in OPTIMIZER_NAMES order: SGD, Momentum, NAG, AdaGrad,
# RMSProp, Adam.
LearningRates = tuple[float, float, float, float, float, float]


def _six_optimizers(lrs: LearningRates) -> tuple[Optimizer, ...]:
    """The six optimizers, each with its learning rate; Momentum and NAG with mu = MOMENTUM."""
    with_momentum = ("Momentum", "NAG")
    return tuple(
        Optimizer(name, lr, MOMENTUM if name in with_momentum else 0.0)
        for name, lr in zip(OPTIMIZER_NAMES, lrs, strict=True)
    )


def _quadratic_grad(scale_y: float) -> Gradient:
    """Gradient of f = (x^2 + scale_y y^2) / 2."""
    return lambda p, _t: np.array([p[0], scale_y * p[1]])


def _ellipses(axes: Axes, scale_y: float, levels: tuple[float, ...]) -> None:
    """Level sets of f = (x^2 + scale_y y^2)/2, exactly: semi-axes sqrt(2c) and sqrt(2c/s)."""
    for level in levels:
        radius = np.sqrt(2 * level)
        axes.add_patch(
            Ellipse(
                (0, 0),
                2 * radius,
                2 * radius / np.sqrt(scale_y),
                fill=False,
                edgecolor="#aaaaaa",
                linewidth=0.8,
            )
        )


Limits = tuple[tuple[float, float], tuple[float, float]]


def _inside(points: Array, limits: Limits, margin: float = 0.0) -> Array:
    """Which (x, y) rows lie inside the axes limits widened by `margin`."""
    (x0, x1), (y0, y1) = limits
    x, y = points[:, 0], points[:, 1]
    result: Array = (
        (x >= x0 - margin) & (x <= x1 + margin) & (y >= y0 - margin) & (y <= y1 + margin)
    )
    return result


def _hyperbolas(axes: Axes, levels: tuple[float, ...], limits: Limits) -> None:
    """Level sets of f = x^2 - y^2 (x = ±sqrt(c + y^2) for c > 0, y = ±sqrt(x^2 - c) for
    c < 0) and the asymptotes y = ±x (c = 0), as one NaN-separated line, points far outside
    the axes dropped, to keep the SVG small."""
    t = np.linspace(-2.0, 2.0, 17)
    curves = [np.column_stack([t, t]), np.column_stack([t, -t])]
    for level in levels:
        for sign in (-1, 1):
            root = sign * np.sqrt(abs(level) + t**2)
            curves.append(np.column_stack([root, t] if level > 0 else [t, root]))
    gap = np.array([[np.nan, np.nan]])
    points = np.concatenate([part for curve in curves for part in (curve, gap)])
    points[~_inside(points, limits, margin=0.25)] = np.nan
    axes.plot(points[:, 0], points[:, 1], color="#aaaaaa", linewidth=0.8)


def _plain_axes(
    axes: Axes, title: str, xlim: tuple[float, float], ylim: tuple[float, float]
) -> None:
    """Square units and no ticks: the shape of the path is the message, not the numbers.
    A tinted background instead of a frame sets the panels apart (fewer SVG paths)."""
    axes.set_xlim(*xlim)
    axes.set_ylim(*ylim)
    axes.set_aspect("equal")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_title(title, fontsize=FONT_SIZE - 2, pad=3)
    axes.set_facecolor(PANEL)
    for spine in axes.spines.values():
        spine.set_visible(False)


def _draw_path(axes: Axes, path: Array, color: str, markers: bool = False) -> None:
    marker = "o" if markers else ""
    axes.plot(path[:, 0], path[:, 1], color=color, linewidth=1.5, marker=marker, markersize=2.5)
    axes.plot(*path[0], "ko", markersize=3.5)


@figure("loss-contours")
def loss_contours(condition: float = 10.0, steps: int = 20, lr: float = 0.18) -> Figure:
    """Gradient descent on f = (x^2 + y^2)/2 (left) and f = (x^2 + condition y^2)/2 (right).

    Why feature scaling helps: with round contours the gradient points at the minimum; with
    elongated ones each step multiplies y by (1 - lr*condition), which zig-zags when
    lr*condition > 1 and diverges when it is >= 2, so lr must stay small and x crawls.
    """
    between("condition", condition, 1, 100)
    between("steps", steps, 1, MAX_MARKED_STEPS)
    if not 0 < lr * condition < 2:
        limit = f"2/condition = {2 / condition:.3g}"
        raise BadParameter(
            "lr", f"must be between 0 and {limit} (both excluded) to converge along y, got {lr:g}"
        )
    start = np.array([-4.0, 2.0])
    fig = new_figure(height=4.4)  # the two panels stacked: a phone is narrow
    panels = ((1.0, "round: $x^2+y^2$"), (condition, f"elongated: $x^2+{num(condition)}y^2$"))
    for row, (scale_y, title) in enumerate(panels):
        axes = fig.add_subplot(2, 1, row + 1)
        # Levels through points (0, 0.25..2) of each surface, so both panels have 6 rings.
        _ellipses(
            axes, scale_y, tuple(0.5 * scale_y * r**2 for r in (0.25, 0.6, 1.0, 1.5, 2.0, 2.6))
        )
        _draw_path(axes, sgd(_quadratic_grad(scale_y), start, lr, steps).params, COLORS[1], True)
        axes.plot(0, 0, marker="*", color="black", markersize=9)
        _plain_axes(axes, title, (-4.6, 1.2), (-2.4, 2.4))
        axes.set_xlabel(f"{steps} steps, $\\eta$={text_num(lr)}", fontsize=FONT_SIZE - 2)
    return fig


def _optimizer_grid(
    optimizers: tuple[Optimizer, ...],
    draw_background: Callable[[Axes], None],
    grad: Gradient,
    start: Array,
    steps: int,
    limits: Limits,
    note: Callable[[Array], str] | None = None,
    height: float = 3.6,
) -> Figure:
    """Three rows of two panels, one optimizer each, its learning rate in the title;
    `height` (inches) suits the panels' aspect at phone width."""
    fig = new_figure(height=height)
    for index, optimizer in enumerate(optimizers):
        axes = fig.add_subplot(3, 2, index + 1)
        draw_background(axes)
        path = optimizer.path(grad, start, steps)
        outside = np.flatnonzero(~_inside(path, limits))
        _draw_path(axes, path[: outside[0] + 1] if outside.size else path, COLORS[index])
        _plain_axes(axes, optimizer.label, *limits)
        if note is not None:
            axes.text(
                0.03,
                0.04,
                note(path),
                transform=axes.transAxes,
                fontsize=FONT_SIZE - 2,
                bbox={"facecolor": PANEL, "edgecolor": "none", "pad": 1},
            )
    return fig


@figure("optimizer-paths")
def optimizer_paths(steps: int = 60) -> Figure:
    """Six optimizers from (-4, 1.5) on f = (x^2 + 20 y^2)/2 (condition number 20).

    Learning rates are chosen so every path is visible, not tuned to be fair: SGD needs
    lr < 2/20 along y; momentum and NAG (mu = 0.9) damp the zig-zag and speed up along x;
    AdaGrad, RMSProp and Adam rescale each coordinate by its gradient history.
    """
    between("steps", steps, 1, MAX_STEPS)
    scale_y = 20.0
    optimizers = _six_optimizers((0.09, 0.02, 0.02, 1.0, 0.1, 0.2))

    def background(axes: Axes) -> None:
        _ellipses(axes, scale_y, (0.3, 1.2, 3.0))  # whole rings inside the panel
        axes.plot(0, 0, marker="*", color="black", markersize=7)

    fig = _optimizer_grid(
        optimizers,
        background,
        _quadratic_grad(scale_y),
        np.array([-4.0, 1.5]),
        steps,
        ((-4.5, 2.6), (-2.0, 2.0)),
    )
    fig.suptitle(
        f"$f=(x^2+{num(scale_y)}y^2)/2$, {steps} steps, $\\mu$={text_num(MOMENTUM)}",
        fontsize=FONT_SIZE,
    )
    return fig


@figure("optimizer-saddle")
def optimizer_saddle(steps: int = 60) -> Figure:
    """The six optimizers from (1, 0.001), next to the saddle of f = x^2 - y^2 at (0, 0).

    The gradient (2x, -2y) is tiny along y near the x axis, so SGD slides into the saddle
    and lingers (y grows only by a factor 1 + 2 lr per step); momentum accumulates the small
    push, and AdaGrad/RMSProp/Adam divide by the gradient's own size, so even a tiny y
    gradient gives a step of about lr and they escape at once. Each panel notes the first
    step t with |y| > 1 (escaped), or |y| at the end.
    """
    between("steps", steps, 1, MAX_STEPS)
    optimizers = _six_optimizers((0.05, 0.05, 0.05, 0.3, 0.02, 0.05))

    limits = ((-1.2, 1.3), (-0.6, 1.6))

    def background(axes: Axes) -> None:
        _hyperbolas(axes, (-1.0, 0.25, 1.0), limits)
        axes.plot(0, 0, marker="x", color="black", markersize=7, markeredgewidth=2)

    def note(path: Array) -> str:
        escaped = np.flatnonzero(np.abs(path[:, 1]) > 1)
        if escaped.size:
            return f"$|y|>1$: t={escaped[0]}"
        return f"t={steps}: $|y|$={text_num(abs(path[-1, 1]), digits=2)}"

    def grad(p: Array, _t: int) -> Array:
        return np.array([2 * p[0], -2 * p[1]])

    start = np.array([1.0, 1e-3])
    fig = _optimizer_grid(optimizers, background, grad, start, steps, limits, note, height=5.4)
    fig.suptitle(
        f"$f=x^2-y^2$ from ({text_num(start[0])}, {text_num(start[1])})\n"
        f"{steps} steps, $\\mu$={text_num(MOMENTUM)}",
        fontsize=FONT_SIZE - 1,
    )
    return fig
