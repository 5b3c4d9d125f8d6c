"""Activation functions, their derivatives, and softmax, as PyTorch defines each one.
Elementwise functions take a float (and give a float, for worked examples) or an array
(and give an array, for figures' curves)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._elementwise import Array, V, Values, floats, like

# Klambauer et al. 2017, section 2 (alpha_01, lambda_01); the same digits as PyTorch's nn.SELU.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_erf = np.frompyfunc(math.erf, 1, 1)


# --- sigmoid and tanh ------------------------------------------------------------------------


def sigmoid(x: V) -> V:
    """The logistic function 1 / (1 + e^{-x}), torch.sigmoid."""
    return like(x, 1.0 / (1.0 + np.exp(-floats(x))))


def sigmoid_derivative(x: V) -> V:
    """σ'(x) = σ(x)(1 - σ(x)), at most 1/4 (at x = 0): why deep sigmoid stacks stop learning."""
    return sigmoid_derivative_from_output(sigmoid(x))


def sigmoid_derivative_from_output(a: V) -> V:
    """σ'(z) = a (1 - a) from the output a = σ(z), as backprop reuses the forward pass."""
    return a * (1.0 - a)


def sigmoid_chain_bound(layers: int) -> Array:
    """(max σ')^n = 0.25^n for n = 1..layers: the largest product of n sigmoid derivatives
    (Glorot & Bengio 2010, §4; Goodfellow et al., Deep Learning, 8.2.5)."""
    peak = sigmoid_derivative(0.0)
    result: Array = peak ** np.arange(1, layers + 1, dtype=np.float64)
    return result


def tanh_derivative(x: V) -> V:
    """tanh'(x) = 1 - tanh²(x), 1 at x = 0: four times the sigmoid's peak slope."""
    return like(x, 1.0 - np.tanh(floats(x)) ** 2)


# --- the ReLU family -------------------------------------------------------------------------


def relu(x: V) -> V:
    """max(x, 0), torch.nn.ReLU."""
    return like(x, np.maximum(floats(x), 0.0))


def relu_derivative(x: V) -> V:
    """1 for x > 0, else 0 (PyTorch's choice at the kink x = 0)."""
    return like(x, (floats(x) > 0).astype(np.float64))


def hard_sigmoid(x: V) -> V:
    """ReLU6(x + 3) / 6: MobileNetV3's piecewise-linear sigmoid (torch.nn.Hardsigmoid)."""
    return like(x, np.clip(floats(x) + 3.0, 0.0, 6.0) / 6.0)


def hard_swish(x: V) -> V:
    """x · ReLU6(x + 3) / 6: swish with the hard sigmoid (torch.nn.Hardswish)."""
    a = floats(x)
    return like(x, a * hard_sigmoid(a))


def leaky_relu(x: V, slope: float) -> V:
    """x for x > 0, else slope * x (torch.nn.LeakyReLU's negative_slope)."""
    values = floats(x)
    return like(x, np.where(values > 0, values, slope * values))


def leaky_relu_derivative(x: V, slope: float) -> V:
    """1 for x > 0, else the negative slope: never exactly 0, so no unit dies."""
    return like(x, np.where(floats(x) > 0, 1.0, slope))


def elu(x: V, alpha: float) -> V:
    """x for x > 0, else alpha (e^x - 1) (Clevert et al. 2016; torch.nn.ELU)."""
    values = floats(x)
    return like(x, np.where(values > 0, values, alpha * np.expm1(values)))


def elu_derivative(x: V, alpha: float) -> V:
    """1 for x > 0, else alpha e^x: smooth at 0 when alpha = 1."""
    values = floats(x)
    return like(x, np.where(values > 0, 1.0, alpha * np.exp(values)))


def selu(x: V) -> V:
    """λ · ELU_α(x) with Klambauer et al.'s constants, which keep N(0, 1) a fixed point."""
    values = floats(x)
    return like(
        x, SELU_SCALE * np.where(values > 0, values, SELU_ALPHA * np.expm1(np.minimum(values, 0)))
    )


# --- GELU and SiLU ---------------------------------------------------------------------------


def normal_cdf(x: V) -> V:
    """Φ(x) of the standard normal, exactly, through erf (GELU's definition)."""
    return like(x, 0.5 * (1.0 + np.asarray(_erf(floats(x) / math.sqrt(2.0)), dtype=np.float64)))


def normal_pdf(x: V) -> V:
    """φ(x) = e^{-x²/2} / √(2π), the standard normal density."""
    return like(x, np.exp(-0.5 * floats(x) ** 2) / math.sqrt(2.0 * math.pi))


def gelu(x: V) -> V:
    """x Φ(x) (Hendrycks & Gimpel 2016), exact erf form: PyTorch's default nn.GELU()."""
    return like(x, floats(x) * normal_cdf(x))


def gelu_derivative(x: V) -> V:
    """Φ(x) + x φ(x), by the product rule."""
    return like(x, normal_cdf(x) + floats(x) * normal_pdf(x))


def gelu_tanh(x: V) -> V:
    """The tanh approximation of GELU used by the original BERT/GPT-2 code,
    nn.GELU(approximate='tanh')."""
    values = floats(x)
    inner = math.sqrt(2.0 / math.pi) * (values + 0.044715 * values**3)
    return like(x, 0.5 * values * (1.0 + np.tanh(inner)))


def silu(x: V) -> V:
    """x σ(x): SiLU (Elfwing et al. 2017), Swish with β = 1 (Ramachandran et al. 2017)."""
    return like(x, floats(x) * sigmoid(x))


def silu_derivative(x: V) -> V:
    """σ(x)(1 + x(1 - σ(x))), by the product rule."""
    s = sigmoid(x)
    return like(x, s * (1 + floats(x) * (1 - s)))


# --- softmax ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StableSoftmax:
    """softmax's parts, so that examples can show them and blocks can be merged."""

    shift: float  # max z
    shifted_exp: Array  # exp(z - max z), in (0, 1]
    total: float  # sum of shifted_exp, in [1, K]
    probabilities: Array


def stable_softmax(logits: Values) -> StableSoftmax:
    """Softmax shifted by max z, as torch.softmax computes it: e^{-m} cancels, every exponent
    is <= 0, so no exp overflows and the largest term is exactly 1."""
    z = floats(logits)
    shift = float(z.max())
    shifted_exp: Array = np.exp(z - shift)
    total = float(shifted_exp.sum())
    return StableSoftmax(shift, shifted_exp, total, shifted_exp / total)


def softmax(logits: Values, temperature: float = 1.0) -> Array:
    """softmax(z / T) (Hinton et al. 2015): T < 1 sharpens, T > 1 flattens, ranks stay."""
    return stable_softmax(floats(logits) / temperature).probabilities


def softmax_rows(logits: Array) -> Array:
    """stable_softmax of every row at once (torch.softmax(dim=-1)): each row shifted by its own
    max, for a batch of score vectors."""
    shifted: Array = np.exp(logits - logits.max(axis=-1, keepdims=True))
    result: Array = shifted / shifted.sum(axis=-1, keepdims=True)
    return result


def naive_softmax(logits: Values) -> tuple[Array, Array]:
    """(e^z, e^z / Σ e^z) without the shift: inf or 0, then NaN, once float64 overflows
    (z > 709.78) or every term underflows; what the shift in stable_softmax avoids."""
    with np.errstate(over="ignore", invalid="ignore"):
        exponentials: Array = np.exp(floats(logits))
        return exponentials, exponentials / exponentials.sum()


def _max_and_shifted_sum(logits: Values) -> tuple[Array, float, float]:
    z = floats(logits)
    m = float(z.max())
    return z, m, float(np.exp(z - m).sum())


def logsumexp(logits: Values) -> float:
    """ln Σ e^{z_j} = m + ln Σ e^{z_j - m}, torch.logsumexp: finite for any finite z."""
    _, m, shifted_sum = _max_and_shifted_sum(logits)
    return m + math.log(shifted_sum)


def log_softmax(logits: Values) -> Array:
    """ln softmax(z) = (z - m) - ln Σ e^{z_j - m}, torch.log_softmax: never takes ln 0."""
    z, m, shifted_sum = _max_and_shifted_sum(logits)
    result: Array = (z - m) - float(np.log(shifted_sum))
    return result


def softmax_jacobian(probabilities: Values) -> Array:
    """∂p_i/∂z_j = p_i (δ_ij - p_j), i.e. diag(p) - p pᵀ (d2l 4.1.2)."""
    p = floats(probabilities)
    result: Array = np.diag(p) - np.outer(p, p)
    return result
