"""Learning-rate schedules against the step, every curve from its closed form in
dlmath.schedules (TensorFlow's names; torch's MultiStepLR switches one step later than
piecewise_constant, its milestone being boundary + 1)."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ankigen import figure
from ankigen.checks import between
from dlmath.schedules import (
    cosine_annealing,
    exponential_decay,
    natural_exp_decay,
    piecewise_constant,
    polynomial_decay,
    warmup_cosine,
)

from ._style import COLORS, FONT_SIZE, new_figure, style_axes

Array = np.ndarray


def _steps(total_steps: int, jumps: list[float]) -> Array:
    """Integer steps: 61 evenly spread, plus both sides of every jump, so step functions and
    the cycle restarts are exact while smooth curves stay light in the SVG."""
    even = np.round(np.linspace(0, total_steps, 61))
    around = np.floor(np.asarray(jumps))[:, None] + np.array([-1.0, 0.0, 1.0])
    return np.unique(np.clip(np.concatenate([even, around.ravel()]), 0, total_steps))


def _panel(axes: Axes, title: str, t: Array, curves: list[tuple[str, Array, bool]]) -> None:
    """curves: (label, lr / lr0, is a step function)."""
    style_axes(axes)
    axes.grid(False)
    axes.set_title(title, fontsize=FONT_SIZE - 1, pad=3)
    styles = ("-", "--", ":")
    for index, (label, values, steps) in enumerate(curves):
        keep = np.ones(t.size, dtype=bool)
        if steps:  # a step function needs only the points where it changes, and the end
            keep[1:-1] = values[1:-1] != values[:-2]
        axes.plot(
            t[keep],
            values[keep],
            color=COLORS[index],
            linestyle=styles[index],
            linewidth=2.0,
            drawstyle="steps-post" if steps else "default",
            label=label,
        )
    axes.set_ylim(-0.03, 1.08)
    axes.set_xlim(0, t[-1])
    axes.set_yticks([0, 0.5, 1])
    axes.set_xticks([0, round(t[-1] / 2), t[-1]])
    axes.tick_params(labelsize=FONT_SIZE - 2)
    if len(curves) > 1:
        axes.legend(  # an opaque frame: on a narrow panel the curves pass behind it
            fontsize=FONT_SIZE - 2,
            frameon=True,
            framealpha=0.9,
            edgecolor="none",
            loc="upper right",
            handlelength=1.6,
            borderaxespad=0.1,
            labelspacing=0.25,
        )


@figure("lr-schedules")
def lr_schedules(total_steps: int = 100) -> Figure:
    """Four panels of lr / lr0 against the step, every curve from its closed form.

    Settings scale with T = total_steps so the shapes do not depend on it: boundaries at
    0.3T, 0.6T, 0.8T (values 1, 0.5, 0.25, 0.1); exponential r = 0.5 every D = T/4;
    natural exp k = 5/T; polynomial p = 2, D = T/4, end 0.1 lr0; warmup W = T/10.
    """
    between("total_steps", total_steps, 20, 100_000)
    big_t = float(total_steps)
    quarter = big_t / 4
    boundaries = [round(f * big_t) for f in (0.3, 0.6, 0.8)]
    t = _steps(total_steps, [*boundaries, *(quarter * np.arange(1, 4)), big_t / 10])
    fig = new_figure(height=3.84)
    grid = fig.subplots(2, 2, sharex=True, sharey=True)
    _panel(
        grid[0, 0],
        "step (piecewise)",
        t,
        [("", piecewise_constant(t, boundaries, [1.0, 0.5, 0.25, 0.1]), True)],
    )
    _panel(
        grid[0, 1],
        "exponential",
        t,
        [
            ("$0.5^{t/D}$", exponential_decay(t, 1.0, quarter, 0.5), False),
            ("staircase", exponential_decay(t, 1.0, quarter, 0.5, staircase=True), True),
            ("$e^{-kt}$", natural_exp_decay(t, 1.0, 5 / big_t), False),
        ],
    )
    _panel(
        grid[1, 0],
        "polynomial, $p$=2",
        t,
        [
            ("no cycle", polynomial_decay(t, 1.0, quarter, 0.1, 2.0), False),
            ("cycle", polynomial_decay(t, 1.0, quarter, 0.1, 2.0, cycle=True), False),
        ],
    )
    _panel(
        grid[1, 1],
        "cosine",
        t,
        [
            ("cosine", cosine_annealing(t, 1.0, big_t), False),
            ("warmup", warmup_cosine(t, 1.0, big_t, big_t / 10), False),
        ],
    )
    for axes in grid[1]:
        axes.set_xlabel("step $t$", fontsize=FONT_SIZE - 1)
    for axes in grid[:, 0]:
        axes.set_ylabel("$\\eta/\\eta_0$", fontsize=FONT_SIZE - 1)
    return fig
