"""Normalisation layers in eval mode, as formulas: what BN computes with its running
statistics, and the convolution it folds into (torch.nn.utils.fusion)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._elementwise import Array

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
