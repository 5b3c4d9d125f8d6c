"""Parameter counts of the layers around convolutions and attention (torch.nn.Linear,
BatchNorm2d and LayerNorm)."""

from __future__ import annotations


def linear_params(in_features: int, out_features: int, bias: bool = True) -> int:
    """Weight (out, in) plus one bias per output, as in torch.nn.Linear."""
    return in_features * out_features + (out_features if bias else 0)


def batchnorm_params(channels: int) -> int:
    """BatchNorm2d's learnable weight (gamma) and bias (beta); running mean and var are buffers,
    not parameters."""
    return 2 * channels


def layernorm_params(features: int) -> int:
    """LayerNorm's elementwise weight (gamma) and bias (beta) over the last `features` values."""
    return 2 * features
