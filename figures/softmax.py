"""Softmax with temperature, softmax(z / T) (Hinton et al. 2015, "Distilling the Knowledge
in a Neural Network"): dividing the logits by T < 1 sharpens the distribution towards the
arg max, T > 1 flattens it towards uniform; the ranking never changes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ankigen import BadParameter, figure
from ankigen.checks import between, checked_values
from dlmath.activations import softmax

from ._style import COLORS, FONT_SIZE, new_figure, one_colour_each, style_axes, text_num

MAX_CLASSES = 6  # groups of bars whose z labels fit side by side on a phone
MAX_LOGIT = 100.0


@figure("softmax-temperature")
def softmax_temperature(
    logits: Sequence[float] = (2.0, 1.0, 0.1), temperatures: Sequence[float] = (0.5, 1.0, 2.0, 5.0)
) -> Figure:
    """One group of bars per class, one bar per temperature, so the reader compares how
    the same logits share probability at each T."""
    if not 2 <= len(logits) <= MAX_CLASSES:
        raise BadParameter("logits", f"give 2 to {MAX_CLASSES} values, got {len(logits)}")
    z = checked_values("logits", logits, limit=MAX_LOGIT)
    one_colour_each("temperatures", len(temperatures))
    for temperature in temperatures:
        between("temperatures", temperature, 0.01, 100)
    # Classes at 1..n keep the zero line that style_axes draws out of view.
    classes = np.arange(1, len(z) + 1)
    width = 0.8 / len(temperatures)
    fig = new_figure(height=2.56)
    axes = fig.add_subplot()
    style_axes(axes, ylabel="softmax(z / T)")
    for index, temperature in enumerate(temperatures):
        offset = (index - (len(temperatures) - 1) / 2) * width
        axes.bar(
            classes + offset,
            softmax(z, temperature),
            width=width * 0.95,
            color=COLORS[index],
            label=f"T={text_num(temperature)}",
        )
    axes.axhline(
        1 / len(z), color="#555555", linewidth=1.2, linestyle=":", label=f"uniform 1/{len(z)}"
    )
    axes.set_xticks(classes, [f"z={text_num(value)}" for value in z])
    axes.set_xlim(0.5, len(z) + 0.5)
    axes.set_ylim(0.0, 1.0)
    axes.grid(False, axis="x")
    axes.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="best")
    return fig
