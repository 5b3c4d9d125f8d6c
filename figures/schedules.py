"""Learning-rate schedules, computed from their closed forms with numpy.

Formulas (t = global step, lr0 = initial rate, all as multiples of lr0 in the figure):

- piecewise constant, TensorFlow's `piecewise_constant(t, boundaries, values)`: values[0] for
  t <= boundaries[0], values[i] for boundaries[i-1] < t <= boundaries[i], values[-1] after the
  last boundary. (torch's MultiStepLR switches one step earlier: its milestone m = boundary + 1.)
- exponential decay, TF `exponential_decay`: lr0 * r^(t / D); staircase: lr0 * r^floor(t / D).
- natural exponential decay, TF `natural_exp_decay`: lr0 * exp(-k t) (with decay_steps 1); it
  is exponential decay with r = exp(-k) per step, only parameterised by the rate k.
- polynomial decay, TF `polynomial_decay`: without cycle t' = min(t, D) and
  lr = (lr0 - end) (1 - t'/D)^p + end; with cycle D' = D * ceil(t / D) (D' = D at t = 0) and
  lr = (lr0 - end) (1 - t/D')^p + end, so the rate jumps back up at every multiple of D.
- cosine annealing, SGDR (Loshchilov & Hutter 2017) without restarts, as torch's
  CosineAnnealingLR: eta_min + (lr0 - eta_min) (1 + cos(pi t / T)) / 2.
- linear warmup then cosine: lr0 * t / W for t < W, then cosine annealing from lr0 to 0 over
  the remaining T - W steps (as worked_examples/schedules.py and Hugging Face's
  get_cosine_schedule_with_warmup).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ankigen import BadParameter, figure

from ._style import COLORS, FONT_SIZE, new_figure, style_axes

Array = np.ndarray


def piecewise_constant(t: Array, boundaries: list[int], values: list[float]) -> Array:
    """TF semantics: values[i] while boundaries[i-1] < t <= boundaries[i]."""
    index = np.searchsorted(np.asarray(boundaries), t, side="left")
    result: Array = np.asarray(values)[index]
    return result


def exponential_decay(
    t: Array, lr0: float, decay_steps: float, rate: float, staircase: bool = False
) -> Array:
    """lr0 * rate^(t / D), or rate^floor(t / D) with staircase."""
    exponent = np.floor(t / decay_steps) if staircase else t / decay_steps
    result: Array = lr0 * rate**exponent
    return result


def natural_exp_decay(t: Array, lr0: float, k: float) -> Array:
    """lr0 * exp(-k t)."""
    result: Array = lr0 * np.exp(-k * t)
    return result


def polynomial_decay(
    t: Array, lr0: float, decay_steps: float, end: float, power: float, cycle: bool = False
) -> Array:
    """TF polynomial_decay: (lr0 - end) (1 - t/D)^p + end, with t clipped to D or D stretched
    to the next multiple of D that is >= t (cycle)."""
    if cycle:
        steps = decay_steps * np.maximum(np.ceil(t / decay_steps), 1.0)
        fraction = t / steps
    else:
        fraction = np.minimum(t, decay_steps) / decay_steps
    result: Array = (lr0 - end) * (1 - fraction) ** power + end
    return result


def cosine_annealing(t: Array, lr0: float, total: float, eta_min: float = 0.0) -> Array:
    """eta_min + (lr0 - eta_min) (1 + cos(pi t / T)) / 2 (SGDR without restarts)."""
    result: Array = eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * t / total)) / 2
    return result


def warmup_cosine(t: Array, lr0: float, total: float, warmup: float) -> Array:
    """lr0 t / W for t < W, then cosine from lr0 to 0 over the remaining T - W steps."""
    cosine = cosine_annealing(t - warmup, lr0, total - warmup)
    result: Array = np.where(t < warmup, lr0 * t / warmup, cosine)
    return result


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
    """Four panels of lr / lr0 against the step, every curve from its formula (module docstring).

    Settings scale with T = total_steps so the shapes do not depend on it: boundaries at
    0.3T, 0.6T, 0.8T (values 1, 0.5, 0.25, 0.1); exponential r = 0.5 every D = T/4;
    natural exp k = 5/T; polynomial p = 2, D = T/4, end 0.1 lr0; warmup W = T/10.
    """
    if not 20 <= total_steps <= 100_000:
        raise BadParameter("total_steps", "must be between 20 and 100000")
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
