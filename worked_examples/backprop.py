"""Backpropagation through a tiny two-layer sigmoid network, every number shown.

Convention (the one torch.nn.Linear uses): W1 has one row per hidden unit, z1 = W1 x + b1,
a1 = sigmoid(z1), z2 = w2 . a1 + b2, a2 = sigmoid(z2). The squared error carries the usual
1/2, L = (a2 - y)^2 / 2, so that dL/da2 = a2 - y; binary cross-entropy is torch's BCELoss.
The gradients are the chain rule written out; the tests compare them with torch autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_factor, worked_example
from ankigen.checks import between
from dlmath.activations import sigmoid, sigmoid_derivative_from_output
from dlmath.gradient_check import numeric_derivative, relative_error
from dlmath.losses import (
    binary_cross_entropy,
    cross_entropy_logit_gradient,
    half_squared_error,
    squared_error_logit_gradient,
)

from ._latex import plain_tuple, pmatrix, stacked
from ._params import positive_at_most

Vector = npt.NDArray[np.float64]
Loss = Literal["mse", "bce"]
MAX_UNITS = 4  # inputs or hidden units: W1 is shown as a matrix, one column per input
MAX_VALUE = 100.0  # weights and inputs: beyond this the sigmoids are flat and every step is 0
_LOSS_NAMES = {"mse": "squared error", "bce": "cross-entropy"}


class TwoLayerNet(TypedDict):
    """The network and the one example (x, y) it is trained on, as the recipe takes them."""

    x: list[float]
    y: float
    w1: list[list[float]]  # one row per hidden unit
    b1: list[float]
    w2: list[float]
    b2: float


# The network of backprop-two-layer's defaults, which gradient-check differentiates again.
EXAMPLE_NET: TwoLayerNet = {
    "x": [1.0, 0.5],
    "y": 1.0,
    "w1": [[0.5, -0.4], [0.3, 0.8]],
    "b1": [0.1, -0.2],
    "w2": [0.6, -0.5],
    "b2": 0.2,
}
EXAMPLE_LR = 0.5


@dataclass(frozen=True, slots=True)
class Backprop:
    """Forward values, backward deltas and gradients, and the network after one SGD step."""

    z1: Vector
    a1: Vector
    z2: float
    a2: float
    loss: float
    delta2: float
    grad_w2: Vector
    grad_b2: float
    delta1: Vector
    grad_w1: npt.NDArray[np.float64]
    grad_b1: Vector
    new_w1: npt.NDArray[np.float64]
    new_b1: Vector
    new_w2: Vector
    new_b2: float
    loss_after: float


def forward(
    x: Vector, w1: npt.NDArray[np.float64], b1: Vector, w2: Vector, b2: float
) -> tuple[Vector, Vector, float, float]:
    """z1, a1, z2, a2 of the network for input x."""
    z1: Vector = w1 @ x + b1
    a1 = sigmoid(z1)
    z2 = float(w2 @ a1 + b2)
    return z1, a1, z2, sigmoid(z2)


def loss_value(a2: float, y: float, loss: Loss) -> float:
    """(a2 - y)^2 / 2, or torch's BCELoss (each log clamped at -100, so that a saturated
    output gives a large but finite loss)."""
    if loss == "mse":
        return half_squared_error(a2, y)
    return binary_cross_entropy(a2, y)


def _arrays(net: TwoLayerNet) -> tuple[Vector, npt.NDArray[np.float64], Vector, Vector]:
    """x, W1, b1, w2 as float64 arrays."""
    return (
        np.asarray(net["x"], dtype=np.float64),
        np.asarray(net["w1"], dtype=np.float64),
        np.asarray(net["b1"], dtype=np.float64),
        np.asarray(net["w2"], dtype=np.float64),
    )


def backprop_two_layer(lr: float, loss: Loss = "mse", **net: Unpack[TwoLayerNet]) -> Backprop:
    """One forward pass, the chain rule backwards, and w <- w - lr * dL/dw."""
    xs, m1, c1, m2 = _arrays(net)
    y, b2 = net["y"], net["b2"]
    z1, a1, z2, a2 = forward(xs, m1, c1, m2, b2)
    # dL/dz2: sigmoid' = a(1 - a); with cross-entropy it cancels the 1/(a(1 - a)) of dL/da2.
    if loss == "mse":
        delta2 = squared_error_logit_gradient(a2, y)
    else:
        delta2 = cross_entropy_logit_gradient(a2, y)
    delta1: Vector = m2 * delta2 * sigmoid_derivative_from_output(a1)
    grad_w1: npt.NDArray[np.float64] = np.outer(delta1, xs)
    new_w1, new_b1 = m1 - lr * grad_w1, c1 - lr * delta1
    new_w2, new_b2 = m2 - lr * delta2 * a1, b2 - lr * delta2
    after = forward(xs, new_w1, new_b1, new_w2, new_b2)[3]
    return Backprop(
        z1=z1,
        a1=a1,
        z2=z2,
        a2=a2,
        loss=loss_value(a2, y, loss),
        delta2=delta2,
        grad_w2=delta2 * a1,
        grad_b2=delta2,
        delta1=delta1,
        grad_w1=grad_w1,
        grad_b1=delta1,
        new_w1=new_w1,
        new_b1=new_b1,
        new_w2=new_w2,
        new_b2=new_b2,
        loss_after=loss_value(after, y, loss),
    )


def _column(values: Vector) -> str:
    return pmatrix([[v] for v in values], gap="")


def _check(net: TwoLayerNet, lr: float) -> None:
    x, w1 = net["x"], net["w1"]
    if not 1 <= len(x) <= MAX_UNITS:
        raise BadParameter("x", f"needs 1 to {MAX_UNITS} inputs, got {len(x)}")
    if not 1 <= len(w1) <= MAX_UNITS or any(len(row) != len(x) for row in w1):
        raise BadParameter(
            "w1", f"one row per hidden unit (1 to {MAX_UNITS}), each with len(x) = {len(x)} weights"
        )
    if len(net["b1"]) != len(w1):
        raise BadParameter("b1", f"one bias per hidden unit: {len(w1)} values")
    if len(net["w2"]) != len(w1):
        raise BadParameter("w2", f"one weight per hidden unit: {len(w1)} values")
    groups = {"x": x, "w1": [v for row in w1 for v in row], "b1": net["b1"], "w2": net["w2"]}
    for name, values in groups.items():
        for value in values:
            between(name, value, -MAX_VALUE, MAX_VALUE)
    between("y", net["y"], 0.0, 1.0)  # the target of a sigmoid output
    positive_at_most("lr", lr, 10.0)
    between("b2", net["b2"], -MAX_VALUE, MAX_VALUE)


def _forward_steps(r: Backprop, net: TwoLayerNet, loss: Loss) -> list[Step]:
    xs, m1, c1, m2 = _arrays(net)
    y = net["y"]
    products = [f"{num_factor(w)}\\times{num(float(a))}" for w, a in zip(m2, r.a1, strict=True)]
    weighted: Vector = m1 @ xs
    if loss == "mse":
        loss_step = Step(
            "损失 (squared error)",
            "L = \\tfrac12 (a^{(2)} - y)^2",
            f"\\tfrac12 ({num(r.a2)} - {num(y)})^2",
            num(r.loss),
        )
    else:
        loss_step = Step(
            "损失 (binary cross-entropy)",
            "\\begin{array}{l} L = -[y \\ln a^{(2)} \\\\ \\quad {}+ (1-y) \\ln(1-a^{(2)})] "
            "\\end{array}",
            f"\\begin{{array}}{{l}} -[{num(y)} \\ln {num(r.a2)} \\\\ \\quad {{}}+ "
            f"{num(1 - y)} \\ln {num(1 - r.a2)}] \\end{{array}}",
            num(r.loss),
        )
    return [
        Step(
            "隐藏层加权输入 (weighted inputs)",
            "W^{(1)} x",
            pmatrix(m1, gap="") + _column(xs),
            _column(weighted),
        ),
        Step(
            "隐藏层线性 (hidden pre-activation)",
            "z^{(1)} = W^{(1)} x + b^{(1)}",
            f"{_column(weighted)} + {_column(c1)}",
            _column(r.z1),
        ),
        Step("隐藏层激活 (hidden activation)", "a^{(1)} = \\sigma(z^{(1)})", "", _column(r.a1)),
        Step(
            "输出层线性 (output pre-activation)",
            "z^{(2)} = w^{(2)} \\cdot a^{(1)} + b^{(2)}",
            stacked(*products, num_factor(net["b2"])),
            num(r.z2),
        ),
        Step("输出 (output)", "a^{(2)} = \\sigma(z^{(2)})", f"\\sigma({num(r.z2)})", num(r.a2)),
        loss_step,
    ]


def _backward_steps(r: Backprop, y: float, w2: list[float], loss: Loss) -> list[Step | Table]:
    output_slope = sigmoid_derivative_from_output(r.a2)
    if loss == "mse":
        delta2: list[Step | Table] = [
            Step(
                "sigmoid 的导数 (derivative)",
                "\\sigma'(z^{(2)}) = a^{(2)} (1 - a^{(2)})",
                f"{num(r.a2)} \\times {num(1 - r.a2)}",
                num(output_slope),
            ),
            Step(
                "输出层误差 (output delta) $\\delta^{(2)} = \\partial L/\\partial z^{(2)}$",
                "\\delta^{(2)} = (a^{(2)} - y)\\,\\sigma'(z^{(2)})",
                f"({num(r.a2)} - {num(y)}) \\times {num(output_slope)}",
                num(r.delta2),
            ),
        ]
    else:
        delta2 = [
            Step(
                "输出层误差 (output delta) $\\delta^{(2)} = \\partial L/\\partial z^{(2)}$",
                "\\delta^{(2)} = a^{(2)} - y",
                f"{num(r.a2)} - {num(y)}",
                num(r.delta2),
            )
        ]
    hidden_slope = sigmoid_derivative_from_output(r.a1)
    upstream = np.asarray(w2, dtype=np.float64) * r.delta2
    return [
        *delta2,
        Step(
            "输出层梯度 (output gradients)",
            "\\frac{\\partial L}{\\partial w^{(2)}} = \\delta^{(2)} a^{(1)}",
            f"{num_factor(r.delta2)} \\times {_column(r.a1)}",
            _column(r.grad_w2),
        ),
        Step(
            "输出层偏置梯度 (output bias gradient)",
            "\\frac{\\partial L}{\\partial b^{(2)}} = \\delta^{(2)}",
            "",
            num(r.grad_b2),
        ),
        Step(
            "隐藏层误差 (hidden delta), 逐个单元 (per unit)",
            "\\delta^{(1)} = w^{(2)} \\delta^{(2)} \\odot \\sigma'(z^{(1)})",
        ),
        Table(
            header=(
                "$j$",
                "$w^{(2)}_j\\delta^{(2)}$",
                "$\\sigma'(z^{(1)}_j)$",
                "$\\delta^{(1)}_j$",
            ),
            rows=tuple(
                (f"${j + 1}$", f"${num(float(u))}$", f"${num(float(d))}$", f"${num(float(e))}$")
                for j, (u, d, e) in enumerate(zip(upstream, hidden_slope, r.delta1, strict=True))
            ),
            caption="$\\sigma'(z^{(1)}_j) = a^{(1)}_j (1 - a^{(1)}_j)$",
        ),
        Step(
            "隐藏层偏置梯度 (hidden bias gradients)",
            "\\frac{\\partial L}{\\partial b^{(1)}} = \\delta^{(1)}",
            "",
            _column(r.grad_b1),
        ),
        Step(
            "隐藏层权重梯度 (hidden weight gradients), 数值见下表",
            "\\frac{\\partial L}{\\partial W^{(1)}_{ji}} = \\delta^{(1)}_j\\, x_i",
        ),
    ]


def _update_table(r: Backprop, net: TwoLayerNet, lr: float) -> Table:
    rows = [
        *(
            (f"$W^{{(1)}}_{{{j + 1}{i + 1}}}$", net["w1"][j][i], r.grad_w1[j, i], r.new_w1[j, i])
            for j, i in np.ndindex(r.grad_w1.shape)
        ),
        *(
            (f"$b^{{(1)}}_{{{j + 1}}}$", value, r.grad_b1[j], r.new_b1[j])
            for j, value in enumerate(net["b1"])
        ),
        *(
            (f"$w^{{(2)}}_{{{j + 1}}}$", value, r.grad_w2[j], r.new_w2[j])
            for j, value in enumerate(net["w2"])
        ),
        ("$b^{(2)}$", net["b2"], r.grad_b2, r.new_b2),
    ]
    return Table(
        header=("参数", "$\\theta$", "$\\partial L/\\partial\\theta$", "$\\theta'$"),
        rows=tuple((name, float(value), float(g), float(new)) for name, value, g, new in rows),
        caption=(
            "一步 SGD (one SGD step): "
            f"$\\theta' = \\theta - \\eta\\,\\partial L/\\partial\\theta$, $\\eta = {num(lr)}$"
        ),
    )


@worked_example("backprop-two-layer")
def backprop_two_layer_example(
    x: list[float] = EXAMPLE_NET["x"],
    y: float = EXAMPLE_NET["y"],
    lr: float = EXAMPLE_LR,
    w1: list[list[float]] = EXAMPLE_NET["w1"],
    b1: list[float] = EXAMPLE_NET["b1"],
    w2: list[float] = EXAMPLE_NET["w2"],
    b2: float = EXAMPLE_NET["b2"],
    loss: Loss = "mse",
) -> WorkedExample:
    net: TwoLayerNet = {"x": x, "y": y, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    _check(net, lr)
    r = backprop_two_layer(lr, loss, **net)
    steps: list[Step | Table] = [
        *_forward_steps(r, net, loss),
        *_backward_steps(r, y, w2, loss),
        _update_table(r, net, lr),
        Step(
            "更新后损失 (loss after the step)",
            "L' = L(\\theta')",
            "",
            f"{num(r.loss_after)} < {num(r.loss)}"
            if r.loss_after < r.loss
            else f"{num(r.loss_after)} \\ge {num(r.loss)}",
        ),
    ]
    sizes = f"{len(x)}-{len(w1)}-1"
    return WorkedExample(
        title=(
            f"{sizes} sigmoid network, {_LOSS_NAMES[loss]}, "
            f"$x = {plain_tuple(x)}$, $y = {num(y)}$, $\\eta = {num(lr)}$"
        ),
        steps=tuple(steps),
    )


# --- numerical gradient check --------------------------------------------------------------


def loss_of_first_weight(**net: Unpack[TwoLayerNet]) -> Callable[[float], float]:
    """The squared-error loss of the two-layer network as a function of W1[0][0] alone."""
    xs, _, c1, m2 = _arrays(net)

    def loss(w: float) -> float:
        m1 = np.array(net["w1"], dtype=np.float64)
        m1[0, 0] = w
        return loss_value(forward(xs, m1, c1, m2, net["b2"])[3], net["y"], "mse")

    return loss


@worked_example("gradient-check")
def gradient_check_example(
    steps_h: Sequence[float] = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-7),
) -> WorkedExample:
    if not 1 <= len(steps_h) <= 10 or not all(1e-12 <= h <= 1.0 for h in steps_h):
        raise BadParameter("steps_h", "1 to 10 step sizes, each in [1e-12, 1]")
    analytic = float(backprop_two_layer(EXAMPLE_LR, **EXAMPLE_NET).grad_w1[0, 0])
    f = loss_of_first_weight(**EXAMPLE_NET)
    w = EXAMPLE_NET["w1"][0][0]
    h0 = steps_h[len(steps_h) // 2]
    central = numeric_derivative(f, w, h0, central=True)
    rows = []
    for h in steps_h:
        one_sided = numeric_derivative(f, w, h, central=False)
        two_sided = numeric_derivative(f, w, h, central=True)
        rows.append(
            (
                f"${num(h)}$",
                f"${num(relative_error(analytic, one_sided), 2)}$",
                f"${num(relative_error(analytic, two_sided), 2)}$",
            )
        )
    items: list[Step | Table] = [
        Step(
            "反向传播 (analytic)，两层网络例中的 $W^{(1)}_{11}$",
            "\\frac{\\partial L}{\\partial W^{(1)}_{11}}",
            "",
            num(analytic, 6),
        ),
        Step(
            f"中心差分 (central difference), $h = {num(h0)}$",
            "\\frac{L(w+h) - L(w-h)}{2h}",
            "",
            num(central, 6),
        ),
        Step(
            "相对误差 (relative error)",
            "\\frac{|a - n|}{\\max(|a|, |n|)}",
            "",
            num(relative_error(analytic, central), 2),
        ),
        Table(
            header=("$h$", "前向差分 (forward)", "中心差分 (central)"),
            rows=tuple(rows),
            caption="相对误差随 $h$ 的变化 (float64)",
        ),
    ]
    return WorkedExample(
        title="数值梯度检查 (gradient check)：两层 sigmoid 网络，平方误差",
        steps=tuple(items),
    )


# --- gradient checkpointing ------------------------------------------------------------------


def checkpoint_peak(layers: int, segment: int) -> int:
    """Activations held at once with a checkpoint every `segment` layers (Chen et al. 2016, §4):
    the ceil(n / s) stored checkpoints plus the s activations of the segment being recomputed."""
    return -(-layers // segment) + segment


@worked_example("checkpoint-memory")
def checkpoint_memory_example(
    layers: int = 100,
    segments: Sequence[int] = (2, 5, 10, 20, 50),
) -> WorkedExample:
    between("layers", layers, 4, 100_000)
    if not 1 <= len(segments) <= 12 or not all(1 <= s <= layers for s in segments):
        raise BadParameter("segments", "1 to 12 segment lengths, each in 1..layers")
    best = round(math.sqrt(layers))
    items: list[Step | Table] = [
        Step("不做检查点 (store every activation)", "n", "", num(layers)),
        Step(
            "每 $s$ 层存一个检查点 (checkpoint every $s$ layers)",
            "\\lceil n/s \\rceil + s",
        ),
        Step(
            "最优段长 (best segment length)",
            "s = \\sqrt n",
            f"\\sqrt{{{layers}}}",
            f"{num(best)}\\ \\Rightarrow\\ {num(checkpoint_peak(layers, best))}",
        ),
        Table(
            header=("段长 $s$", "同时保存的激活 (activations held)"),
            rows=tuple((f"${s}$", f"${num(checkpoint_peak(layers, s))}$") for s in segments),
            caption=f"$n = {layers}$ 层，单位：一层的激活",
        ),
    ]
    return WorkedExample(
        title=f"梯度检查点 (gradient checkpointing)：$n = {layers}$ 层的链式网络",
        steps=tuple(items),
    )


# --- training memory per parameter -----------------------------------------------------------

FP16_BYTES = 2
# Bytes per parameter for Adam, ZeRO (Rajbhandari et al. 2020), section 3.1.
MIXED_PRECISION_ADAM: tuple[tuple[str, int], ...] = (
    ("FP16 权重 (weights)", 2),
    ("FP16 梯度 (gradients)", 2),
    ("FP32 主权重 (master weights)", 4),
    ("FP32 一阶矩 $m$ (Adam)", 4),
    ("FP32 二阶矩 $v$ (Adam)", 4),
)
FP32_ADAM: tuple[tuple[str, int], ...] = (
    ("FP32 权重 (weights)", 4),
    ("FP32 梯度 (gradients)", 4),
    ("FP32 一阶矩 $m$ (Adam)", 4),
    ("FP32 二阶矩 $v$ (Adam)", 4),
)


def bytes_per_parameter(parts: tuple[tuple[str, int], ...]) -> int:
    return sum(size for _, size in parts)


@worked_example("adam-memory")
def adam_memory_example(params: float = 1e9) -> WorkedExample:
    between("params", params, 1e3, 1e13)
    mixed, full = bytes_per_parameter(MIXED_PRECISION_ADAM), bytes_per_parameter(FP32_ADAM)
    items: list[Step | Table] = [
        Table(
            header=("混合精度 + Adam", "字节 / 参数"),
            rows=tuple((name, f"${size}$") for name, size in MIXED_PRECISION_ADAM),
            caption=f"合计 (total) ${mixed}$ 字节 / 参数",
        ),
        Step(
            "模型状态 (model states)",
            f"{mixed}\\,\\Psi",
            f"{mixed} \\times {num(params)}\\ \\text{{B}}",
            f"{num(mixed * params / 1e9)}\\ \\text{{GB}}",
        ),
        Step(
            f"对比：纯 FP32 + Adam ({' + '.join(str(size) for _, size in FP32_ADAM)})",
            f"{full}\\,\\Psi",
            "",
            f"{num(full * params / 1e9)}\\ \\text{{GB}}",
        ),
        Step(
            "对比：只存 FP16 权重做推理 (inference)",
            f"{FP16_BYTES}\\,\\Psi",
            "",
            f"{num(FP16_BYTES * params / 1e9)}\\ \\text{{GB}}",
        ),
    ]
    return WorkedExample(
        title=f"$\\Psi = {num(params)}$ 个参数，不含激活 (activations not counted)",
        steps=tuple(items),
    )
