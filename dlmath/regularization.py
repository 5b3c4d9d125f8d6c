"""Regularisation: weight penalties and the steps they cause, inverted dropout, mixup, the
CutMix box and stochastic depth's survival probabilities.

L1 penalty lam * sum|w| (subgradient lam * sign(w), 0 at w = 0 as torch.sign gives); L2 penalty
(lam / 2) * sum w^2 (gradient lam * w). For plain SGD, adding the L2 gradient is the same as
decaying the weights, which is what torch.optim.SGD(weight_decay=lam) does; for Adam the two
differ, and torch.optim.AdamW decouples the decay (Loshchilov & Hutter 2019): w <- w(1 - lr lam)
then the Adam step. Dropout follows torch.nn.Dropout: p is the DROP probability, kept units are
scaled by 1 / (1 - p) in training (inverted dropout), and evaluation is the identity. mixup:
Zhang et al. 2018; CutMix: Yun et al. 2019 (the reference code's rand_bbox); stochastic depth:
Huang et al. 2016.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from dlmath._elementwise import Array
from dlmath.optimizers import adam, given_gradients

Mask = npt.NDArray[np.bool_]


# --- weight penalties ------------------------------------------------------------------------


def penalties(weights: Array, lam: float) -> tuple[float, Array, float, Array]:
    """L1 penalty and its subgradient, L2 penalty and its gradient."""
    l1_grad: Array = lam * np.sign(weights)
    l2_grad: Array = lam * weights
    return lam * float(np.abs(weights).sum()), l1_grad, lam / 2 * float(weights @ weights), l2_grad


def sgd_updates(weights: Array, grads: Array, lam: float, lr: float) -> tuple[Array, Array, Array]:
    """One SGD step with the L1 gradient, with the L2 gradient, and as weight decay."""
    l1: Array = weights - lr * (grads + lam * np.sign(weights))
    l2: Array = weights - lr * (grads + lam * weights)
    decay: Array = (1.0 - lr * lam) * weights - lr * grads
    return l1, l2, decay


def adam_first_steps(weights: Array, grads: Array, lam: float, lr: float) -> tuple[Array, Array]:
    """The first weight change of Adam with L2 in the gradient, and of AdamW (torch defaults):
    Adam divides the L2 gradient by its own scale, AdamW subtracts lr lam w as it is."""
    start = np.zeros_like(weights)
    coupled = adam(given_gradients([grads + lam * weights]), start, lr, 1).trace.updates[0]
    plain = adam(given_gradients([grads]), start, lr, 1).trace.updates[0]
    decoupled: Array = lr * lam * weights + plain
    return coupled, decoupled


# --- inverted dropout ------------------------------------------------------------------------


def dropout_mask(shape: int | tuple[int, ...], p: float, seed: int) -> Mask:
    """Keep each unit with probability 1 - p (True = kept)."""
    mask: Mask = np.random.default_rng(seed).random(shape) >= p
    return mask


def inverted_dropout(x: Array, mask: Mask, p: float) -> Array:
    """Training output: kept units scaled by 1 / (1 - p), dropped units 0."""
    out: Array = np.where(mask, x / (1.0 - p), 0.0)
    return out


def empirical_mean(x: Array, p: float, seed: int, samples: int) -> Array:
    """The mean training output over `samples` independent masks: close to x, since
    E[y] = (1 - p) x / (1 - p). Seeded with seed + 1, so these masks are independent of
    dropout_mask(x.size, p, seed)."""
    masks = dropout_mask((samples, x.size), p, seed + 1)
    mean: Array = inverted_dropout(x, masks, p).mean(axis=0)
    return mean


# --- mixup, CutMix, stochastic depth ---------------------------------------------------------


def mixup(x_i: Array, x_j: Array, y_i: Array, y_j: Array, lam: float) -> tuple[Array, Array]:
    """mixup (Zhang et al. 2018, eq. in section 2): the same lambda mixes inputs and targets."""
    x: Array = lam * x_i + (1.0 - lam) * x_j
    y: Array = lam * y_i + (1.0 - lam) * y_j
    return x, y


def cutmix_side(size: int, lam: float) -> float:
    """size * sqrt(1 - lam): a side of the CutMix box before int() rounds it down, so that the
    box covers 1 - lam of the image."""
    return size * math.sqrt(1.0 - lam)


def cutmix_box(
    width: int, height: int, lam: float, cx: int, cy: int
) -> tuple[int, int, int, int, float]:
    """The box of the CutMix reference code (Yun et al. 2019, rand_bbox): sides
    int(W sqrt(1 - lam)) and int(H sqrt(1 - lam)) around (cx, cy), clipped to the image; then
    the label weight lambda recomputed from the clipped area. Returns (x1, y1, x2, y2, lam')."""
    cut_w, cut_h = int(cutmix_side(width, lam)), int(cutmix_side(height, lam))
    x1, x2 = (int(np.clip(cx + d, 0, width)) for d in (-(cut_w // 2), cut_w // 2))
    y1, y2 = (int(np.clip(cy + d, 0, height)) for d in (-(cut_h // 2), cut_h // 2))
    return x1, y1, x2, y2, 1.0 - (x2 - x1) * (y2 - y1) / (width * height)


def survival_probabilities(blocks: int, p_last: float) -> Array:
    """The linear decay rule of Huang et al. 2016, eq. (4): p_l = 1 - l / L (1 - p_L)."""
    layers = np.arange(1, blocks + 1, dtype=np.float64)
    probabilities: Array = 1.0 - layers / blocks * (1.0 - p_last)
    return probabilities
