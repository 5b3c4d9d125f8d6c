"""Feature scaling and normalisation layers as formulas: BN's batch statistics, running
statistics, backward pass and eval mode, the convolution it folds into
(torch.nn.utils.fusion), the sets BN / LN / IN / GN normalise over, and RMSNorm.

Sources: Ioffe & Szegedy 2015 ("Batch Normalization", Algorithms 1 and 2 and the
back-propagation equations of section 3); Ba et al. 2016 (Layer Norm); Ulyanov et al. 2016
(Instance Norm); Wu & He 2018 (Group Norm); Zhang & Sennrich 2019 (RMSNorm); the PyTorch docs of
BatchNorm1d/2d, LayerNorm, InstanceNorm2d, GroupNorm and RMSNorm: normalisation divides by the
biased (population) variance, running_var is updated with the unbiased one, running_mean/var
start at 0 and 1, and `momentum` is the weight of the new batch statistic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._elementwise import Array
from .gradient_check import numeric_derivative

NORM_EPS = 1e-5  # the default eps of every torch normalisation layer


@dataclass(frozen=True, slots=True)
class FoldedConv:
    scale: Array  # gamma / sqrt(var + eps), one per output channel
    weight: Array  # folded weights, shape of the conv weight
    bias: Array  # folded bias, one per output channel


def fold_batchnorm(
    weight: Array,
    bias: Array,
    gamma: Array,
    beta: Array,
    mean: Array,
    var: Array,
    eps: float = NORM_EPS,
) -> FoldedConv:
    """Conv followed by eval-mode BN as one conv (torch.nn.utils.fusion.fuse_conv_bn_weights):
    w' = gamma w / sqrt(var + eps), b' = gamma (b - mean) / sqrt(var + eps) + beta, per output
    channel (the first axis of `weight`)."""
    scale = gamma / np.sqrt(var + eps)
    shape = (-1,) + (1,) * (weight.ndim - 1)
    return FoldedConv(scale, weight * scale.reshape(shape), scale * (bias - mean) + beta)


# --- batch statistics, feature scaling -------------------------------------------------------


def batch_statistics(x: Array) -> tuple[float, float]:
    """The mean and the biased (population) variance, divided by n: what BN normalises with
    in training (torch.var(correction=0))."""
    mean = float(x.mean())
    return mean, float(((x - mean) ** 2).mean())


def unbiased_variance(variance: float, n: int) -> float:
    """n / (n - 1) times the biased variance: what BN's running_var averages."""
    return variance * n / (n - 1)


@dataclass(frozen=True, slots=True)
class FeatureScaling:
    low: float
    high: float
    mean: float
    variance: float
    std: float
    min_max: Array
    z_score: Array


def feature_scaling(values: Sequence[float]) -> FeatureScaling:
    """Min-max to [0, 1] and z-score with the population std (ddof=0, like sklearn's
    StandardScaler), so the scaled feature has mean 0 and std exactly 1."""
    x = np.asarray(values, dtype=np.float64)
    low, high = float(x.min()), float(x.max())
    mean, variance = batch_statistics(x)
    std = float(np.sqrt(variance))
    return FeatureScaling(
        low, high, mean, variance, std, (x - low) / (high - low), (x - mean) / std
    )


# --- batch norm in training: forward, running statistics, backward --------------------------


def running_update(running: float, batch_value: float, momentum: float) -> float:
    """(1 - momentum) running + momentum batch_value: torch's `momentum` is the weight of the new
    batch statistic (Keras's is the weight of the old value)."""
    return (1 - momentum) * running + momentum * batch_value


def running_means(batch_means: Sequence[float], momentum: float | None) -> Array:
    """running_mean after each batch, from torch's initial 0: the exponential moving average
    with weight `momentum` on the new batch, or the plain average of all batches so far when
    momentum is None (torch uses momentum = 1 / num_batches_tracked then)."""
    running = 0.0
    out = np.empty(len(batch_means))
    for k, value in enumerate(batch_means, start=1):
        running = running_update(running, value, 1.0 / k if momentum is None else momentum)
        out[k - 1] = running
    return out


def batchnorm_eval(
    x: float, gamma: float, beta: float, mean: float, var: float, eps: float = NORM_EPS
) -> float:
    """BN in eval mode: gamma (x - mean) / sqrt(var + eps) + beta with the running statistics."""
    return float(gamma * (x - mean) / np.sqrt(var + eps) + beta)


@dataclass(frozen=True, slots=True)
class BatchNormForward:
    mean: float
    variance: float  # biased: used to normalise
    unbiased_variance: float  # used for running_var
    x_hat: Array
    y: Array
    running_mean: float
    running_var: float
    eval_output: float


def _normalized(x: Array, eps: float) -> tuple[float, float, Array]:
    """The batch's mean, biased variance, and x_hat = (x - mean) / sqrt(var + eps)."""
    mean, variance = batch_statistics(x)
    x_hat: Array = (x - mean) / np.sqrt(variance + eps)
    return mean, variance, x_hat


def batchnorm_forward(
    batch: Sequence[float],
    gamma: float,
    beta: float,
    eps: float,
    momentum: float,
    x_eval: float,
) -> BatchNormForward:
    """One training step of BatchNorm1d on one feature (running stats from 0 and 1),
    then the eval-mode output for `x_eval`, which uses the running statistics."""
    x = np.asarray(batch, dtype=np.float64)
    mean, variance, x_hat = _normalized(x, eps)
    unbiased = unbiased_variance(variance, len(x))
    running_mean = running_update(0.0, mean, momentum)
    running_var = running_update(1.0, unbiased, momentum)
    return BatchNormForward(
        mean,
        variance,
        unbiased,
        x_hat,
        gamma * x_hat + beta,
        running_mean,
        running_var,
        batchnorm_eval(x_eval, gamma, beta, running_mean, running_var, eps),
    )


@dataclass(frozen=True, slots=True)
class BatchNormBackward:
    mean: float
    variance: float
    x_hat: Array
    d_x_hat: Array
    d_variance: float
    d_mean: float
    d_x: Array
    d_gamma: float
    d_beta: float


def batchnorm_backward(
    batch: Sequence[float], upstream: Sequence[float], gamma: float, eps: float
) -> BatchNormBackward:
    """The chain rule of Ioffe & Szegedy 2015, section 3, term by term (dL/dy = upstream)."""
    x = np.asarray(batch, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    m = len(x)
    mean, variance = batch_statistics(x)
    inv_std = 1.0 / np.sqrt(variance + eps)
    x_hat = (x - mean) * inv_std
    d_x_hat = g * gamma
    d_variance = float(np.sum(d_x_hat * (x - mean)) * -0.5 * (variance + eps) ** -1.5)
    d_mean = float(np.sum(-d_x_hat * inv_std) + d_variance * np.sum(-2.0 * (x - mean)) / m)
    d_x = d_x_hat * inv_std + d_variance * 2.0 * (x - mean) / m + d_mean / m
    return BatchNormBackward(
        mean,
        variance,
        x_hat,
        d_x_hat,
        d_variance,
        d_mean,
        d_x,
        float(np.sum(g * x_hat)),
        float(np.sum(g)),
    )


def batchnorm_loss(x: Array, upstream: Array, gamma: float, beta: float, eps: float) -> float:
    """L = sum_i g_i y_i: the loss whose gradient with respect to y is the upstream g."""
    _, _, x_hat = _normalized(x, eps)
    return float(np.sum(upstream * (gamma * x_hat + beta)))


def numerical_gradients(
    batch: Sequence[float], upstream: Sequence[float], gamma: float, eps: float, h: float = 1e-5
) -> tuple[Array, float, float]:
    """Central differences (L(v+h) - L(v-h)) / 2h for every x_i, gamma and beta."""
    x = np.asarray(batch, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    beta = 0.0  # the gradients do not depend on beta

    def loss_of_x(i: int) -> Callable[[float], float]:
        def loss(value: float) -> float:
            moved = x.copy()
            moved[i] = value
            return batchnorm_loss(moved, g, gamma, beta, eps)

        return loss

    d_x = np.array([numeric_derivative(loss_of_x(i), float(x[i]), h) for i in range(len(x))])
    d_gamma = numeric_derivative(lambda v: batchnorm_loss(x, g, v, beta, eps), gamma, h)
    d_beta = numeric_derivative(lambda v: batchnorm_loss(x, g, gamma, v, eps), beta, h)
    return d_x, d_gamma, d_beta


# --- BN / LN / IN / GN statistics, RMSNorm ---------------------------------------------------

NormKind = Literal["bn", "ln", "in", "gn"]


def norm_statistics(
    x: Array, kind: NormKind, groups: int, eps: float = NORM_EPS
) -> tuple[Array, Array, Array]:
    """Means and biased variances of each normalisation set of an (N, C, H, W) tensor, and the
    normalised tensor, as BatchNorm2d (training), LayerNorm over (C, H, W), InstanceNorm2d and
    GroupNorm compute them without affine parameters.

    The statistics come back shaped by set: (C,) for bn, (N,) for ln, (N, C) for in and
    (N, groups) for gn.
    """
    n = x.shape[0]
    if kind == "bn":
        mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
        out = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + eps)
        return mean, var, out
    if kind == "in":
        mean, var = x.mean(axis=(2, 3)), x.var(axis=(2, 3))
        return mean, var, (x - mean[..., None, None]) / np.sqrt(var[..., None, None] + eps)
    grouped = x.reshape(n, 1 if kind == "ln" else groups, -1)
    mean, var = grouped.mean(axis=2), grouped.var(axis=2)
    out = ((grouped - mean[..., None]) / np.sqrt(var[..., None] + eps)).reshape(x.shape)
    return (mean[:, 0], var[:, 0], out) if kind == "ln" else (mean, var, out)


def rms_norm(x: Array, gain: Array, eps: float) -> tuple[float, Array]:
    """RMSNorm (Zhang & Sennrich 2019), as torch.nn.RMSNorm computes it over the last axis:
    y = g * x / sqrt(mean(x^2) + eps). Returns (sqrt(mean(x^2) + eps), y)."""
    rms = float(np.sqrt(np.mean(x**2) + eps))
    out: Array = gain * x / rms
    return rms, out
