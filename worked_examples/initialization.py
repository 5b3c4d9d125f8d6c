"""Initialisation scales: Xavier/Glorot (Glorot & Bengio 2010) and He/Kaiming (He et al. 2015).

As torch.nn.init computes them with gain 1 for Xavier and the ReLU gain sqrt(2) for Kaiming
(mode='fan_in'): Xavier std = sqrt(2 / (fan_in + fan_out)), He std = sqrt(2 / fan_in); a
uniform U(-a, a) has variance a^2 / 3, so its bound is sqrt(3) std. For a Linear weight of
shape (out, in), torch's fan_in is `in` and fan_out is `out`. nn.Linear's own default,
kaiming_uniform_(a=sqrt(5)), has gain sqrt(2 / (1 + 5)) and so bound 1 / sqrt(fan_in).
"""

from __future__ import annotations

import math

from ankigen import Step, Table, WorkedExample, num, worked_example
from ankigen.checks import between
from dlmath.initialization import init_scales, relu_second_moments

from ._params import dimensions


@worked_example("init-scale")
def init_scale_example(fan_in: int = 256, fan_out: int = 512) -> WorkedExample:
    dimensions(fan_in=fan_in, fan_out=fan_out)
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
                ("Xavier", s.xavier_std, s.xavier_bound),
                ("He (ReLU)", s.he_std, s.he_bound),
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


# --- ReLU layers: second moment per layer under Xavier and He ---------------------------------

MAX_DEPTH = 30  # layers; Xavier's moment shrinks as 2^-l, about 1e-9 here (four rows are shown)


def _gain_step(name: str, fans: str, fan_values: str, width: int, gain: float) -> Step:
    """The factor n_in Var(w) / 2 of one ReLU layer, for Var(w) = 2 / fans."""
    return Step(
        f"{name}：$\\operatorname{{Var}}(w) = \\frac{{2}}{{{fans}}}$",
        f"\\frac{{n_\\text{{in}}}}{{2}}\\cdot\\frac{{2}}{{{fans}}}",
        f"\\frac{{{width}}}{{2}}\\times\\frac{{2}}{{{fan_values}}}",
        num(gain),
    )


@worked_example("he-vs-xavier-relu")
def he_vs_xavier_relu_example(width: int = 256, layers: int = 10) -> WorkedExample:
    dimensions(width=width)
    between("layers", layers, 1, MAX_DEPTH)
    s = init_scales(width, width)
    xavier = relu_second_moments(width, s.xavier_std**2, layers)
    he = relu_second_moments(width, s.he_std**2, layers)
    shown = sorted({1, 2, 5, layers} & set(range(1, layers + 1)))
    return WorkedExample(
        title=f"{layers} 层 ReLU 全连接，每层 $n_\\text{{in}} = n_\\text{{out}} = {width}$，"
        "输入 $E[x^2] = 1$",
        steps=(
            Step(
                "一层的放大倍数 (gain per layer)：ReLU 只留下一半",
                "\\frac{E[a_l^2]}{E[a_{l-1}^2]} = \\frac{n_\\text{in}\\operatorname{Var}(w)}{2}",
            ),
            _gain_step(
                "Xavier", "n_\\text{in}+n_\\text{out}", f"{width} + {width}", width, xavier[0]
            ),
            _gain_step("He", "n_\\text{in}", f"{width}", width, he[0]),
            Table(
                header=("层 $l$", "Xavier $E[a_l^2]$", "He $E[a_l^2]$"),
                rows=tuple((str(i), xavier[i - 1], he[i - 1]) for i in shown),
                caption="激活的二阶矩 (second moment) 逐层变化",
            ),
            Step(
                f"第 {layers} 层，Xavier 只剩",
                f"\\left(\\tfrac12\\right)^{{{layers}}}",
                "",
                num(xavier[-1]),
            ),
        ),
    )


@worked_example("torch-default-init")
def torch_default_init_example(fan_in: int = 256) -> WorkedExample:
    """nn.Linear / nn.Conv2d reset_parameters: kaiming_uniform_(w, a=sqrt(5)), whose gain for
    leaky_relu is sqrt(2 / (1 + a^2)) and bound gain * sqrt(3 / fan_in)."""
    dimensions(fan_in=fan_in)
    s = init_scales(fan_in, fan_in)
    gain = math.sqrt(2.0 / (1.0 + 5.0))
    bound = gain * math.sqrt(3.0 / fan_in)
    return WorkedExample(
        title=f"nn.Linear / nn.Conv2d 的默认初始化，$n_\\text{{in}} = {num(fan_in)}$",
        steps=(
            Step(
                "kaiming_uniform_ 的增益，$a = \\sqrt5$",
                "\\text{gain} = \\sqrt{\\frac{2}{1+a^2}}",
                "\\sqrt{\\frac{2}{1+5}}",
                num(gain),
            ),
            Step(
                "均匀分布边界 (bound)",
                "\\text{bound} = \\text{gain}\\cdot\\sqrt{\\frac{3}{n_\\text{in}}}",
                f"\\sqrt{{\\frac{{1}}{{3}}}}\\sqrt{{\\frac{{3}}{{{num(fan_in)}}}}} "
                f"= \\frac{{1}}{{\\sqrt{{{num(fan_in)}}}}}",
                num(bound),
            ),
            Step(
                "权重标准差 (std)",
                "\\frac{\\text{bound}}{\\sqrt3} = \\frac{1}{\\sqrt{3\\,n_\\text{in}}}",
                "",
                num(bound / math.sqrt(3.0)),
            ),
            Step(
                "对比 He (ReLU) 的标准差",
                "\\sqrt{\\frac{2}{n_\\text{in}}}",
                "",
                num(s.he_std),
            ),
            Step(
                "偏置 (bias) 也取 $U(-\\text{bound}, \\text{bound})$",
                "\\text{bound} = \\frac{1}{\\sqrt{n_\\text{in}}}",
                "",
                num(s.linear_default_bound),
            ),
        ),
    )
