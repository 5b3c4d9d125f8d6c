"""Softmax with temperature, softmax(z / T) (Hinton et al. 2015, "Distilling the Knowledge
in a Neural Network"): dividing the logits by T < 1 sharpens the distribution towards the
arg max, T > 1 flattens it towards uniform; the ranking never changes."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ankigen import BadParameter, figure
from dlmath.activations import softmax

from ._style import COLORS, FONT_SIZE, new_figure, style_axes

MAX_CLASSES = 6


def _check(logits: list[float], temperatures: list[float]) -> None:
    if not 2 <= len(logits) <= MAX_CLASSES:
        raise BadParameter("logits", f"give 2 to {MAX_CLASSES} logits")
    if max(abs(z) for z in logits) > 100:
        raise BadParameter("logits", "keep every logit within [-100, 100]")
    if not 1 <= len(temperatures) <= len(COLORS):
        raise BadParameter("temperatures", f"give 1 to {len(COLORS)} temperatures")
    if any(not 0.01 <= t <= 100 for t in temperatures):
        raise BadParameter("temperatures", "every temperature must be in [0.01, 100]")


@figure("softmax-temperature")
def softmax_temperature(
    logits: list[float] | None = None, temperatures: list[float] | None = None
) -> Figure:
    """One group of bars per class, one bar per temperature, so the reader compares how
    the same logits share probability at each T. Defaults: [2, 1, 0.1] and T = 0.5, 1, 2, 5."""
    z = logits if logits is not None else [2.0, 1.0, 0.1]
    temps = temperatures if temperatures is not None else [0.5, 1.0, 2.0, 5.0]
    _check(z, temps)
    # Classes at 1..n keep the zero line that style_axes draws out of view.
    classes = np.arange(1, len(z) + 1)
    width = 0.8 / len(temps)
    fig = new_figure(height=2.56)
    axes = fig.add_subplot()
    style_axes(axes, ylabel="softmax(z / T)")
    for index, temperature in enumerate(temps):
        offset = (index - (len(temps) - 1) / 2) * width
        axes.bar(
            classes + offset,
            softmax(np.array(z), temperature),
            width=width * 0.95,
            color=COLORS[index],
            label=f"T={temperature:g}",
        )
    axes.axhline(
        1 / len(z), color="#555555", linewidth=1.2, linestyle=":", label=f"uniform 1/{len(z)}"
    )
    axes.set_xticks(classes, [f"z={value:g}" for value in z])
    axes.set_xlim(0.5, len(z) + 0.5)
    axes.set_ylim(0.0, 1.0)
    axes.grid(False, axis="x")
    axes.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="best")
    return fig
