"""Softmax without overflow, the sigmoid's vanishing gradient, and tanh as a rescaled sigmoid.

Sources: IEEE 754 binary64 limits (numpy.finfo); the log-sum-exp shift used by torch.softmax;
sigma'(x) = sigma(x)(1 - sigma(x)) <= 1/4 (Goodfellow et al., Deep Learning, 6.3.2 and 8.2.5);
tanh(x) = 2 sigma(2x) - 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ankigen import Step, Table, WorkedExample, num, worked_example
from ankigen.checks import Vector, between, checked_values
from dlmath.activations import (
    naive_softmax,
    sigmoid,
    sigmoid_chain_bound,
    sigmoid_derivative,
    stable_softmax,
)

from ._latex import signed_sum


def _special(value: float) -> str:
    """Like `num`, but also writes the inf and NaN that the naive softmax produces."""
    if math.isnan(value):
        return "\\text{NaN}"
    if math.isinf(value):
        return "\\infty" if value > 0 else "-\\infty"
    return num(value)


# --- softmax ---------------------------------------------------------------------------------


@worked_example("softmax-stable")
def softmax_stable_example(logits: Sequence[float] = (1000.0, 1001.0, 1002.0)) -> WorkedExample:
    z = checked_values("logits", logits, 2, 1e6)
    r = stable_softmax(logits)
    naive_exp, naive = naive_softmax(logits)
    limit = float(np.log(np.finfo(np.float64).max))
    if np.any(np.isinf(naive_exp)):
        naive_label = f"直接计算：$e^z$ 在 $z > {limit:.2f}$ 时溢出为 inf (float64 overflow)"
    elif naive_exp.sum() == 0:
        naive_label = "直接计算：$e^z$ 全部下溢为 0，$0/0 = \\text{NaN}$ (float64 underflow)"
    else:
        naive_label = "直接计算：这组 logits 没有溢出 (no overflow here)"
    exps = ",\\ ".join(f"e^{{{num(float(v))}}}" for v in z)
    steps: list[Step | Table] = [
        Step(
            naive_label,
            "e^{z_i}",
            exps,
            ",\\ ".join(_special(float(v)) for v in naive_exp),
        ),
        Step(
            "直接相除 (naive probabilities)",
            "\\frac{e^{z_i}}{\\sum_j e^{z_j}}",
            "",
            ",\\ ".join(_special(float(v)) for v in naive),
        ),
        Step(
            "减去最大值不改变结果 (shift invariance)",
            "\\frac{e^{z_i}}{\\sum_j e^{z_j}}",
            "\\frac{e^{-m}e^{z_i}}{e^{-m}\\sum_j e^{z_j}}",
            "\\frac{e^{z_i-m}}{\\sum_j e^{z_j-m}}",
        ),
        Step("最大值 (max logit)", "m = \\max_i z_i", "", num(r.shift)),
        Step(
            "指数之和 (sum of exponentials)",
            "S = \\sum_j e^{z_j-m}",
            signed_sum(r.shifted_exp),
            num(r.total),
        ),
        Table(
            header=("$z_i$", "$z_i-m$", "$e^{z_i-m}$", "$p_i$"),
            rows=tuple(
                (
                    f"${num(float(a))}$",
                    f"${num(float(a) - r.shift)}$",
                    f"${num(float(b))}$",
                    f"${num(float(c))}$",
                )
                for a, b, c in zip(z, r.shifted_exp, r.probabilities, strict=True)
            ),
            caption=(
                "$p_i = e^{z_i-m}/S$。指数都不超过 $e^0 = 1$，不会溢出；分母至少为 1，不会除以 0"
            ),
        ),
    ]
    return WorkedExample(
        title=f"数值稳定的 softmax：$z = ({', '.join(f'{v:g}' for v in logits)})$，float64",
        steps=tuple(steps),
    )


# --- sigmoid chain ---------------------------------------------------------------------------


def sigmoid_chain_gradient(layers: int, x0: float, weight: float, bias: float) -> float:
    """d a_n / d x_0 for a_k = sigma(w a_{k-1} + b), a_0 = x0: the chain rule's product of
    w * sigma'(z_k) along the forward pass."""
    a, gradient = x0, 1.0
    for _ in range(layers):
        z = weight * a + bias
        gradient *= weight * sigmoid_derivative(z)
        a = sigmoid(z)
    return gradient


def _key_layers(layers: int) -> list[int]:
    """Every n up to 10; beyond, a few landmarks so the table stays short."""
    if layers <= 10:
        return list(range(1, layers + 1))
    marks = [n for n in (1, 2, 3, 5, 10, 20, 50, 100) if n < layers]
    return [*marks, layers]


@worked_example("sigmoid-chain")
def sigmoid_chain_example(layers: int = 10) -> WorkedExample:
    between("layers", layers, 1, 100)
    bounds = sigmoid_chain_bound(layers)
    at_zero = sigmoid_derivative(0.0)
    grid = np.linspace(-10.0, 10.0, 2001)
    peak = float(grid[np.argmax(sigmoid_derivative(grid))])
    attained = sigmoid_chain_gradient(layers, 0.5, 1.0, -0.5)
    rows = tuple((f"${n}$", f"${num(float(bounds[n - 1]))}$") for n in _key_layers(layers))
    return WorkedExample(
        title=f"sigmoid 连乘的梯度上界 ($n = 1, \\dots, {layers}$ 层)",
        steps=(
            Step(
                "sigmoid 的导数 (derivative)",
                "\\sigma'(x) = \\sigma(x)\\,(1-\\sigma(x))",
                "\\sigma'(0) = 0.5\\times(1-0.5)",
                num(at_zero),
            ),
            Step(
                f"最大值在 $x = {peak:g}$ 处 (maximum, AM-GM)",
                "s(1-s) \\le \\left(\\frac{s+(1-s)}{2}\\right)^2",
                "\\frac14",
                num(0.25),
            ),
            Step(
                "链式法则 (chain rule)：$|w_k| \\le 1$ 时",
                "\\left|\\frac{\\partial a_n}{\\partial a_0}\\right| = "
                "\\prod\\limits_{k=1}^{n} |w_k|\\,\\sigma'(z_k)",
                "\\le 0.25^n",
            ),
            Table(
                header=("层数 $n$", "上界 $0.25^n$"),
                rows=rows,
                caption="每多一层，梯度至少缩小到 1/4",
            ),
            Step(
                f"{layers} 层之后 (after {layers} layers)",
                f"0.25^{{{layers}}}",
                "",
                num(float(bounds[-1])),
            ),
            Step(
                "上界可以达到 (attained)：$w = 1$, $b = -0.5$, $x_0 = 0.5$ 使每层 $z_k = 0$",
                "\\frac{\\partial a_n}{\\partial x_0}",
                "",
                num(attained),
            ),
        ),
    )


# --- tanh and sigmoid ------------------------------------------------------------------------


def tanh_and_sigmoid_form(points: Sequence[float]) -> tuple[Vector, Vector, Vector]:
    """tanh(x), sigma(2x) and 2 sigma(2x) - 1, each computed on its own."""
    x = np.asarray(points, dtype=np.float64)
    s2 = sigmoid(2.0 * x)
    return np.tanh(x), s2, 2.0 * s2 - 1.0


@worked_example("tanh-sigmoid-identity")
def tanh_sigmoid_identity_example(
    points: Sequence[float] = (-2.0, -0.5, 0.0, 1.0, 3.0),
) -> WorkedExample:
    x = checked_values("points", points, 1, 100.0)
    tanh, s2, rescaled = tanh_and_sigmoid_form(points)
    pick = int(np.argmin(np.abs(x - 1.0)))  # the point nearest 1: a typical, non-zero value
    worst = float(np.max(np.abs(tanh - rescaled)))
    machine_eps = float(np.finfo(np.float64).eps)
    return WorkedExample(
        title="tanh 是平移缩放后的 sigmoid：$\\tanh x = 2\\sigma(2x) - 1$",
        steps=(
            Step(
                "推导 (derivation)",
                "2\\sigma(2x)-1 = \\frac{2}{1+e^{-2x}} - 1",
                "\\frac{1-e^{-2x}}{1+e^{-2x}}",
                "\\frac{e^{x}-e^{-x}}{e^{x}+e^{-x}} = \\tanh x",
            ),
            Step(
                f"以 $x = {num(float(x[pick]))}$ 为例 (example)",
                "2\\sigma(2x)-1",
                f"2\\times {num(float(s2[pick]))} - 1",
                f"{num(float(rescaled[pick]))} = \\tanh {num(float(x[pick]))}",
            ),
            Table(
                header=("$x$", "$\\tanh x$", "$2\\sigma(2x)-1$"),
                rows=tuple(
                    (f"${num(float(a))}$", f"${num(float(b))}$", f"${num(float(d))}$")
                    for a, b, d in zip(x, tanh, rescaled, strict=True)
                ),
                caption="两列逐点相等 (float64)",
            ),
            Step(
                "最大差 (max difference)",
                "\\max\\limits_i\\left|\\tanh x_i - 2\\sigma(2x_i) + 1\\right|",
                "",
                num(worst),
            ),
            Step(
                "float64 的机器精度 (machine epsilon)",
                "\\epsilon_{64} = 2^{-52}",
                "",
                num(machine_eps),
            ),
            Step(
                "tanh 以 0 为中心、值域 $(-1, 1)$；0 处的导数 (slope at 0)",
                "\\tanh'(0) = 4\\sigma'(0)",
                "4\\times 0.25",
                num(4 * sigmoid_derivative(0.0)),
            ),
        ),
    )
