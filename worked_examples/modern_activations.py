"""GELU and SiLU values and minima, the smooth activations of today's Transformers.

GELU(x) = x Φ(x) (Hendrycks & Gimpel 2016, exact erf form, PyTorch's default);
SiLU(x) = x σ(x) (Elfwing et al. 2017; Swish with β = 1, Ramachandran et al. 2017).
"""

from __future__ import annotations

import math

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example


def gelu(x: float) -> float:
    return x * 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def gelu_tanh(x: float) -> float:
    """The tanh approximation used by the original BERT/GPT-2 code."""
    return 0.5 * x * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def silu(x: float) -> float:
    return x / (1.0 + math.exp(-x))


def minimum(function_name: str) -> tuple[float, float]:
    """(x, f(x)) at the global minimum, by a dense grid then a finer one around it."""
    function = {"gelu": gelu, "silu": silu}[function_name]
    grid = np.linspace(-4.0, 0.0, 4001)
    values = np.array([function(float(x)) for x in grid])
    centre = float(grid[int(values.argmin())])
    fine = np.linspace(centre - 1e-3, centre + 1e-3, 2001)
    fine_values = np.array([function(float(x)) for x in fine])
    best = int(fine_values.argmin())
    return float(fine[best]), float(fine_values[best])


@worked_example("gelu-silu-values")
def gelu_silu_values_example(points: list[float] | None = None) -> WorkedExample:
    chosen = points if points is not None else [-3.0, -1.0, 0.0, 1.0, 3.0]
    if not 1 <= len(chosen) <= 9 or any(abs(x) > 50 for x in chosen):
        raise BadParameter("points", "give 1 to 9 points between -50 and 50")
    rows = tuple(
        (f"${num(x)}$", f"${num(max(x, 0.0))}$", f"${num(gelu(x))}$", f"${num(silu(x))}$")
        for x in chosen
    )
    approximation = tuple(
        (f"${num(x)}$", f"${num(gelu(x))}$", f"${num(gelu_tanh(x))}$") for x in chosen
    )
    largest_gap = max(abs(gelu(x) - gelu_tanh(x)) for x in chosen)
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
