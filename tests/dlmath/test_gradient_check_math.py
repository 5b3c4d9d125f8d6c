"""dlmath.gradient_check: finite differences and the relative error, checked by hand and
against torch autograd."""

from __future__ import annotations

import math

import pytest
import torch

from dlmath.gradient_check import numeric_derivative, relative_error


def test_numeric_derivative_hand_checked() -> None:
    # f = w^3 at w = 2, h = 0.1: central (2.1^3 - 1.9^3) / 0.2 = (9.261 - 6.859) / 0.2 = 12.01,
    # off by h^2 = 0.01 from f' = 12; forward (9.261 - 8) / 0.1 = 12.61, off by about 3 w h.
    cube = lambda w: w**3  # noqa: E731
    assert numeric_derivative(cube, 2.0, 0.1) == pytest.approx(12.01)
    assert numeric_derivative(cube, 2.0, 0.1, central=False) == pytest.approx(12.61)


def test_relative_error_hand_checked() -> None:
    # |2 - 1| / max(2, 1) = 0.5; both 0 count as agreeing.
    assert relative_error(2.0, 1.0) == 0.5
    assert relative_error(-1.0, -1.5) == pytest.approx(1 / 3)
    assert relative_error(0.0, 0.0) == 0.0


@pytest.mark.parametrize("w", [-1.3, 0.2, 2.5])
def test_numeric_derivative_approaches_torch_autograd(w: float) -> None:
    # f = sin(w) e^w: the central difference's error falls like h^2, the forward one's like h.
    point = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(torch.sin(point) * torch.exp(point), point)
    exact = slope.item()
    f = lambda v: math.sin(v) * math.exp(v)  # noqa: E731
    for h in (1e-2, 1e-3):
        central = relative_error(exact, numeric_derivative(f, w, h))
        forward = relative_error(exact, numeric_derivative(f, w, h, central=False))
        assert central < 10 * h * h and central < forward < 10 * h
