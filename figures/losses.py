"""Loss functions drawn from their definitions: regression losses as in PyTorch's
L1Loss / MSELoss / SmoothL1Loss docs, focal loss as in Lin et al. 2017 (Eq. 4, Fig. 1),
and the gradient of cross-entropy vs squared error through a sigmoid output."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ankigen import figure
from ankigen.checks import between
from dlmath.activations import sigmoid
from dlmath.losses import (
    cross_entropy_logit_gradient,
    focal_loss,
    smooth_l1,
    smooth_l1_gradient,
    squared_error_logit_gradient,
)

from ._style import COLORS, FONT_SIZE, new_figure, one_colour_each, style_axes, text_num


@figure("regression-losses")
def regression_losses(delta: float = 1.0) -> Figure:
    """MAE, MSE and smooth L1 (beta = delta) against the error x = prediction - target
    (left), and their gradients (right): smooth L1 is MSE-like near 0, MAE-like beyond
    delta, so its gradient is bounded like MAE's yet smooth at 0 like MSE's."""
    between("delta", delta, 0.1, 3.0)
    limit = max(3.0, 2.0 * delta)
    x = np.linspace(-limit, limit, 241)
    # MAE's gradient jumps at 0: a gap there, not a vertical line.
    mae_gradient = np.where(x == 0, np.nan, np.sign(x))
    smooth_label = f"smooth L1 (β={text_num(delta)})"
    # (label, loss, gradient, style, width): smooth L1 goes last and thinner, so MAE's
    # wider line stays visible where the two coincide (|x| > delta).
    curves = (
        ("MAE", np.abs(x), mae_gradient, "-", 3.2),
        ("MSE", x**2, 2.0 * x, "--", 2.0),
        (smooth_label, smooth_l1(x, delta), smooth_l1_gradient(x, delta), "-", 1.6),
    )
    fig = new_figure(height=2.72)
    loss_axes, gradient_axes = fig.subplots(1, 2)
    style_axes(loss_axes, xlabel="error x", title="loss")
    style_axes(gradient_axes, xlabel="error x", title="gradient")
    for index, (label, loss, gradient, style, width) in enumerate(curves):
        color = COLORS[index]
        loss_axes.plot(x, loss, color=color, linewidth=width, linestyle=style, label=label)
        gradient_axes.plot(x, gradient, color=color, linewidth=width, linestyle=style)
    for axes in (loss_axes, gradient_axes):
        for edge in (-delta, delta):
            axes.axvline(edge, color=COLORS[2], linewidth=0.8, linestyle=":")
    loss_axes.set_ylim(0.0, limit)
    gradient_axes.set_ylim(-2.5, 2.5)
    fig.legend(
        loc="outside upper center", ncol=3, fontsize=FONT_SIZE - 2, frameon=False, handlelength=1.5
    )
    return fig


@figure("focal-loss")
def focal_loss_figure(gammas: Sequence[float] = (0.0, 0.5, 1.0, 2.0, 5.0)) -> Figure:
    """Loss vs the probability of the true class for several gamma, as Lin et al. 2017
    Fig. 1: gamma > 0 shrinks the loss of well-classified examples."""
    one_colour_each("gammas", len(gammas))
    for gamma in gammas:
        between("gammas", gamma, 0, 10)
    p_t = np.linspace(0.005, 1.0, 200)
    fig = new_figure(height=2.56)
    axes = fig.add_subplot()
    style_axes(axes, xlabel="$p_t$ (probability of true class)", ylabel="loss")
    axes.axvspan(0.5, 1.0, color="#eeeeee", zorder=0)
    axes.text(0.75, 3.2, "well-\nclassified", ha="center", fontsize=FONT_SIZE - 2)
    for index, gamma in enumerate(gammas):
        label = f"γ={text_num(gamma)}" + (" (CE)" if gamma == 0 else "")
        axes.plot(p_t, focal_loss(p_t, gamma), color=COLORS[index], linewidth=2.0, label=label)
    axes.set_xlim(0.0, 1.0)
    axes.set_ylim(0.0, 5.0)
    axes.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="upper left", bbox_to_anchor=(0.2, 1.0))
    return fig


@figure("ce-vs-mse-gradient")
def ce_vs_mse_gradient() -> Figure:
    """dL/dz against the logit z for target 1: when the output is confidently wrong
    (z very negative, a ≈ 0) cross-entropy still pushes with slope ≈ -1, while squared
    error's gradient carries the factor σ'(z) ≈ 0 and learning stalls."""
    z = np.linspace(-8.0, 8.0, 241)
    a = sigmoid(z)
    cross_entropy = cross_entropy_logit_gradient(a, 1.0)
    squared = squared_error_logit_gradient(a, 1.0)
    fig = new_figure(height=2.56)
    axes = fig.add_subplot()
    style_axes(axes, xlabel="logit z  (a = σ(z), target y = 1)", ylabel="dL/dz")
    axes.axvspan(-8.0, -4.0, color="#eeeeee", zorder=0)
    axes.text(-6.0, -0.45, "confi-\ndently\nwrong", ha="center", fontsize=FONT_SIZE - 2)
    axes.plot(z, cross_entropy, color=COLORS[0], linewidth=2.2, label="CE: a − y")
    axes.plot(
        z,
        squared,
        color=COLORS[1],
        linewidth=2.2,
        linestyle="--",
        label="MSE: (a − y)a(1 − a)",
    )
    axes.set_xlim(-8.0, 8.0)
    axes.set_ylim(-1.1, 0.15)
    # Above the plot: inside it, some curve always crosses the legend on a narrow figure.
    axes.legend(fontsize=FONT_SIZE - 2, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0))
    return fig
