"""Activation functions and their derivatives, drawn from dlmath.activations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from matplotlib.figure import Figure

from ankigen import BadParameter, figure
from ankigen.checks import between
from dlmath.activations import (
    elu,
    elu_derivative,
    gelu,
    gelu_derivative,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    silu,
    silu_derivative,
    tanh_derivative,
)

from ._style import COLORS, FONT_SIZE, new_figure, one_colour_each, style_axes, text_num

Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu"]
Curve = Callable[[np.ndarray], np.ndarray]
MAX_X_RANGE = 20.0


def _functions(alpha: float) -> dict[Activation, tuple[str, Curve, Curve]]:
    """name -> (label, f, f'), each from dlmath."""
    return {
        "sigmoid": ("sigmoid", sigmoid, sigmoid_derivative),
        "tanh": ("tanh", np.tanh, tanh_derivative),
        "relu": ("ReLU", relu, relu_derivative),
        "leaky_relu": (
            f"Leaky ReLU (α={text_num(alpha)})",
            lambda x: leaky_relu(x, alpha),
            lambda x: leaky_relu_derivative(x, alpha),
        ),
        "elu": (
            f"ELU (α={text_num(alpha)})",
            lambda x: elu(x, alpha),
            lambda x: elu_derivative(x, alpha),
        ),
        "gelu": ("GELU", gelu, gelu_derivative),
        "silu": ("SiLU", silu, silu_derivative),
    }


@figure("activation")
def activation(
    name: Activation = "sigmoid",
    derivative: bool = True,
    alpha: float | None = None,
    x_range: float = 5.0,
) -> Figure:
    """One activation (solid) and its derivative (dashed) on [-x_range, x_range].

    `alpha` is Leaky ReLU's negative slope (default 0.1: PyTorch's 0.01 would look
    flat at this scale) or ELU's saturation value (default 1.0, as in PyTorch).
    """
    if alpha is None:
        alpha = 1.0 if name == "elu" else 0.1
    if not 0 < alpha <= 1:
        raise BadParameter("alpha", f"must be between 0 (excluded) and 1, got {alpha:g}")
    between("x_range", x_range, 1, MAX_X_RANGE)
    label, function, slope = _functions(alpha)[name]
    # An odd count puts a sample exactly on 0, where ReLU's kink is.
    x = np.linspace(-x_range, x_range, 201)
    fig = new_figure()
    axes = fig.add_subplot()
    style_axes(axes, xlabel="x")
    axes.plot(x, function(x), color=COLORS[0], linewidth=2.2, label=f"{label}: f(x)")
    if derivative:
        slopes = slope(x)
        left, right = slope(np.array([-1e-9, 1e-9]))
        if abs(left - right) > 1e-6:  # a jump at 0: leave a gap, not a vertical line
            slopes = np.where(x == 0, np.nan, slopes)
        axes.plot(x, slopes, color=COLORS[1], linewidth=2.0, linestyle="--", label="f′(x)")
    axes.legend(fontsize=FONT_SIZE - 1, loc="upper left", frameon=False)
    return fig


@figure("activation-family")
def activation_family(
    names: Sequence[Activation] = ("relu", "gelu", "silu"), x_range: float = 4.0
) -> Figure:
    """Several activations on one axis, to compare their shapes (e.g. ReLU, GELU, SiLU)."""
    one_colour_each("names", len(names))
    between("x_range", x_range, 1, MAX_X_RANGE)
    x = np.linspace(-x_range, x_range, 201)
    fig = new_figure()
    axes = fig.add_subplot()
    style_axes(axes, xlabel="x", ylabel="f(x)")
    styles = ("-", "--", "-.", ":")
    functions = _functions(alpha=0.1)
    for index, name in enumerate(names):
        label, function, _ = functions[name]
        axes.plot(
            x,
            function(x),
            color=COLORS[index],
            linewidth=2.2,
            linestyle=styles[index % len(styles)],
            label=label,
        )
    axes.legend(fontsize=FONT_SIZE - 1, loc="upper left", frameon=False)
    return fig
