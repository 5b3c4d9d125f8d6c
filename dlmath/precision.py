"""Floating-point formats: the limits that follow from a bit layout, bytes per value, and loss
scaling in fp16.

Sources: IEEE 754 (fp32 = binary32, fp16 = binary16) and the bfloat16 layout (8 exponent bits
as fp32, 7 mantissa bits), as torch.finfo reports them; Micikevicius et al. 2018 ("Mixed
Precision Training", section 3.2: loss scaling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

FloatFormat = Literal["fp32", "fp16", "bf16"]
# (exponent bits, mantissa bits); one more bit is the sign.
LAYOUTS: dict[str, tuple[int, int]] = {"fp32": (8, 23), "fp16": (5, 10), "bf16": (8, 7)}


@dataclass(frozen=True, slots=True)
class FormatLimits:
    exponent_bits: int
    mantissa_bits: int
    max_value: float
    min_normal: float
    min_subnormal: float
    epsilon: float


def format_limits(name: str) -> FormatLimits:
    """From the bit layout: bias = 2^(e-1) - 1, the largest exponent is reserved for inf/NaN."""
    exponent_bits, mantissa_bits = LAYOUTS[name]
    bias = 2 ** (exponent_bits - 1) - 1
    return FormatLimits(
        exponent_bits,
        mantissa_bits,
        max_value=(2 - 2.0**-mantissa_bits) * 2.0**bias,
        min_normal=2.0 ** (1 - bias),
        min_subnormal=2.0 ** (1 - bias - mantissa_bits),
        epsilon=2.0**-mantissa_bits,
    )


def bytes_per_element(dtype: FloatFormat) -> int:
    """Sign + exponent + mantissa bits of the format, in bytes."""
    exponent, mantissa = LAYOUTS[dtype]
    return (1 + exponent + mantissa) // 8


@dataclass(frozen=True, slots=True)
class LossScaling:
    as_fp16: float  # the gradient stored in fp16: 0 once it is below half the smallest subnormal
    scaled_fp16: float  # S g stored in fp16
    recovered: float  # fp16(S g) / S, computed in fp32 as the optimizer's master copy is


def loss_scaling(gradient: float, scale: float) -> LossScaling:
    """A gradient g in fp16 without and with loss scaling: multiplying the loss by S multiplies
    every gradient by S (chain rule), lifting a small g above fp16's underflow; dividing by S
    in fp32 before the update gives g back."""
    scaled_fp16 = float(np.float16(gradient * scale))
    return LossScaling(
        float(np.float16(gradient)),
        scaled_fp16,
        float(np.float32(scaled_fp16) / np.float32(scale)),
    )
