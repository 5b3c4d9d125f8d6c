"""How a convolution layer is computed and differentiated: backward pass, im2col + GEMM,
Winograd's minimal filtering.

Sources: PyTorch's Conv2d computes a cross-correlation y = x * w (valid, stride 1 here); its
gradients are dL/dw = x * g (the input correlated with the output gradient) and dL/dx =
pad(g, k-1) * rot180(w) (a "full" convolution), d2l section 7.2 and Dumoulin & Visin 2016
section 4 (the transposed convolution is the input gradient). im2col follows
torch.nn.functional.unfold: a (C k^2, L) matrix, L = H_out W_out. Winograd F(m x m, r x r)
takes (m+r-1)^2 multiplications per output tile instead of m^2 r^2 (Lavin & Gray, "Fast
Algorithms for Convolutional Neural Networks", CVPR 2016, section 4), with the F(2x2, 3x3)
transforms B, G, A of their section 4.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter, Step, WorkedExample, num, num_factor, worked_example
from ankigen.checks import at_least, between
from dlmath.convolution import conv_output_size, correlate
from dlmath.precision import FloatFormat, bytes_per_element

from ._latex import pmatrix, stacked

Matrix = npt.NDArray[np.float64]

DEFAULT_INPUT = [[1.0, 2.0, 0.0], [3.0, 1.0, 2.0], [0.0, 1.0, 3.0]]
DEFAULT_KERNEL = [[1.0, -1.0], [2.0, 0.0]]
DEFAULT_GRAD = [[1.0, 2.0], [-1.0, 1.0]]


@dataclass(frozen=True, slots=True)
class ConvGradients:
    """Forward output and the three gradients of a 1-channel, stride-1 convolution."""

    output: Matrix
    rotated: Matrix
    padded_grad: Matrix
    grad_input: Matrix
    grad_weight: Matrix
    grad_bias: float


def conv_gradients(x: Matrix, w: Matrix, grad: Matrix) -> ConvGradients:
    """dL/dx = pad(g, k-1) correlated with rot180(w); dL/dw = x correlated with g;
    dL/db = sum of g."""
    k = w.shape[0]
    rotated = np.rot90(w, 2)
    padded = np.pad(grad, k - 1)
    return ConvGradients(
        output=correlate(x, w),
        rotated=rotated,
        padded_grad=padded,
        grad_input=correlate(padded, rotated),
        grad_weight=correlate(x, grad),
        grad_bias=float(grad.sum()),
    )


def _square(name: str, values: Sequence[Sequence[float]], low: int, high: int) -> Matrix:
    size = len(values)
    if not low <= size <= high or any(len(row) != size for row in values):
        raise BadParameter(name, f"must be a square matrix of side {low} to {high}")
    array = np.array(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.abs(array).max() > 1e3:
        raise BadParameter(name, "entries must be finite numbers of magnitude at most 1000")
    return array


def _products(terms: Sequence[tuple[float, float]]) -> str:
    return stacked(*(f"{num(a)}\\times{num_factor(b)}" for a, b in terms))


Part = Literal["input", "weight"]


@worked_example("conv-backward")
def conv_backward_example(
    x: list[list[float]] = DEFAULT_INPUT,
    w: list[list[float]] = DEFAULT_KERNEL,
    grad: list[list[float]] = DEFAULT_GRAD,
    part: Part = "input",
) -> WorkedExample:
    xs = _square("x", x, 2, 5)
    ws = _square("w", w, 1, 3)
    if ws.shape[0] > xs.shape[0]:
        raise BadParameter("w", "the kernel must not be larger than the input")
    out = xs.shape[0] - ws.shape[0] + 1
    gs = _square("grad", grad, 1, 5)
    if gs.shape[0] != out:
        raise BadParameter("grad", f"must have the output's shape {out}x{out}")
    r = conv_gradients(xs, ws, gs)
    k = ws.shape[0]
    steps: list[Step] = [
        Step("输入与卷积核 (input, kernel)", "X,\\ W", "", f"{pmatrix(xs)},\\ {pmatrix(ws)}"),
        Step("前向：互相关 (forward, cross-correlation)", "Y = X \\star W", "", pmatrix(r.output)),
        Step(
            "上游梯度 (upstream gradient)", "G = \\frac{\\partial L}{\\partial Y}", "", pmatrix(gs)
        ),
    ]
    if part == "input":
        # The centre-most input pixel: which outputs it fed, through which weight.
        i = j = (xs.shape[0] - 1) // 2
        terms = [
            (float(gs[a, b]), float(ws[i - a, j - b]))
            for a in range(out)
            for b in range(out)
            if 0 <= i - a < k and 0 <= j - b < k
        ]
        steps += [
            Step(
                "卷积核旋转 180° (rotate the kernel)",
                "\\operatorname{rot180}(W)",
                "",
                pmatrix(r.rotated),
            ),
            Step(
                f"$G$ 四周补 $k-1 = {k - 1}$ 圈 0 (pad)",
                "\\tilde G = \\operatorname{pad}(G,\\ k-1)",
                "",
                pmatrix(r.padded_grad),
            ),
            Step(
                "输入梯度 = 完整卷积 (input gradient, full convolution)",
                "\\frac{\\partial L}{\\partial X} = \\tilde G \\star \\operatorname{rot180}(W)",
                "",
                pmatrix(r.grad_input),
            ),
            Step(
                f"验算 $x_{{{i}{j}}}$：它参与过的每个输出 × 当时乘的权重 (check one entry)",
                f"\\frac{{\\partial L}}{{\\partial x_{{{i}{j}}}}} = "
                f"\\sum_{{a,b}} g_{{ab}}\\, w_{{{i}-a,\\,{j}-b}}",
                _products(terms),
                num(float(r.grad_input[i, j])),
            ),
        ]
    else:
        terms = [(float(gs[a, b]), float(xs[a, b])) for a in range(out) for b in range(out)]
        steps += [
            Step(
                "权重梯度 = 输入与 $G$ 的互相关 (weight gradient)",
                "\\frac{\\partial L}{\\partial W} = X \\star G",
                "",
                pmatrix(r.grad_weight),
            ),
            Step(
                "验算 $w_{00}$：它在每个输出位置乘过的输入 (check one entry)",
                "\\frac{\\partial L}{\\partial w_{00}} = \\sum_{a,b} g_{ab}\\, x_{ab}",
                _products(terms),
                num(float(r.grad_weight[0, 0])),
            ),
            Step(
                "偏置梯度 (bias gradient)：$G$ 全部元素之和",
                "\\frac{\\partial L}{\\partial b} = \\sum_{a,b} g_{ab}",
                "",
                num(r.grad_bias),
            ),
        ]
    return WorkedExample(
        title=(
            f"单通道、步长 1：输入 ${xs.shape[0]}\\times{xs.shape[0]}$，"
            f"卷积核 ${k}\\times{k}$，输出 ${out}\\times{out}$"
        ),
        steps=tuple(steps),
    )


@dataclass(frozen=True, slots=True)
class Im2col:
    """Shapes (as element counts) of im2col + GEMM for one image."""

    out_size: int
    columns: int  # L = H_out W_out
    rows: int  # C k^2
    unfolded: int
    input_elements: int


def im2col_shape(channels: int, size: int, kernel: int, stride: int, padding: int) -> Im2col:
    """F.unfold turns a (C, H, W) input into (C k^2, L): one column per output position."""
    out = conv_output_size(size, kernel, stride, padding, 1)
    columns = out * out
    rows = channels * kernel * kernel
    return Im2col(out, columns, rows, rows * columns, channels * size * size)


@worked_example("im2col")
def im2col_example(
    channels: int = 64,
    size: int = 56,
    kernel: int = 3,
    stride: int = 1,
    padding: int = 1,
    out_channels: int = 128,
    dtype: FloatFormat = "fp32",
) -> WorkedExample:
    for name, value, low in (
        ("channels", channels, 1),
        ("size", size, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("out_channels", out_channels, 1),
    ):
        at_least(name, value, low)
    if kernel > size + 2 * padding:
        raise BadParameter("kernel", "is larger than the padded input")
    s = im2col_shape(channels, size, kernel, stride, padding)
    b = bytes_per_element(dtype)
    mib = 2**20
    return WorkedExample(
        title=(
            f"输入 ${channels}\\times{size}\\times{size}$，${kernel}\\times{kernel}$ 卷积，"
            f"步长 {stride}，填充 {padding}，{out_channels} 个卷积核，{dtype}"
        ),
        steps=(
            Step(
                "输出边长 (output size)",
                "o = \\lfloor (n+2p-k)/s \\rfloor + 1",
                f"\\lfloor ({num(size)}+2\\times{num(padding)}-{num(kernel)})/{num(stride)} "
                "\\rfloor + 1",
                num(s.out_size),
            ),
            Step(
                "展开矩阵的行：一个窗口的全部元素 (rows)",
                "C k^2",
                f"{num(channels)}\\times{num(kernel)}^2",
                num(s.rows),
            ),
            Step(
                "展开矩阵的列：每个输出位置一列 (columns)",
                "L = o^2",
                f"{num(s.out_size)}^2",
                num(s.columns),
            ),
            Step(
                "矩阵乘法 (GEMM)：权重 $(C_{out}, Ck^2)$ 乘展开矩阵 $(Ck^2, L)$",
                "(C_{out}, L)",
                "",
                f"({num(out_channels)},\\ {num(s.columns)})",
            ),
            Step(
                f"展开矩阵的内存 (unfolded, {dtype})",
                "C k^2 L \\times \\text{bytes}",
                f"{num(s.unfolded)}\\times{b}",
                f"{num(s.unfolded * b)}\\ \\text{{B}} \\approx "
                f"{num(s.unfolded * b / mib, 3)}\\ \\text{{MiB}}",
            ),
            Step(
                "原输入的内存 (input)",
                "C n^2 \\times \\text{bytes}",
                f"{num(s.input_elements)}\\times{b}",
                f"{num(s.input_elements * b)}\\ \\text{{B}} \\approx "
                f"{num(s.input_elements * b / mib, 3)}\\ \\text{{MiB}}",
            ),
            Step(
                "膨胀倍数 (blow-up)：每个像素被复制到最多 $k^2$ 个窗口",
                "\\frac{C k^2 L}{C n^2}",
                f"\\frac{{{num(s.unfolded)}}}{{{num(s.input_elements)}}}",
                num(s.unfolded / s.input_elements),
            ),
        ),
    )


# Lavin & Gray 2016, section 4.1: F(2x2, 3x3) = A^T [(G g G^T) * (B^T d B)] A.
WINOGRAD_BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
WINOGRAD_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=float)
WINOGRAD_AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)


def winograd_f2x2_3x3(tile: Matrix, kernel: Matrix) -> tuple[Matrix, int]:
    """The 2x2 output of a 3x3 correlation over a 4x4 tile, and the number of general
    multiplications it took (the element-wise product; the transforms use only additions
    and halvings, and the kernel transform is done once per filter)."""
    u = WINOGRAD_G @ kernel @ WINOGRAD_G.T
    v = WINOGRAD_BT @ tile @ WINOGRAD_BT.T
    m = u * v
    return WINOGRAD_AT @ m @ WINOGRAD_AT.T, m.size


def winograd_multiplications(m: int, r: int) -> tuple[int, int]:
    """Multiplications per m x m output tile of an r x r filter: direct, Winograd."""
    return m * m * r * r, (m + r - 1) ** 2


@worked_example("winograd-count")
def winograd_count_example(m: int = 2, r: int = 3) -> WorkedExample:
    between("m", m, 1, 8)  # the output tile's side
    between("r", r, 1, 7)  # the filter's side
    direct, fast = winograd_multiplications(m, r)
    return WorkedExample(
        title=(
            f"$F({m}\\times{m},\\ {r}\\times{r})$：一块 ${m}\\times{m}$ 输出，"
            f"${r}\\times{r}$ 卷积核"
        ),
        steps=(
            Step(
                "直接计算的乘法 (direct)：每个输出 $r^2$ 次",
                "m^2 r^2",
                f"{num(m)}^2\\times{num(r)}^2",
                num(direct),
            ),
            Step(
                "Winograd 的乘法：变换域逐元素相乘 (element-wise product)",
                "(m+r-1)^2",
                f"({num(m)}+{num(r)}-1)^2",
                num(fast),
            ),
            Step(
                "乘法减少的倍数 (reduction)",
                "\\frac{m^2 r^2}{(m+r-1)^2}",
                f"\\frac{{{num(direct)}}}{{{num(fast)}}}",
                num(direct / fast),
            ),
        ),
    )
