"""dlmath.activations: each function hand-checked once, and against PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

from dlmath.activations import (
    SELU_ALPHA,
    SELU_SCALE,
    elu,
    elu_derivative,
    gelu,
    gelu_derivative,
    gelu_tanh,
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    logsumexp,
    naive_softmax,
    normal_cdf,
    normal_pdf,
    relu,
    relu_derivative,
    selu,
    sigmoid,
    sigmoid_chain_bound,
    sigmoid_derivative,
    sigmoid_derivative_from_output,
    silu,
    silu_derivative,
    softmax,
    softmax_jacobian,
    softmax_rows,
    stable_softmax,
    tanh_derivative,
)

Array = np.ndarray
GRID = np.linspace(-6.0, 6.0, 121)  # 0 is on it: the ReLU kink is checked too


def autograd_slope(function: Callable[[torch.Tensor], torch.Tensor], x: Array) -> Array:
    """d f / d x elementwise, by torch autograd, in float64."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(function(t).sum(), t)
    result: Array = slope.numpy()
    return result


def torch_values(function: Callable[[torch.Tensor], torch.Tensor], x: Array) -> Array:
    result: Array = function(torch.tensor(x, dtype=torch.float64)).numpy()
    return result


# --- sigmoid and tanh ------------------------------------------------------------------------


def test_sigmoid_hand_checked_and_scalar_in_scalar_out() -> None:
    # σ(0) = 1/2; σ(2) = 1/(1 + e^-2) = 0.8808.
    assert sigmoid(0.0) == 0.5 and isinstance(sigmoid(0.0), float)
    assert sigmoid(2.0) == pytest.approx(1 / (1 + math.exp(-2)))
    np.testing.assert_allclose(sigmoid(GRID), torch_values(torch.sigmoid, GRID), rtol=1e-15)


def test_sigmoid_derivative_hand_checked() -> None:
    # σ'(0) = 1/2 * 1/2 = 1/4, the maximum.
    x = np.linspace(-6, 6, 1201)
    assert sigmoid_derivative(0.0) == 0.25
    assert sigmoid_derivative(x).max() == pytest.approx(0.25)
    assert x[np.argmax(sigmoid_derivative(x))] == 0.0


def test_sigmoid_derivative_matches_autograd() -> None:
    x = np.linspace(-6, 6, 101)
    expected = autograd_slope(torch.sigmoid, x)
    np.testing.assert_allclose(sigmoid_derivative(x), expected, rtol=1e-12)
    np.testing.assert_allclose(sigmoid_derivative_from_output(sigmoid(x)), expected, rtol=1e-12)


def test_sigmoid_derivative_from_output_hand_checked() -> None:
    # a = 0.8: a(1 - a) = 0.16; a = 0 or 1 (saturated): 0.
    assert sigmoid_derivative_from_output(0.8) == pytest.approx(0.16)
    assert sigmoid_derivative_from_output(np.array([0.0, 1.0])).tolist() == [0.0, 0.0]


def test_sigmoid_chain_bound_hand_checked() -> None:
    # 0.25^n: 0.25, 0.0625, 0.015625; 0.25^10 = 1/1048576 ≈ 9.54e-7.
    assert sigmoid_chain_bound(10)[-1] == pytest.approx(1 / 1048576)
    assert sigmoid_chain_bound(3).tolist() == pytest.approx([0.25, 0.0625, 0.015625])


def test_tanh_derivative_hand_checked_and_matches_autograd() -> None:
    # tanh'(0) = 1 = 4 σ'(0); tanh'(1) = 1 - 0.7616^2 = 0.42.
    assert tanh_derivative(0.0) == 1.0
    assert tanh_derivative(1.0) == pytest.approx(0.4199743, rel=1e-6)
    np.testing.assert_allclose(
        tanh_derivative(GRID), autograd_slope(torch.tanh, GRID), rtol=1e-12, atol=1e-15
    )


# --- the ReLU family -------------------------------------------------------------------------


def test_relu_hand_checked_and_matches_pytorch() -> None:
    assert (relu(-2.0), relu(3.0)) == (0.0, 3.0)
    assert (relu_derivative(-2.0), relu_derivative(0.0), relu_derivative(3.0)) == (0.0, 0.0, 1.0)
    np.testing.assert_array_equal(relu(GRID), torch_values(torch.relu, GRID))
    np.testing.assert_array_equal(relu_derivative(GRID), autograd_slope(torch.relu, GRID))


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.5])
def test_leaky_relu_matches_pytorch(slope: float) -> None:
    assert leaky_relu(-2.0, 0.1) == pytest.approx(-0.2) and leaky_relu(3.0, 0.1) == 3.0
    assert leaky_relu_derivative(-2.0, 0.1) == 0.1
    torch_leaky = lambda t: torch.nn.functional.leaky_relu(t, slope)  # noqa: E731
    np.testing.assert_allclose(leaky_relu(GRID, slope), torch_values(torch_leaky, GRID))
    np.testing.assert_allclose(
        leaky_relu_derivative(GRID, slope), autograd_slope(torch_leaky, GRID)
    )


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_elu_matches_pytorch(alpha: float) -> None:
    # α = 1: ELU(-1) = e^-1 - 1 = -0.6321, slope e^-1 = 0.3679.
    assert elu(-1.0, 1.0) == pytest.approx(math.exp(-1) - 1)
    assert elu_derivative(-1.0, 1.0) == pytest.approx(math.exp(-1))
    torch_elu = lambda t: torch.nn.functional.elu(t, alpha)  # noqa: E731
    np.testing.assert_allclose(elu(GRID, alpha), torch_values(torch_elu, GRID), rtol=1e-14)
    x = GRID[GRID != 0]  # torch takes the right-hand slope at 0
    np.testing.assert_allclose(elu_derivative(x, alpha), autograd_slope(torch_elu, x), rtol=1e-14)


def test_selu_matches_pytorch() -> None:
    # selu(1) = λ; selu(-inf) = -λα: PyTorch's constants, as its SELU docs print them.
    assert selu(1.0) == pytest.approx(SELU_SCALE, rel=1e-15)
    assert selu(-1e3) == pytest.approx(-SELU_SCALE * SELU_ALPHA, rel=1e-15)
    np.testing.assert_allclose(selu(GRID), torch_values(torch.nn.functional.selu, GRID), rtol=1e-15)


# --- GELU and SiLU ---------------------------------------------------------------------------


def test_normal_cdf_and_pdf_match_pytorch() -> None:
    # Φ(0) = 1/2, Φ(1) = 0.8413; φ(0) = 1/√(2π) = 0.3989.
    assert normal_cdf(0.0) == 0.5 and normal_cdf(1.0) == pytest.approx(0.841345, abs=1e-6)
    assert normal_pdf(0.0) == pytest.approx(0.3989423, rel=1e-7)
    np.testing.assert_allclose(normal_cdf(GRID), torch_values(torch.special.ndtr, GRID), rtol=1e-14)
    density = autograd_slope(torch.special.ndtr, GRID)  # φ = Φ'
    np.testing.assert_allclose(normal_pdf(GRID), density, rtol=1e-14)


def test_gelu_silu_hand_checked() -> None:
    # GELU(1) = Φ(1) = 0.8413...; SiLU(1) = σ(1) = 0.7311...; both 0 at 0.
    assert gelu(1.0) == pytest.approx(0.841345, abs=1e-6)
    assert silu(1.0) == pytest.approx(0.731059, abs=1e-6)
    assert gelu(0.0) == silu(0.0) == 0.0
    # The tanh form is close but not equal: at 1 it gives 0.841192.
    assert gelu_tanh(1.0) == pytest.approx(0.841192, abs=1e-6)


def test_gelu_silu_match_pytorch() -> None:
    xs = np.array([-3.0, -1.5, -0.3, 0.0, 0.7, 2.0, 5.0])
    functional = torch.nn.functional
    np.testing.assert_allclose(gelu(xs), torch_values(functional.gelu, xs), atol=1e-12)
    tanh_form = lambda t: functional.gelu(t, approximate="tanh")  # noqa: E731
    np.testing.assert_allclose(gelu_tanh(xs), torch_values(tanh_form, xs), atol=1e-12)
    np.testing.assert_allclose(silu(xs), torch_values(functional.silu, xs), atol=1e-12)


def test_gelu_silu_derivatives_match_autograd() -> None:
    # GELU'(0) = Φ(0) = 1/2; SiLU'(0) = σ(0) = 1/2.
    assert gelu_derivative(0.0) == 0.5 and silu_derivative(0.0) == 0.5
    functional = torch.nn.functional
    np.testing.assert_allclose(
        gelu_derivative(GRID), autograd_slope(functional.gelu, GRID), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(
        silu_derivative(GRID), autograd_slope(functional.silu, GRID), rtol=1e-12, atol=1e-15
    )


# --- softmax ---------------------------------------------------------------------------------


def test_stable_softmax_hand_checked() -> None:
    # Shifted by m = 1002: e^-2, e^-1, e^0 = 0.1353, 0.3679, 1; S = 1.503;
    # p = 0.09003, 0.2447, 0.6652.
    r = stable_softmax([1000.0, 1001.0, 1002.0])
    s = 1 + math.exp(-1) + math.exp(-2)
    assert r.shift == 1002.0 and r.total == pytest.approx(s)
    np.testing.assert_allclose(r.probabilities, [math.exp(-2) / s, math.exp(-1) / s, 1 / s])


@pytest.mark.parametrize(
    "logits", [[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0], [2.0, 1.0, 0.1, -3.0], [0.0, 800.0]]
)
def test_stable_and_naive_softmax_match_pytorch(logits: list[float]) -> None:
    z = torch.tensor(logits, dtype=torch.float64)
    np.testing.assert_allclose(
        stable_softmax(logits).probabilities, torch.softmax(z, dim=0).numpy(), rtol=1e-12
    )
    np.testing.assert_array_equal(naive_softmax(logits)[0], torch.exp(z).numpy())  # same inf / 0


def test_naive_softmax_overflows() -> None:
    # e^1000 > float64 max (about e^709.78): inf, and inf/inf = NaN.
    exponentials, probabilities = naive_softmax([1000.0, 1001.0, 1002.0])
    assert np.all(np.isinf(exponentials)) and np.all(np.isnan(probabilities))


def test_softmax_temperature_hand_checked() -> None:
    # z = [2, 0], T = 2: softmax([1, 0]) = [e/(e+1), 1/(e+1)] = [0.7311, 0.2689].
    np.testing.assert_allclose(softmax(np.array([2.0, 0.0]), 2.0), [0.731059, 0.268941], atol=1e-6)
    z = np.array([2.0, 1.0, 0.1])
    peaks = [softmax(z, t).max() for t in (0.5, 1.0, 2.0, 5.0)]
    assert peaks == sorted(peaks, reverse=True)  # higher T, flatter
    # Huge logits must not overflow thanks to the max shift.
    assert np.isfinite(softmax(np.array([1000.0, 1001.0]), 0.01)).all()


def test_softmax_temperature_matches_pytorch() -> None:
    for logits, temperature in [
        ([2.0, 1.0, 0.1], 0.5),
        ([2.0, 1.0, 0.1], 5.0),
        ([-3.0, 0.0, 4.5, 1.0], 1.0),
        ([10.0, -10.0], 0.1),
        ([0.3, 0.2, 0.1, 0.0, -0.1, -0.2], 100.0),
    ]:
        expected = torch.softmax(torch.tensor(logits, dtype=torch.float64) / temperature, dim=0)
        np.testing.assert_allclose(softmax(logits, temperature), expected.numpy(), rtol=1e-12)


def test_softmax_rows_hand_checked() -> None:
    # Each row on its own: [0, ln 3] -> [1/4, 3/4]; [1000, 1000] -> [1/2, 1/2] without overflow.
    rows = softmax_rows(np.array([[0.0, math.log(3.0)], [1000.0, 1000.0]]))
    np.testing.assert_allclose(rows, [[0.25, 0.75], [0.5, 0.5]])


def test_softmax_rows_match_pytorch_and_stable_softmax() -> None:
    logits = np.random.default_rng(0).normal(0.0, 8.0, size=(50, 16))
    expected = torch.softmax(torch.from_numpy(logits), dim=-1).numpy()
    np.testing.assert_allclose(softmax_rows(logits), expected, rtol=1e-12)
    # The same numbers as stable_softmax row by row, to the last bit.
    np.testing.assert_array_equal(
        softmax_rows(logits), [stable_softmax(row).probabilities for row in logits]
    )


def test_logsumexp_and_log_softmax_hand_checked() -> None:
    # z = (0, 800): LSE = 800 + ln(1 + e^-800) = 800, so ln p_0 = -800, not ln 0 = -inf.
    assert logsumexp([0.0, 800.0]) == 800.0
    assert log_softmax([0.0, 800.0]).tolist() == [-800.0, 0.0]


@pytest.mark.parametrize("logits", [[0.0, 800.0], [1000.0, 1001.0, 1002.0], [2.0, -3.0]])
def test_logsumexp_and_log_softmax_match_pytorch(logits: list[float]) -> None:
    z = torch.tensor(logits, dtype=torch.float64)
    assert logsumexp(logits) == pytest.approx(float(torch.logsumexp(z, dim=0)), rel=1e-15)
    np.testing.assert_allclose(log_softmax(logits), torch.log_softmax(z, dim=0).numpy(), rtol=1e-15)


def test_softmax_jacobian_hand_checked() -> None:
    # p = (0.5, 0.5): J = [[0.25, -0.25], [-0.25, 0.25]]; rows sum to 0, J symmetric.
    np.testing.assert_allclose(softmax_jacobian([0.5, 0.5]), [[0.25, -0.25], [-0.25, 0.25]])


@pytest.mark.parametrize("logits", [[2.0, 1.0, 0.1], [0.5, -1.0], [3.0, 3.0, -2.0, 0.0]])
def test_softmax_jacobian_matches_pytorch_autograd(logits: list[float]) -> None:
    z = torch.tensor(logits, dtype=torch.float64)
    jacobian = torch.func.jacrev(lambda v: torch.softmax(v, dim=0))(z)
    np.testing.assert_allclose(
        softmax_jacobian(softmax(logits)), jacobian.numpy(), rtol=1e-12, atol=1e-15
    )


def test_hard_sigmoid_and_swish_hand_checked_and_match_pytorch() -> None:
    from dlmath.activations import hard_sigmoid, hard_swish

    # ReLU6(x + 3) / 6: 0 below -3, 1 above 3, 1/2 at 0; h-swish(1) = 1 · 4/6.
    assert [hard_sigmoid(x) for x in (-4.0, 0.0, 4.0)] == [0.0, 0.5, 1.0]
    assert hard_swish(1.0) == pytest.approx(2 / 3)
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check h-swish")
    xs = np.linspace(-6, 6, 121)
    t = torch.tensor(xs)
    functional = torch.nn.functional
    np.testing.assert_allclose(hard_sigmoid(xs), functional.hardsigmoid(t).numpy(), atol=1e-12)
    np.testing.assert_allclose(hard_swish(xs), functional.hardswish(t).numpy(), atol=1e-12)
