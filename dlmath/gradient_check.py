"""Numerical gradient checking: finite differences and the relative error that compares them
with a backpropagated gradient (CS231n, "Neural Networks Part 3: gradient checks")."""

from __future__ import annotations

from collections.abc import Callable


def numeric_derivative(
    f: Callable[[float], float], w: float, h: float, central: bool = True
) -> float:
    """(f(w + h) - f(w - h)) / 2h (central, error O(h^2)) or (f(w + h) - f(w)) / h (O(h))."""
    if central:
        return (f(w + h) - f(w - h)) / (2.0 * h)
    return (f(w + h) - f(w)) / h


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / max(|a|, |n|), the measure of CS231n's gradient-check notes (0 when both are 0)."""
    scale = max(abs(analytic), abs(numeric))
    return abs(analytic - numeric) / scale if scale > 0 else 0.0
