"""Initialisation scales: Xavier/Glorot (Glorot & Bengio 2010) and He/Kaiming (He et al. 2015).

As torch.nn.init computes them with gain 1 for Xavier and the ReLU gain sqrt(2) for Kaiming
(mode='fan_in'): Xavier std = sqrt(2 / (fan_in + fan_out)), He std = sqrt(2 / fan_in); a
uniform U(-a, a) has variance a^2 / 3, so its bound is sqrt(3) std. For a Linear weight of
shape (out, in), torch's fan_in is `in` and fan_out is `out`. nn.Linear's own default,
kaiming_uniform_(a=sqrt(5)), has gain sqrt(2 / (1 + 5)) and so bound 1 / sqrt(fan_in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example

MAX_FAN = 10_000_000


@dataclass(frozen=True, slots=True)
class InitScales:
    """Standard deviation (normal) and bound (uniform) of each scheme."""

    xavier_std: float
    xavier_bound: float
    he_std: float
    he_bound: float
    linear_default_bound: float


def init_scales(fan_in: int, fan_out: int) -> InitScales:
    """The scales torch.nn.init uses for a weight with these fans."""
    return InitScales(
        xavier_std=math.sqrt(2.0 / (fan_in + fan_out)),
        xavier_bound=math.sqrt(6.0 / (fan_in + fan_out)),
        he_std=math.sqrt(2.0 / fan_in),
        he_bound=math.sqrt(6.0 / fan_in),
        linear_default_bound=1.0 / math.sqrt(fan_in),
    )


@worked_example("init-scale")
def init_scale_example(fan_in: int = 256, fan_out: int = 512) -> WorkedExample:
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not 1 <= value <= MAX_FAN:
            raise BadParameter(name, f"must be 1 to {MAX_FAN:,}")
    s = init_scales(fan_in, fan_out)
    fans = f"{num(fan_in)} + {num(fan_out)}"
    items: list[Step | Table] = [
        Step(
            "Xavier 正态 (Xavier normal std)",
            "\\sigma = \\sqrt{\\frac{2}{n_\\text{in} + n_\\text{out}}}",
            f"\\sqrt{{\\frac{{2}}{{{fans}}}}}",
            num(s.xavier_std),
        ),
        Step(
            "Xavier 均匀 (Xavier uniform bound)",
            "a = \\sqrt{\\frac{6}{n_\\text{in} + n_\\text{out}}}",
            f"\\sqrt{{\\frac{{6}}{{{fans}}}}}",
            num(s.xavier_bound),
        ),
        Step(
            "He 正态 (He normal std), ReLU gain $\\sqrt2$",
            "\\sigma = \\frac{\\sqrt 2}{\\sqrt{n_\\text{in}}} = \\sqrt{\\frac{2}{n_\\text{in}}}",
            f"\\sqrt{{\\frac{{2}}{{{num(fan_in)}}}}}",
            num(s.he_std),
        ),
        Step(
            "He 均匀 (He uniform bound)",
            "a = \\sqrt{\\frac{6}{n_\\text{in}}}",
            f"\\sqrt{{\\frac{{6}}{{{num(fan_in)}}}}}",
            num(s.he_bound),
        ),
        Step(
            "均匀分布的方差 (uniform variance), He",
            "\\mathrm{Var} = \\frac{a^2}{3} \\Rightarrow a = \\sqrt3\\, \\sigma",
            f"\\sqrt3 \\times {num(s.he_std)}",
            num(math.sqrt(3.0) * s.he_std),
        ),
        Step(
            "nn.Linear 默认 (default init)",
            "a = \\frac{1}{\\sqrt{n_\\text{in}}}",
            f"\\frac{{1}}{{\\sqrt{{{num(fan_in)}}}}}",
            num(s.linear_default_bound),
        ),
        Table(
            header=("方案 (scheme)", "$\\sigma$", "$a$"),
            rows=(
                ("Xavier", f"${num(s.xavier_std)}$", f"${num(s.xavier_bound)}$"),
                ("He (ReLU)", f"${num(s.he_std)}$", f"${num(s.he_bound)}$"),
            ),
            caption=(
                "torch.nn.init: xavier_normal_/xavier_uniform_, kaiming_normal_/kaiming_uniform_"
                f"(nonlinearity='relu'); Linear weight (out, in) = ({fan_out}, {fan_in})"
            ),
        ),
    ]
    return WorkedExample(
        title=(
            f"$n_{{\\text{{in}}}} = {fan_in}$ (fan_in), $n_{{\\text{{out}}}} = {fan_out}$ (fan_out)"
        ),
        steps=tuple(items),
    )
