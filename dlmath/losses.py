"""Loss functions and their gradients, elementwise on floats or arrays, as PyTorch's loss
modules define them (reduction='none' unless a docstring says otherwise)."""

from __future__ import annotations

import math

import numpy as np

from ._elementwise import Array, V, Values, floats, like
from .activations import log_softmax, sigmoid_derivative_from_output, softmax

BCE_LOG_FLOOR = -100.0  # nn.BCELoss clamps each log term to at least -100


# --- classification --------------------------------------------------------------------------


def one_hot(classes: int, target: int) -> Array:
    """The one-hot label y of class `target` (indices from 0, as F.cross_entropy takes them)."""
    y: Array = np.zeros(classes)
    y[target] = 1.0
    return y


def cross_entropy(logits: Values, target: int) -> float:
    """-ln softmax(z)_target, F.cross_entropy of one example (natural log)."""
    return float(-log_softmax(logits)[target])


def cross_entropy_gradient(logits: Values, target: int) -> Array:
    """∂L/∂z = softmax(z) - y: the softmax Jacobian and -y/p cancel to this shortcut."""
    p = softmax(logits)
    result: Array = p - one_hot(len(p), target)
    return result


def soft_cross_entropy(logits: Values, targets: Values) -> float:
    """-Σ_k q_k ln softmax(z)_k against a target distribution q (soft labels, smoothing)."""
    return float(-(floats(targets) * log_softmax(logits)).sum())


def smoothed_targets(classes: int, epsilon: float, target: int) -> Array:
    """(1 - ε) one-hot + ε/K (Szegedy et al. 2016, §7; CrossEntropyLoss(label_smoothing=ε)):
    every class keeps ε/K, the target adds 1 - ε."""
    smoothed: Array = np.full(classes, epsilon / classes)
    smoothed[target] += 1.0 - epsilon
    return smoothed


def true_class_cross_entropy(p_t: V) -> V:
    """-ln p_t, the cross-entropy of an example whose true class has probability p_t."""
    return like(p_t, -np.log(floats(p_t)))


def focal_modulating_factor(p_t: V, gamma: float) -> V:
    """(1 - p_t)^γ: near 0 for well-classified examples (Lin et al. 2017, Eq. 4)."""
    return like(p_t, (1.0 - floats(p_t)) ** gamma)


def focal_loss(p_t: V, gamma: float, alpha_t: float = 1.0) -> V:
    """FL(p_t) = -α_t (1 - p_t)^γ ln p_t (Lin et al. 2017, Eq. 5); γ = 0, α_t = 1 is CE."""
    return alpha_t * focal_modulating_factor(p_t, gamma) * true_class_cross_entropy(p_t)


def multiclass_hinge(scores: Values, target: int, margin: float) -> Array:
    """CS231n's multiclass SVM terms max(0, s_j - s_y + Δ), 0 for j = y; their sum is
    nn.MultiMarginLoss times the number of classes."""
    s = floats(scores)
    terms: Array = np.maximum(0.0, s - s[target] + margin)
    terms[target] = 0.0
    return terms


# --- binary outputs --------------------------------------------------------------------------


def clamped_log(p: V) -> V:
    """ln p, clamped at -100 as nn.BCELoss does, so ln 0 gives a large but finite loss."""
    with np.errstate(divide="ignore"):
        return like(p, np.maximum(np.log(p), BCE_LOG_FLOOR))


def binary_cross_entropy(p: V, y: float | Array) -> V:
    """-[y ln p + (1 - y) ln(1 - p)] with each log clamped at -100: nn.BCELoss per element."""
    probabilities, targets = np.asarray(p), floats(y)  # p keeps its dtype, as in float32
    return like(
        p,
        -(targets * clamped_log(probabilities) + (1.0 - targets) * clamped_log(1 - probabilities)),
    )


def bce_with_logits(logits: V, y: float | Array) -> V:
    """max(z, 0) - z y + ln(1 + e^{-|z|}): nn.BCEWithLogitsLoss, which never exponentiates
    a positive number."""
    z, targets = floats(logits), floats(y)
    return like(logits, np.maximum(z, 0.0) - z * targets + np.log1p(np.exp(-np.abs(z))))


def dice_coefficient(p: Values, g: Values) -> float:
    """2 Σ p g / (Σ p² + Σ g²), the soft Dice of Milletari et al. 2016, eq. 1."""
    predicted, truth = floats(p), floats(g)
    return float(2.0 * (predicted * truth).sum() / ((predicted**2).sum() + (truth**2).sum()))


# --- a sigmoid output: the gradient on the logit ---------------------------------------------


def half_squared_error(a: V, y: float) -> V:
    """½ (a - y)², whose ½ makes ∂L/∂a = a - y."""
    return 0.5 * (a - y) ** 2


def cross_entropy_logit_gradient(a: V, y: float) -> V:
    """∂L/∂z = a - y for BCE on a = σ(z): σ' cancels against ∂L/∂a = (a - y)/(a(1 - a))."""
    return a - y


def squared_error_logit_gradient(a: V, y: float) -> V:
    """∂L/∂z = (a - y) a (1 - a) for ½(a - y)² on a = σ(z): σ' shrinks it when a saturates."""
    return (a - y) * sigmoid_derivative_from_output(a)


# --- regression ------------------------------------------------------------------------------


def smooth_l1(error: V, beta: float) -> V:
    """nn.SmoothL1Loss per element: 0.5 x² / β if |x| < β, else |x| - 0.5 β
    (nn.HuberLoss(δ) is δ times this with β = δ)."""
    x = floats(error)
    absolute = np.abs(x)
    return like(error, np.where(absolute < beta, 0.5 * x**2 / beta, absolute - 0.5 * beta))


def smooth_l1_gradient(error: V, beta: float) -> V:
    """d/dx of smooth L1: x / β inside the quadratic zone, sign(x) outside (bounded by 1)."""
    x = floats(error)
    return like(error, np.where(np.abs(x) < beta, x / beta, np.sign(x)))


def gaussian_nll(mse: float, sigma: float) -> float:
    """Mean -ln N(y | f, σ²) = MSE / (2σ²) + ½ ln(2πσ²): MSE is the NLL of Gaussian noise
    up to scale and a constant (nn.GaussianNLLLoss(full=True) with var = σ²)."""
    return mse / (2 * sigma**2) + 0.5 * math.log(2 * math.pi * sigma**2)


def laplace_nll(mae: float, b: float) -> float:
    """Mean -ln Laplace(y | f, b) = MAE / b + ln(2b): MAE is the NLL of Laplace noise."""
    return mae / b + math.log(2 * b)
