"""Convolution arithmetic: output sizes, receptive fields, parameter and multiply-add counts.

Sources: the shape formulas and parameter layout of torch.nn.Conv2d / ConvTranspose2d
(weight (C_out, C_in/groups, k, k), one bias per output channel); Araujo, Norris & Sim,
"Computing Receptive Fields of Convolutional Neural Networks", Distill 2019 (jump and field
recursion); Howard et al. 2017 (MobileNets, section 3.1: depthwise separable cost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlmath._elementwise import Array


def effective_kernel_size(kernel: int, dilation: int) -> int:
    """d(k-1)+1: the span of a dilated kernel, whose k taps sit d pixels apart (Conv2d)."""
    return dilation * (kernel - 1) + 1


def conv2d(x: Array, weight: Array, bias: Array | None = None, padding: int = 0) -> Array:
    """Stride-1 cross-correlation x (C, H, W) with weight (O, C, k, k), zero padding p, plus a
    bias per output channel: what F.conv2d computes (no kernel flip)."""
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    k_rows, k_cols = weight.shape[2:]
    rows, cols = padded.shape[1] - k_rows + 1, padded.shape[2] - k_cols + 1
    out = np.empty((weight.shape[0], rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[:, i, j] = np.tensordot(weight, padded[:, i : i + k_rows, j : j + k_cols], axes=3)
    return out if bias is None else out + bias[:, None, None]


def correlate(x: Array, w: Array) -> Array:
    """Valid 2-D cross-correlation of one channel with one kernel, stride 1."""
    out: Array = conv2d(x[None], w[None, None])[0]
    return out


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """floor((n + 2p - d(k-1) - 1) / s) + 1, as torch.nn.Conv2d documents it."""
    return (size + 2 * padding - effective_kernel_size(kernel, dilation)) // stride + 1


def transposed_conv_output_size(
    size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int
) -> int:
    """(n-1)s - 2p + d(k-1) + output_padding + 1, as torch.nn.ConvTranspose2d documents it."""
    full = (size - 1) * stride + effective_kernel_size(kernel, dilation)
    return full - 2 * padding + output_padding


@dataclass(frozen=True, slots=True)
class FieldLayer:
    """One layer of the receptive-field recursion, j and r measured in input pixels."""

    effective: int  # the dilated kernel's span k'
    jump: int
    field: int


def receptive_field(
    kernels: Sequence[int], strides: Sequence[int], dilations: Sequence[int] | None = None
) -> list[FieldLayer]:
    """j_l = j_{l-1} s_l and r_l = r_{l-1} + (k'_l - 1) j_{l-1} from j_0 = r_0 = 1 (Araujo et
    al.): each layer widens the field by k'-1 of its inputs, which are j_{l-1} pixels apart."""
    rates = [1] * len(kernels) if dilations is None else dilations
    layers: list[FieldLayer] = []
    jump, field = 1, 1
    for kernel, stride, dilation in zip(kernels, strides, rates, strict=True):
        effective = effective_kernel_size(kernel, dilation)
        field += (effective - 1) * jump
        jump *= stride
        layers.append(FieldLayer(effective, jump, field))
    return layers


def conv_params(in_channels: int, out_channels: int, kernel: int, groups: int, bias: bool) -> int:
    """Weight (C_out, C_in/g, k, k) plus one bias per output channel, as in nn.Conv2d."""
    return kernel * kernel * (in_channels // groups) * out_channels + (out_channels if bias else 0)


@dataclass(frozen=True, slots=True)
class ConvCost:
    """Multiply-accumulates, bias additions, and FLOPs = 2 MACs + bias adds."""

    macs: int
    bias_adds: int
    flops: int


def conv_cost(
    in_channels: int, out_channels: int, kernel: int, out_size: int, groups: int, bias: bool
) -> ConvCost:
    """Every output element takes k*k*C_in/g multiply-adds (one per weight of its filter);
    a bias adds one addition. FLOPs count 2 per multiply-add, as torch's FlopCounterMode."""
    positions = out_size * out_size
    macs = conv_params(in_channels, out_channels, kernel, groups, bias=False) * positions
    bias_adds = out_channels * positions if bias else 0
    return ConvCost(macs, bias_adds, 2 * macs + bias_adds)


@dataclass(frozen=True, slots=True)
class SeparableCost:
    """Mult-adds of a standard conv and of its depthwise + pointwise factorisation."""

    standard: int
    depthwise: int
    pointwise: int

    @property
    def separable(self) -> int:
        return self.depthwise + self.pointwise


def separable_cost(
    in_channels: int, out_channels: int, kernel: int, out_size: int = 1
) -> SeparableCost:
    """MobileNets eq. 1, 3, 5: D_K^2 M N D_F^2 vs D_K^2 M D_F^2 + M N D_F^2 (no bias); with
    out_size 1 these are the layers' weight counts."""

    def macs(c_in: int, c_out: int, k: int, groups: int) -> int:
        return conv_cost(c_in, c_out, k, out_size, groups, bias=False).macs

    return SeparableCost(
        standard=macs(in_channels, out_channels, kernel, 1),
        depthwise=macs(in_channels, in_channels, kernel, in_channels),
        pointwise=macs(in_channels, out_channels, 1, 1),
    )
