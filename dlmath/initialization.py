"""Weight-initialisation scales, as torch.nn.init computes them: Xavier/Glorot (Glorot &
Bengio 2010) with gain 1 and He/Kaiming (He et al. 2015, mode='fan_in') with the ReLU gain
sqrt(2). A uniform U(-a, a) has variance a^2 / 3, so its bound is sqrt(3) std. For a Linear
weight of shape (out, in), torch's fan_in is `in` and fan_out is `out`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

InitScheme = Literal["small", "xavier", "he"]
SMALL_STD = 0.01  # the "small random numbers" baseline, normal_(std=0.01)


@dataclass(frozen=True, slots=True)
class InitScales:
    """Standard deviation (normal) and bound (uniform) of each scheme."""

    xavier_std: float
    xavier_bound: float
    he_std: float
    he_bound: float
    linear_default_bound: float


def init_scales(fan_in: int, fan_out: int) -> InitScales:
    """xavier_*_: std sqrt(2 / (fan_in + fan_out)), bound sqrt(6 / (fan_in + fan_out));
    kaiming_*_ (ReLU): std sqrt(2 / fan_in), bound sqrt(6 / fan_in); nn.Linear's default
    kaiming_uniform_(a=sqrt(5)) has gain sqrt(2 / (1 + 5)), so bound 1 / sqrt(fan_in)."""
    return InitScales(
        xavier_std=math.sqrt(2.0 / (fan_in + fan_out)),
        xavier_bound=math.sqrt(6.0 / (fan_in + fan_out)),
        he_std=math.sqrt(2.0 / fan_in),
        he_bound=math.sqrt(6.0 / fan_in),
        linear_default_bound=1.0 / math.sqrt(fan_in),
    )


def init_std(scheme: InitScheme, fan_in: int, fan_out: int) -> float:
    """The normal std of a scheme: keeps activation variance constant (Xavier for tanh, He
    for ReLU, which zeroes half its inputs), or SMALL_STD, which shrinks it layer by layer."""
    if scheme == "small":
        return SMALL_STD
    scales = init_scales(fan_in, fan_out)
    return scales.xavier_std if scheme == "xavier" else scales.he_std


def relu_second_moments(width: int, weight_var: float, layers: int) -> list[float]:
    """E[a_l^2] after each of `layers` bias-free width x width ReLU layers, inputs with
    E[x^2] = 1 (He et al. 2015, eq. 8): Var(z_l) = width Var(w) E[a_{l-1}^2], and a symmetric
    z_l gives E[a_l^2] = Var(z_l) / 2, so each layer multiplies by width Var(w) / 2."""
    factor = width * weight_var / 2.0
    return [factor**layer for layer in range(1, layers + 1)]
