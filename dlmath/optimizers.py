"""Optimizer update rules as the pseudo-code of the torch.optim docs states them (defaults:
no weight decay, dampening 0, no lr decay, zero initial state, amsgrad off), run for T steps.

Every rule works on a parameter array of any shape: a 2-D point for the figures' paths, a
0-d array for the worked examples' single weight. The gradient is a function of the point
and the step t (1-based): a loss surface ignores t, a hand-given sequence ignores the point.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dlmath._elementwise import Array

Gradient = Callable[[Array, int], Array]
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam / AdamW defaults
ADAM_EPS = 1e-8


@dataclass(frozen=True, slots=True)
class Trace:
    """An optimizer's run: p_0..p_T, and per step t = 1..T (row t - 1) the gradient g_t, the
    update taken (p_t = p_{t-1} - update_t) and its running statistics: `first` is SGD's
    momentum buffer or Adam's m_t, `second` AdaGrad's sum, RMSprop's average or Adam's v_t
    (zeros where the method keeps none)."""

    params: Array
    grads: Array
    updates: Array
    first: Array
    second: Array


@dataclass(frozen=True, slots=True)
class AdamTrace:
    """Adam's run with its bias-corrected moments m_hat_t and v_hat_t (row t - 1)."""

    trace: Trace
    m_hat: Array
    v_hat: Array


class _Recorder:
    """Fills a Trace step by step, so each rule states only its own update."""

    def __init__(self, start: Array, steps: int) -> None:
        start = np.asarray(start, dtype=np.float64)
        self.params = np.empty((steps + 1, *start.shape))
        self.params[0] = start
        self.grads = np.empty((steps, *start.shape))
        self.updates = np.empty_like(self.grads)
        self.first = np.zeros_like(self.grads)
        self.second = np.zeros_like(self.grads)

    def take(self, t: int, grad: Array, update: Array) -> None:
        """Record step t (1-based): gradient g_t and p_t = p_{t-1} - update."""
        self.grads[t - 1] = grad
        self.updates[t - 1] = update
        self.params[t] = self.params[t - 1] - update

    def trace(self) -> Trace:
        return Trace(self.params, self.grads, self.updates, self.first, self.second)


def given_gradients(values: npt.ArrayLike) -> Gradient:
    """g_t = values[t - 1] wherever the weight is: the worked examples' hand-given gradients."""
    gradients = np.asarray(values, dtype=np.float64)
    return lambda _point, t: gradients[t - 1]


def sgd(
    grad: Gradient,
    start: Array,
    lr: float,
    steps: int,
    momentum: float = 0.0,
    nesterov: bool = False,
) -> Trace:
    """torch.optim.SGD: b_t = mu b_{t-1} + g_t (b_0 = 0); update lr (g_t + mu b_t) with
    Nesterov, else lr b_t, which is plain gradient descent lr g_t when mu = 0."""
    run = _Recorder(start, steps)
    buffer = np.zeros_like(run.params[0])
    for t in range(1, steps + 1):
        g = grad(run.params[t - 1], t)
        buffer = momentum * buffer + g
        step = g + momentum * buffer if nesterov else buffer
        run.first[t - 1] = buffer
        run.take(t, g, lr * step)
    return run.trace()


def _square_scaled(
    grad: Gradient, start: Array, lr: float, steps: int, keep: float, new: float, eps: float
) -> Trace:
    """s_t = keep s_{t-1} + new g_t^2 from s_0 = 0, update lr g_t / (sqrt(s_t) + eps): each
    coordinate's step divided by the size of its own recent gradients (AdaGrad, RMSprop)."""
    run = _Recorder(start, steps)
    squares = np.zeros_like(run.params[0])
    for t in range(1, steps + 1):
        g = grad(run.params[t - 1], t)
        squares = keep * squares + new * g * g
        run.second[t - 1] = squares
        run.take(t, g, lr * g / (np.sqrt(squares) + eps))
    return run.trace()


def adagrad(grad: Gradient, start: Array, lr: float, steps: int, eps: float = 1e-10) -> Trace:
    """torch.optim.Adagrad (Duchi et al. 2011): s_t = s_{t-1} + g_t^2, update
    lr g_t / (sqrt(s_t) + eps), so a coordinate's step shrinks with its gradient history."""
    return _square_scaled(grad, start, lr, steps, 1.0, 1.0, eps)


def rmsprop(
    grad: Gradient,
    start: Array,
    lr: float,
    steps: int,
    alpha: float = 0.99,
    eps: float = 1e-8,
) -> Trace:
    """torch.optim.RMSprop (Hinton, lecture 6e): v_t = alpha v_{t-1} + (1 - alpha) g_t^2, update
    lr g_t / (sqrt(v_t) + eps); v_0 = 0 and no bias correction, so early steps are inflated."""
    return _square_scaled(grad, start, lr, steps, alpha, 1 - alpha, eps)


def adam(
    grad: Gradient,
    start: Array,
    lr: float,
    steps: int,
    betas: tuple[float, float] = ADAM_BETAS,
    eps: float = ADAM_EPS,
) -> AdamTrace:
    """torch.optim.Adam (Kingma & Ba 2015, Algorithm 1): moments m_t, v_t of g_t and g_t^2,
    bias-corrected m_hat = m_t / (1 - b1^t), v_hat = v_t / (1 - b2^t) because both start at 0;
    update lr m_hat / (sqrt(v_hat) + eps)."""
    beta1, beta2 = betas
    run = _Recorder(start, steps)
    m_hats, v_hats = np.empty_like(run.grads), np.empty_like(run.grads)
    m = np.zeros_like(run.params[0])
    v = np.zeros_like(run.params[0])
    for t in range(1, steps + 1):
        g = grad(run.params[t - 1], t)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        run.first[t - 1], run.second[t - 1] = m, v
        m_hats[t - 1], v_hats[t - 1] = m_hat, v_hat
        run.take(t, g, lr * m_hat / (np.sqrt(v_hat) + eps))
    return AdamTrace(run.trace(), m_hats, v_hats)


def adam_first_step_uncorrected(
    g: float, lr: float, beta1: float, beta2: float, eps: float
) -> float:
    """Adam's first step with raw moments, lr (1-b1) g / (sqrt((1-b2) g^2) + eps): about
    (1-b1)/sqrt(1-b2) = 3.16 lr at the defaults, why Adam corrects the bias (paper, sec. 3)."""
    return lr * (1.0 - beta1) * g / (math.sqrt((1.0 - beta2) * g * g) + eps)


@dataclass(frozen=True, slots=True)
class MomentumPath:
    """Sutskever et al. (2013), eqs. 1-4, per step t = 1..T (row t - 1): the point where the
    gradient is taken (theta for Momentum, the look-ahead theta + mu v for NAG), that
    gradient, the velocity v_t and theta_t."""

    points: Array
    grads: Array
    velocities: Array
    thetas: Array


def sutskever_momentum(
    grad: Gradient, start: Array, lr: float, momentum: float, steps: int, nesterov: bool
) -> MomentumPath:
    """v_t = mu v_{t-1} - lr grad(point), theta_t = theta_{t-1} + v_t, the point being
    theta_{t-1} (classical momentum) or theta_{t-1} + mu v_{t-1} (Nesterov). torch.optim.SGD
    is the same method in other variables: v_t = -lr b_t, and with Nesterov its parameter is
    the look-ahead theta + mu v."""
    theta = np.asarray(start, dtype=np.float64)
    v = np.zeros_like(theta)
    rows = np.empty((4, steps, *theta.shape))
    for t in range(1, steps + 1):
        point = theta + momentum * v if nesterov else theta
        g = grad(point, t)
        v = momentum * v - lr * g
        theta = theta + v
        rows[:, t - 1] = point, g, v, theta
    return MomentumPath(*rows)
