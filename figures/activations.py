"""Activation functions and their derivatives, computed from their formulas."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from matplotlib.figure import Figure

from ankigen import BadParameter, figure

from ._style import COLORS, FONT_SIZE, new_figure, style_axes

Array = np.ndarray
Activation = Literal["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu"]
_erf = np.frompyfunc(math.erf, 1, 1)


def _sigmoid(x: Array) -> Array:
    result: Array = 1.0 / (1.0 + np.exp(-x))
    return result


def _normal_cdf(x: Array) -> Array:
    """Φ(x) of the standard normal, exactly (GELU's definition, not its tanh approximation)."""
    result: Array = 0.5 * (1.0 + np.asarray(_erf(x / math.sqrt(2.0)), dtype=float))
    return result


def _normal_pdf(x: Array) -> Array:
    result: Array = np.exp(-0.5 * x**2) / math.sqrt(2.0 * math.pi)
    return result


def _functions(
    alpha: float,
) -> dict[str, tuple[str, Callable[[Array], Array], Callable[[Array], Array]]]:
    """name -> (label, f, f'), each derivative written out from the definition."""
    return {
        "sigmoid": ("sigmoid", _sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
        "tanh": ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
        "relu": ("ReLU", lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
        "leaky_relu": (
            f"Leaky ReLU (α={alpha:g})",
            lambda x: np.where(x > 0, x, alpha * x),
            lambda x: np.where(x > 0, 1.0, alpha),
        ),
        "elu": (
            f"ELU (α={alpha:g})",
            lambda x: np.where(x > 0, x, alpha * np.expm1(x)),
            lambda x: np.where(x > 0, 1.0, alpha * np.exp(x)),
        ),
        # Hendrycks & Gimpel 2016: GELU(x) = x Φ(x); derivative Φ(x) + x φ(x).
        "gelu": (
            "GELU",
            lambda x: x * _normal_cdf(x),
            lambda x: _normal_cdf(x) + x * _normal_pdf(x),
        ),
        # SiLU / Swish-1 (Elfwing et al. 2017; Ramachandran et al. 2017): x σ(x).
        "silu": (
            "SiLU",
            lambda x: x * _sigmoid(x),
            lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x))),
        ),
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
        raise BadParameter("alpha", "must be in (0, 1]")
    if not 1 <= x_range <= 20:
        raise BadParameter("x_range", "must be between 1 and 20")
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
def activation_family(names: list[str] | None = None, x_range: float = 4.0) -> Figure:
    """Several activations on one axis, to compare their shapes (e.g. ReLU, GELU, SiLU)."""
    chosen: Sequence[str] = names if names is not None else ["relu", "gelu", "silu"]
    functions = _functions(alpha=0.1)
    unknown = [name for name in chosen if name not in functions]
    if unknown or not 1 <= len(chosen) <= len(COLORS):
        raise BadParameter("names", f"choose 1 to {len(COLORS)} of {', '.join(functions)}")
    if not 1 <= x_range <= 20:
        raise BadParameter("x_range", "must be between 1 and 20")
    x = np.linspace(-x_range, x_range, 201)
    fig = new_figure()
    axes = fig.add_subplot()
    style_axes(axes, xlabel="x", ylabel="f(x)")
    styles = ("-", "--", "-.", ":")
    for index, name in enumerate(chosen):
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
