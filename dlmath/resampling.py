"""Down- and up-sampling: pooling, max unpooling, zero insertion, bilinear interpolation,
pixel shuffle, interpolation source coordinates, RoI Align, blur pooling.

Semantics follow PyTorch: nn.MaxPool2d(2, return_indices=True) returns per-channel flat
indices into H*W and nn.MaxUnpool2d scatters back with zeros elsewhere; nn.ConvTranspose2d
(padding 0) equals a stride-1 convolution with the flipped kernel over the input with s-1
zeros between elements and k-1 zeros of padding (Dumoulin & Visin 2016, "A guide to
convolution arithmetic"); bilinear weights are those of F.grid_sample with align_corners=True;
nn.PixelShuffle (Shi et al., CVPR 2016); F.interpolate's source coordinate; RoIAlign as in He
et al., "Mask R-CNN", ICCV 2017, section 3 (torchvision.ops.roi_align, aligned=False);
MaxBlurPool of Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dlmath._elementwise import Array

Indices = npt.NDArray[np.intp]


def _windows(x: Array) -> Array:
    """(H, W) -> (H/2, W/2, 4): the four values of each 2x2 stride-2 window, row-major."""
    rows, cols = x.shape
    blocks = x.reshape(rows // 2, 2, cols // 2, 2).transpose(0, 2, 1, 3)
    return blocks.reshape(rows // 2, cols // 2, 4)


def max_pool(x: Array) -> tuple[Array, Indices]:
    """2x2 stride-2 max pooling and the argmax of each window as a flat index into x
    (F.max_pool2d(x, 2, return_indices=True))."""
    windows = _windows(x)
    best = windows.argmax(axis=2)
    out_rows, out_cols = np.indices(best.shape)
    rows = 2 * out_rows + best // 2
    cols = 2 * out_cols + best % 2
    return windows.max(axis=2), rows * x.shape[1] + cols


def average_pool(x: Array) -> Array:
    """2x2 stride-2 average pooling (F.avg_pool2d(x, 2))."""
    result: Array = _windows(x).mean(axis=2)
    return result


def max_unpool(pooled: Array, indices: Indices, shape: tuple[int, int]) -> Array:
    """Each pooled value back at its remembered flat index, zeros everywhere else
    (F.max_unpool2d)."""
    out = np.zeros(shape[0] * shape[1])
    out[indices.ravel()] = pooled.ravel()
    return out.reshape(shape)


def zero_insert(x: Array, stride: int, kernel: int) -> Array:
    """The input a stride-1 convolution sees in place of ConvTranspose2d (padding 0): s-1
    zeros between elements, k-1 zeros around."""
    size = x.shape[0]
    spread = (size - 1) * stride + 1
    out = np.zeros((spread + 2 * (kernel - 1),) * 2)
    start = kernel - 1
    out[start : start + spread : stride, start : start + spread : stride] = x
    return out


def bilinear(values: Array, x: float, y: float) -> tuple[Array, float]:
    """Weights [[(1-x)(1-y), x(1-y)], [(1-x)y, xy]] (indexed [y][x]) of the 2x2 corner values
    and the interpolated value: each weight is the area of the rectangle opposite its corner."""
    weights = np.outer([1 - y, y], [1 - x, x])
    return weights, float((weights * values).sum())


def bilinear_at(feature: Array, y: float, x: float) -> float:
    """Bilinear interpolation at a point inside the map (pixel (i, j) at coordinate (i, j)),
    from the four surrounding pixels."""
    y0 = min(math.floor(y), feature.shape[0] - 2)
    x0 = min(math.floor(x), feature.shape[1] - 2)
    _, value = bilinear(feature[y0 : y0 + 2, x0 : x0 + 2], x - x0, y - y0)
    return value


def pixel_shuffle(x: Array, r: int) -> Array:
    """(C r^2, H, W) -> (C, H r, W r): channel c r^2 + i r + j fills sub-pixel (i, j)."""
    channels, height, width = x.shape
    c = channels // (r * r)
    out: Array = x.reshape(c, r, r, height, width).transpose(0, 3, 1, 4, 2)
    return out.reshape(c, height * r, width * r)


def source_coordinate(dst: int, in_size: int, out_size: int, align_corners: bool) -> float:
    """Where output index dst reads from the input, as F.interpolate(mode='linear') computes it
    without scale_factor: dst (in-1)/(out-1), or (dst + 0.5) in/out - 0.5 clamped at 0."""
    if align_corners:
        return 0.0 if out_size == 1 else dst * (in_size - 1) / (out_size - 1)
    return max(0.0, (dst + 0.5) * in_size / out_size - 0.5)


@dataclass(frozen=True, slots=True)
class RoiSample:
    y: float
    x: float
    value: float


@dataclass(frozen=True, slots=True)
class RoiAlignBin:
    bin_height: float
    bin_width: float
    samples: tuple[RoiSample, ...]
    value: float


def roi_align_bin(
    feature: Array,
    roi: Sequence[float],
    pooled: int,
    sampling_ratio: int,
    bin_row: int,
    bin_col: int,
) -> RoiAlignBin:
    """One output bin of RoIAlign: the RoI (x1, y1, x2, y2, feature coordinates) is split into
    pooled x pooled bins without rounding; each bin averages sampling_ratio^2 bilinear samples
    at the centres of a regular sub-grid."""
    x1, y1, x2, y2 = roi
    bin_h, bin_w = (y2 - y1) / pooled, (x2 - x1) / pooled
    samples = []
    for iy in range(sampling_ratio):
        y = y1 + bin_row * bin_h + (iy + 0.5) * bin_h / sampling_ratio
        for ix in range(sampling_ratio):
            x = x1 + bin_col * bin_w + (ix + 0.5) * bin_w / sampling_ratio
            samples.append(RoiSample(y, x, bilinear_at(feature, y, x)))
    value = sum(s.value for s in samples) / len(samples)
    return RoiAlignBin(bin_h, bin_w, tuple(samples), value)


def max_pool_1d(x: Array, kernel: int, stride: int) -> Array:
    """Max over windows of a circular signal (so a shift moves no value off the edge)."""
    n = len(x)
    return np.array([max(x[(i + t) % n] for t in range(kernel)) for i in range(0, n, stride)])


def blur_pool_1d(x: Array, stride: int) -> Array:
    """Zhang 2019's MaxBlurPool: dense max (k=2, s=1), then the [1, 2, 1]/4 low-pass filter
    evaluated only every `stride` samples (circular)."""
    dense = max_pool_1d(x, 2, 1)
    n = len(dense)
    return np.array(
        [(dense[(i - 1) % n] + 2 * dense[i] + dense[(i + 1) % n]) / 4 for i in range(0, n, stride)]
    )
