"""Why deep sigmoid stacks stop learning: σ'(x) = σ(x)(1 - σ(x)) is at most 1/4, so the
backpropagated gradient picks up a factor of at most 1/4 per sigmoid layer (the weights
aside). Source: the definition of the logistic sigmoid; Glorot & Bengio 2010 §4."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ankigen import figure, num
from ankigen.checks import between
from dlmath.activations import sigmoid_chain_bound, sigmoid_derivative

from ._style import COLORS, FONT_SIZE, MAX_LAYERS, new_figure, style_axes, text_num


@figure("sigmoid-saturation")
def sigmoid_saturation(layers: int = 10) -> Figure:
    """Left: σ'(x) with its maximum marked. Right: 0.25^n on a log axis, n = 1..layers."""
    between("layers", layers, 2, MAX_LAYERS)
    fig = new_figure(height=2.6)
    left, right = fig.subplots(1, 2)

    x = np.linspace(-6.0, 6.0, 241)
    style_axes(left, xlabel="x", title="σ′(x)")
    left.plot(x, sigmoid_derivative(x), color=COLORS[0], linewidth=2.2)
    peak = sigmoid_derivative(0.0)
    left.plot([0.0], [peak], "o", color=COLORS[1], markersize=7)
    left.annotate(
        f"max {text_num(peak)}",
        xy=(0.0, peak),
        xytext=(1.0, peak * 0.98),
        fontsize=FONT_SIZE - 1,
        color=COLORS[1],
        va="center",
    )
    left.set_ylim(0.0, 0.3)
    left.set_yticks([0.0, 0.1, 0.25])

    n = np.arange(1, layers + 1)
    bound = sigmoid_chain_bound(layers)
    style_axes(right, xlabel="layers n", title=f"${num(peak)}^n$")
    right.plot(n, bound, "o-", color=COLORS[1], linewidth=1.8, markersize=4)
    right.set_yscale("log")
    right.set_ylim(bound[-1] / 1000, 1.0)  # room under the curve for the note
    right.text(  # bottom left: the falling curve leaves it empty
        0.05,
        0.05,
        f"${num(peak)}^{{{layers}}}$\n$\\approx {num(bound[-1], digits=2)}$",
        transform=right.transAxes,
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE - 1,
        color=COLORS[1],
    )
    right.set_xlim(0.5, layers + 0.5)
    right.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 5, 10]))
    right.minorticks_off()
    return fig
