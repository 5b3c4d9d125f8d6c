"""GELU and SiLU values and minima, the smooth activations of today's Transformers.

GELU(x) = x Φ(x) (Hendrycks & Gimpel 2016, exact erf form, PyTorch's default);
SiLU(x) = x σ(x) (Elfwing et al. 2017; Swish with β = 1, Ramachandran et al. 2017).
"""

from __future__ import annotations

import math

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import between
from dlmath.activations import (
    SELU_ALPHA,
    SELU_SCALE,
    gelu,
    gelu_tanh,
    normal_pdf,
    relu,
    selu,
    silu,
)


def minimum(function_name: str) -> tuple[float, float]:
    """(x, f(x)) at the global minimum, by a dense grid then a finer one around it."""
    function = {"gelu": gelu, "silu": silu}[function_name]
    grid = np.linspace(-4.0, 0.0, 4001)
    values = function(grid)
    centre = float(grid[int(values.argmin())])
    fine = np.linspace(centre - 1e-3, centre + 1e-3, 2001)
    fine_values = function(fine)
    best = int(fine_values.argmin())
    return float(fine[best]), float(fine_values[best])


@worked_example("gelu-silu-values")
def gelu_silu_values_example(points: list[float] | None = None) -> WorkedExample:
    chosen = points if points is not None else [-3.0, -1.0, 0.0, 1.0, 3.0]
    if not 1 <= len(chosen) <= 9 or any(abs(x) > 50 for x in chosen):
        raise BadParameter("points", "give 1 to 9 points between -50 and 50")
    x = np.array(chosen, dtype=np.float64)
    exact, approximate = gelu(x), gelu_tanh(x)
    rows = tuple(
        (f"${num(v)}$", f"${num(float(r))}$", f"${num(float(g))}$", f"${num(float(s))}$")
        for v, r, g, s in zip(chosen, relu(x), exact, silu(x), strict=True)
    )
    approximation = tuple(
        (f"${num(v)}$", f"${num(float(g))}$", f"${num(float(t))}$")
        for v, g, t in zip(chosen, exact, approximate, strict=True)
    )
    largest_gap = float(np.max(np.abs(exact - approximate)))
    gelu_min, silu_min = minimum("gelu"), minimum("silu")
    return WorkedExample(
        title="GELU 与 SiLU 的取值 (values)",
        steps=(
            Step(
                "GELU",
                "x\\,\\Phi(x) = \\frac{x}{2}\\left(1+\\operatorname{erf}\\frac{x}{\\sqrt2}\\right)",
            ),
            Step("SiLU / Swish", "x\\,\\sigma(x) = \\frac{x}{1+e^{-x}}"),
            Table(header=("$x$", "ReLU", "GELU", "SiLU"), rows=rows),
            Step("GELU 的 tanh 近似 (approximation)", "\\frac{x}{2}\\left(1+\\tanh u\\right)"),
            Step("其中 (where)", "u = \\sqrt{2/\\pi}\\,(x+0.044715x^3)"),
            Table(
                header=("$x$", "GELU", "tanh 近似"),
                rows=approximation,
                caption=f"这些点上两者最多差 ${num(largest_gap)}$ (largest gap)",
            ),
            Step(
                "GELU 的最小值 (non-monotonic: a dip below 0)",
                "\\min_x \\operatorname{GELU}(x)",
                f"\\operatorname{{GELU}}({num(gelu_min[0], 3)})",
                num(gelu_min[1], 3),
            ),
            Step(
                "SiLU 的最小值",
                "\\min_x \\operatorname{SiLU}(x)",
                f"\\operatorname{{SiLU}}({num(silu_min[0], 3)})",
                num(silu_min[1], 3),
            ),
        ),
    )


# --- SELU ------------------------------------------------------------------------------------


def selu_moments_of_standard_normal(points: int = 200001) -> tuple[float, float]:
    """E[selu(z)] and E[selu(z)^2] for z ~ N(0, 1), by the trapezoid rule on [-12, 12]."""
    z = np.linspace(-12.0, 12.0, points)
    density = normal_pdf(z)
    s = selu(z)
    return float(np.trapezoid(s * density, z)), float(np.trapezoid(s**2 * density, z))


def deep_activation_stats(
    activation: str, layers: int, width: int, samples: int, seed: int
) -> list[tuple[float, float]]:
    """(mean, variance) of each layer's output in a plain MLP with LeCun normal weights
    (variance 1/fan_in, no bias), fed standardized Gaussian inputs."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, width))
    stats = []
    for _ in range(layers):
        w = rng.standard_normal((width, width)) / math.sqrt(width)
        z = x @ w
        x = selu(z) if activation == "selu" else relu(z)
        stats.append((float(x.mean()), float(x.var())))
    return stats


@worked_example("selu-self-normalizing")
def selu_self_normalizing_example(
    layers: int = 32, width: int = 256, samples: int = 512, seed: int = 0
) -> WorkedExample:
    between("layers", layers, 1, 64)
    between("width", width, 16, 1024)
    between("samples", samples, 16, 4096)
    mean, second = selu_moments_of_standard_normal()
    selu_stats = deep_activation_stats("selu", layers, width, samples, seed)
    relu_stats = deep_activation_stats("relu", layers, width, samples, seed)
    shown = [n for n in (1, 2, 4, 8, 16, 32, 64) if n < layers] + [layers]
    rows = tuple(
        (
            f"${n}$",
            f"${num(selu_stats[n - 1][0])}$",
            f"${num(selu_stats[n - 1][1])}$",
            f"${num(relu_stats[n - 1][1])}$",
        )
        for n in shown
    )
    return WorkedExample(
        title=f"SELU：$\\lambda = {num(SELU_SCALE, 5)}$，$\\alpha = {num(SELU_ALPHA, 5)}$",
        steps=(
            Step(
                "输入 $z \\sim \\mathcal N(0,1)$ 时输出的均值 (mean)",
                "\\mathbb E[\\operatorname{selu}(z)]",
                "",
                num(round(mean, 6) + 0.0),
            ),
            Step(
                "输出的二阶矩，即方差 (second moment)",
                "\\mathbb E[\\operatorname{selu}(z)^2]",
                "",
                num(second),
            ),
            Table(
                header=("层", "SELU 均值", "SELU 方差", "ReLU 方差"),
                rows=rows,
                caption=(
                    f"宽 {width} 的全连接网络，LeCun 正态初始化 $\\operatorname{{Var}}(w) = 1/n$，"
                    f"无偏置，{samples} 个标准化输入；ReLU 用同样的初始化 (它应配 He 初始化)"
                ),
            ),
        ),
    )
