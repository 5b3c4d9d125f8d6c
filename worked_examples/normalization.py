"""Feature scaling and normalisation layers, step by step; the formulas (and their sources)
are in dlmath.normalization."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_factor, worked_example
from ankigen.checks import MAX_MAGNITUDE, Vector, between, checked_values
from dlmath.normalization import (
    NORM_EPS,
    NormKind,
    batchnorm_backward,
    batchnorm_eval,
    batchnorm_forward,
    feature_scaling,
    fold_batchnorm,
    norm_statistics,
    numerical_gradients,
    rms_norm,
    running_means,
)

from ._latex import mean_of, plain_tuple, signed_sum, stacked
from ._params import bounded, checked_like, positive_at_most

NORM_SHAPE = (2, 4, 2, 1)  # (N, C, H, W): small enough to print, C divisible by 1, 2, 4
NORM_SEED = 2  # picked so that no (n, c) pair holds two equal values


def _minus(left: str, value: float) -> str:
    """`left - value`, written `left + |value|` when value is negative."""
    return f"{left} - {num(value)}" if value >= 0 else f"{left} + {num(-value)}"


def _fraction(numerator: float, denominator: str) -> str:
    """`-\\frac{a}{b}` rather than `\\frac{-a}{b}`."""
    sign = "-" if numerator < 0 else ""
    return f"{sign}\\frac{{{num(abs(numerator))}}}{{{denominator}}}"


def _products(left: Vector, right: Vector) -> str:
    """`a_1 \\times b_1 + ...`, negative factors in parentheses, one product a line."""
    return stacked(
        *(
            f"{num_factor(float(a))}\\times {num_factor(float(b))}"
            for a, b in zip(left, right, strict=True)
        )
    )


def _math_list(values: Vector) -> str:
    """`a,\\ b,\\ c`; more than three values go on lines of at most three."""
    texts = [num(float(v)) for v in values]
    if len(texts) <= 3:
        return ",\\ ".join(texts)
    per_line = -(-len(texts) // -(-len(texts) // 3))  # balanced lines of at most three
    lines = [",\\ ".join(texts[i : i + per_line]) for i in range(0, len(texts), per_line)]
    return "\\begin{array}{l} " + ", \\\\ ".join(lines) + " \\end{array}"


# --- feature scaling -------------------------------------------------------------------------


@worked_example("feature-scaling")
def feature_scaling_example(values: Sequence[float] = (2.0, 4.0, 6.0, 8.0, 10.0)) -> WorkedExample:
    x = checked_values("values", values)
    if x.max() == x.min():
        raise BadParameter("values", "need at least two different values (max > min)")
    s = feature_scaling(values)
    pick = 1  # the second value: the first is often the minimum, which scales to a dull 0
    xi = float(x[pick])
    return WorkedExample(
        title=f"$x = ({', '.join(f'{v:g}' for v in values)})$，标准差用总体标准差 (除以 $n$)",
        steps=(
            Step(
                "最小值与最大值 (min, max)",
                "x_{\\min},\\ x_{\\max}",
                "",
                f"{num(s.low)},\\ {num(s.high)}",
            ),
            Step(
                "均值 (mean)",
                "\\mu = \\frac{1}{n}\\sum_{i} x_i",
                mean_of(x),
                num(s.mean),
            ),
            Step(
                "总体方差 (population variance, 除以 $n$ 而非 $n-1$)",
                "\\sigma^2 = \\frac{1}{n}\\sum_{i} (x_i-\\mu)^2",
                mean_of((x - s.mean) ** 2),
                num(s.variance),
            ),
            Step(
                "标准差 (std)",
                "\\sigma = \\sqrt{\\sigma^2}",
                f"\\sqrt{{{num(s.variance)}}}",
                num(s.std),
            ),
            Step(
                f"最小-最大缩放 (min-max)，以 $x = {xi:g}$ 为例",
                "x' = \\frac{x - x_{\\min}}{x_{\\max} - x_{\\min}}",
                f"\\frac{{{_minus(num(xi), s.low)}}}{{{_minus(num(s.high), s.low)}}}",
                num(float(s.min_max[pick])),
            ),
            Step(
                f"标准化 (z-score)，以 $x = {xi:g}$ 为例",
                "z = \\frac{x - \\mu}{\\sigma}",
                f"\\frac{{{_minus(num(xi), s.mean)}}}{{{num(s.std)}}}",
                num(float(s.z_score[pick])),
            ),
            Table(
                header=("$x$", "min-max $x'$", "z-score $z$"),
                rows=tuple(
                    (float(a), float(b), float(c))
                    for a, b, c in zip(x, s.min_max, s.z_score, strict=True)
                ),
                caption="min-max 落在 $[0, 1]$；z-score 均值 0、标准差 1",
            ),
        ),
    )


# --- batch norm forward ----------------------------------------------------------------------


def _check_bn_scalars(gamma: float, eps: float) -> None:
    bounded(gamma=gamma)
    between("eps", eps, 0.0, 1.0)  # PyTorch's default is 1e-5


@worked_example("batchnorm-forward")
def batchnorm_forward_example(
    batch: Sequence[float] = (1.0, 2.0, 3.0, 6.0),
    gamma: float = 2.0,
    beta: float = 0.5,
    eps: float = 1e-5,
    momentum: float = 0.1,
    x_eval: float | None = None,
) -> WorkedExample:
    """`x_eval` (added, optional): the input fed in eval mode; by default the batch's first value,
    so the card shows the same input giving a different output in training and inference."""
    x = checked_values("batch", batch)
    _check_bn_scalars(gamma, eps)
    bounded(beta=beta)
    between("momentum", momentum, 0.0, 1.0)  # PyTorch's default is 0.1
    if x.max() == x.min() and eps == 0:
        raise BadParameter("eps", "must be positive when every value in the batch is equal")
    query = float(x[0]) if x_eval is None else float(x_eval)
    bounded(x_eval=query)
    r = batchnorm_forward(batch, gamma, beta, eps, momentum, query)
    m = len(x)
    keep = 1 - momentum
    denominator = float(np.sqrt(r.variance + eps))
    eval_denominator = float(np.sqrt(r.running_var + eps))
    return WorkedExample(
        title=f"BatchNorm 前向 (一个特征, $m = {m}$)：$\\gamma = {gamma:g}$, $\\beta = {beta:g}$, "
        f"momentum $\\alpha = {momentum:g}$",
        steps=(
            Step(
                "批均值 (mini-batch mean)",
                "\\mu_B = \\frac{1}{m}\\sum_{i=1}^{m} x_i",
                mean_of(x),
                num(r.mean),
            ),
            Step(
                "有偏方差 (biased variance, 除以 m)",
                "\\sigma_B^2 = \\frac{1}{m}\\sum_{i=1}^{m} (x_i-\\mu_B)^2",
                mean_of((x - r.mean) ** 2),
                num(r.variance),
            ),
            Step(
                "归一化 (normalise)",
                "\\hat x_i = \\frac{x_i-\\mu_B}{\\sqrt{\\sigma_B^2+\\epsilon}}",
                f"\\frac{{{_minus('x_i', r.mean)}}}{{\\sqrt{{{num(r.variance)} + {num(eps)}}}}}",
                f"\\frac{{{_minus('x_i', r.mean)}}}{{{num(denominator)}}}",
            ),
            Step(
                "缩放与平移 (scale and shift)",
                "y_i = \\gamma \\hat x_i + \\beta",
                _minus(f"{num(gamma)}\\,\\hat x_i", -beta),
            ),
            Table(
                header=("$i$", "$x_i$", "$\\hat x_i$", "$y_i$"),
                rows=tuple(
                    (i, float(a), float(b), float(c))
                    for i, (a, b, c) in enumerate(zip(x, r.x_hat, r.y, strict=True), start=1)
                ),
                caption="训练模式 (train mode) 的输出",
            ),
            Step(
                "无偏方差 (unbiased variance, 只用于 running_var)",
                "s^2 = \\frac{m}{m-1}\\sigma_B^2",
                f"\\frac{{{m}}}{{{m - 1}}}\\times {num(r.variance)}",
                num(r.unbiased_variance),
            ),
            Step(
                "更新 running_mean $\\hat\\mu$ (初值 0)",
                "\\hat\\mu \\leftarrow (1-\\alpha)\\,\\hat\\mu + \\alpha\\,\\mu_B",
                f"{num(keep)}\\times 0 + {num(momentum)}\\times {num_factor(r.mean)}",
                num(r.running_mean),
            ),
            Step(
                "更新 running_var $\\hat\\sigma^2$ (初值 1)",
                "\\hat\\sigma^2 \\leftarrow (1-\\alpha)\\,\\hat\\sigma^2 + \\alpha\\, s^2",
                f"{num(keep)}\\times 1 + {num(momentum)}\\times {num(r.unbiased_variance)}",
                num(r.running_var),
            ),
            Step(
                f"推理 (eval mode) 用 running 统计量，输入 $x = {query:g}$",
                "y = \\gamma\\,\\frac{x-\\hat\\mu}{\\sqrt{\\hat\\sigma^2+\\epsilon}} + \\beta",
                _minus(
                    f"{num(gamma)}\\times\\frac{{{_minus(num(query), r.running_mean)}}}"
                    f"{{{num(eval_denominator)}}}",
                    -beta,
                ),
                num(r.eval_output),
            ),
            Step(
                "注意：PyTorch 的 momentum 是新值的权重；Keras 的 momentum 是旧值的权重 "
                "(Keras 0.99 相当于 PyTorch 0.01)"
            ),
        ),
    )


# --- batch norm backward ---------------------------------------------------------------------


@worked_example("batchnorm-backward")
def batchnorm_backward_example(
    batch: Sequence[float] = (1.0, 2.0, 3.0, 6.0),
    upstream: Sequence[float] = (0.1, -0.2, 0.3, 0.4),
    gamma: float = 2.0,
    eps: float = 1e-5,
) -> WorkedExample:
    """`eps` (added, optional) is BatchNorm's epsilon, PyTorch's default."""
    x = checked_values("batch", batch)
    g = checked_like("upstream", upstream, x, "batch element")
    _check_bn_scalars(gamma, eps)
    if x.max() == x.min():
        raise BadParameter("batch", "need at least two different values (else x_hat = 0)")
    r = batchnorm_backward(batch, upstream, gamma, eps)
    h = 1e-5
    num_dx, num_dgamma, num_dbeta = numerical_gradients(batch, upstream, gamma, eps, h)
    worst = max(
        float(np.max(np.abs(num_dx - r.d_x))),
        abs(num_dgamma - r.d_gamma),
        abs(num_dbeta - r.d_beta),
    )
    m = len(x)
    s = float(np.sqrt(r.variance + eps))
    centred = x - r.mean
    i = int(np.argmax(np.abs(centred)))  # an element where all three terms of dL/dx_i matter
    return WorkedExample(
        title=(
            f"BatchNorm 反向 ($m = {m}$, $\\gamma = {gamma:g}$)："
            "上游梯度 $g_i = \\partial L/\\partial y_i$"
        ),
        steps=(
            Step(
                "前向回顾 (forward recap)",
                "\\mu_B,\\ \\sigma_B^2,\\ s = \\sqrt{\\sigma_B^2+\\epsilon}",
                "",
                f"{num(r.mean)},\\ {num(r.variance)},\\ {num(s)}",
            ),
            Step(
                "归一化值 (normalised)",
                "\\hat x_i = \\frac{x_i-\\mu_B}{s}",
                "",
                _math_list(r.x_hat),
            ),
            Step(
                "对 $\\beta$ 的梯度",
                "\\frac{\\partial L}{\\partial \\beta} = \\sum_i g_i",
                signed_sum(g),
                num(r.d_beta),
            ),
            Step(
                "对 $\\gamma$ 的梯度",
                "\\frac{\\partial L}{\\partial \\gamma} = \\sum_i g_i \\hat x_i",
                _products(g, r.x_hat),
                num(r.d_gamma),
            ),
            Step(
                "对 $\\hat x_i$ 的梯度",
                "\\frac{\\partial L}{\\partial \\hat x_i} = \\gamma g_i",
                "",
                _math_list(r.d_x_hat),
            ),
            Step(
                "对方差 $\\sigma_B^2$ 的梯度",
                "\\frac{\\partial L}{\\partial \\sigma_B^2} = -\\frac{1}{2s^3}\\sum_i "
                "\\frac{\\partial L}{\\partial \\hat x_i}(x_i-\\mu_B)",
                _fraction(-float(np.sum(r.d_x_hat * centred)), f"2\\times {num(s)}^3"),
                num(r.d_variance),
            ),
            Step(
                "对均值 $\\mu_B$ 的梯度 "
                "(经 $\\sigma_B^2$ 的项为 0，因为 $\\sum_i (x_i-\\mu_B) = 0$)",
                "\\frac{\\partial L}{\\partial \\mu_B} = -\\frac{1}{s}\\sum_i "
                "\\frac{\\partial L}{\\partial \\hat x_i}",
                _fraction(-float(np.sum(r.d_x_hat)), num(s)),
                num(r.d_mean),
            ),
            Step(
                f"对输入的梯度，以 $i = {i + 1}$ ($x_{{{i + 1}}} = {num(float(x[i]))}$) 为例",
                "\\begin{array}{l} \\frac{\\partial L}{\\partial x_i} = \\frac{1}{s}"
                "\\frac{\\partial L}{\\partial \\hat x_i} \\\\ \\quad {}+ \\frac{2(x_i-\\mu_B)}{m}"
                "\\frac{\\partial L}{\\partial \\sigma_B^2} \\\\ \\quad {}+ \\frac{1}{m}"
                "\\frac{\\partial L}{\\partial \\mu_B} \\end{array}",
                stacked(
                    _fraction(float(r.d_x_hat[i]), num(s)),
                    f"\\frac{{2\\times {num_factor(float(centred[i]))}}}{{{m}}}\\times "
                    + num_factor(r.d_variance),
                    _fraction(r.d_mean, str(m)),
                ),
                num(float(r.d_x[i])),
            ),
            Table(
                header=("$x_i$", "$g_i$", "解析梯度", "数值梯度"),
                rows=tuple(
                    tuple(float(v) for v in row) for row in zip(x, g, r.d_x, num_dx, strict=True)
                ),
                caption=(
                    "$\\partial L/\\partial x_i$：解析梯度 (Ioffe & Szegedy 2015) "
                    "与中心差分数值梯度 (numeric)"
                ),
            ),
            Step(
                f"梯度检查 (gradient check)：中心差分 $h = {num(h)}$，"
                "对所有 $x_i$、$\\gamma$、$\\beta$",
                "\\max\\left|\\frac{\\partial L}{\\partial \\theta} - "
                "\\frac{L(\\theta+h)-L(\\theta-h)}{2h}\\right|",
                "",
                num(worst),
            ),
        ),
    )


# --- BN / LN / IN / GN statistics ------------------------------------------------------------


def norm_input() -> Vector:
    """The fixed (N, C, H, W) = (2, 4, 2, 1) tensor of small integers the card shows."""
    values = np.random.default_rng(NORM_SEED).integers(0, 10, size=NORM_SHAPE)
    return values.astype(np.float64)


_AXES: dict[str, tuple[str, str, str]] = {
    # kind -> (label, mean formula, one set's name in the table)
    "bn": (
        "BatchNorm：每个通道一组，平均 N、H、W 三个轴 (axes N, H, W)",
        "\\mu_c = \\frac{1}{NHW}\\sum\\limits_{n,h,w} x_{nchw}",
        "通道 $c$ (channel)",
    ),
    "ln": (
        "LayerNorm：每个样本一组，平均 C、H、W (axes C, H, W)",
        "\\mu_n = \\frac{1}{CHW}\\sum\\limits_{c,h,w} x_{nchw}",
        "样本 $n$ (sample)",
    ),
    "in": (
        "InstanceNorm：每个样本的每个通道一组，平均 H、W (axes H, W)",
        "\\mu_{nc} = \\frac{1}{HW}\\sum\\limits_{h,w} x_{nchw}",
        "样本 $n$, 通道 $c$",
    ),
    "gn": (
        "GroupNorm：每个样本的每组通道一组，平均组内 $C/G$ 个通道和 H、W",
        "\\mu_{ng} = \\frac{G}{CHW}\\sum\\limits_{c\\in g,\\,h,w} x_{nchw}",
        "样本 $n$, 组 $g$ (group)",
    ),
}


def _set_names(kind: NormKind, n: int, c: int, groups: int) -> list[str]:
    """Zero-based names of the normalisation sets, in the order of the flattened statistics."""
    if kind == "bn":
        return [f"$c={j}$" for j in range(c)]
    if kind == "ln":
        return [f"$n={i}$" for i in range(n)]
    if kind == "in":
        return [f"$n={i}$, $c={j}$" for i in range(n) for j in range(c)]
    per = c // groups
    members = [", ".join(str(j) for j in range(k * per, (k + 1) * per)) for k in range(groups)]
    return [
        f"$n={i}$, $g={k}$ ($c \\in \\{{{members[k]}\\}}$)" for i in range(n) for k in range(groups)
    ]


def _set_size_formula(kind: NormKind, groups: int) -> tuple[str, str]:
    n, c, h, w = NORM_SHAPE
    if kind == "bn":
        return "NHW", f"{n}\\times {h}\\times {w}"
    if kind == "ln":
        return "CHW", f"{c}\\times {h}\\times {w}"
    if kind == "in":
        return "HW", f"{h}\\times {w}"
    return "CHW/G", f"{c}\\times {h}\\times {w}/{groups}"


@worked_example("norm-layer-stats")
def norm_layer_stats_example(kind: NormKind = "ln", groups: int = 2) -> WorkedExample:
    n, c, h, w = NORM_SHAPE
    if groups < 1 or c % groups:
        raise BadParameter("groups", f"must divide the {c} channels: 1, 2 or 4")
    x = norm_input()
    mean, var, out = norm_statistics(x, kind, groups)
    label, formula, set_header = _AXES[kind]
    size_symbol, size_numbers = _set_size_formula(kind, groups)
    names = _set_names(kind, n, c, groups)
    first_mean, first_var = float(mean.flat[0]), float(var.flat[0])
    first = float(x[0, 0, 0, 0])
    steps: list[Step | Table] = [
        Table(
            header=("$n$", "$c$", "$h=0$", "$h=1$"),
            rows=tuple(
                (str(i), str(j), float(x[i, j, 0, 0]), float(x[i, j, 1, 0]))
                for i in range(n)
                for j in range(c)
            ),
            caption=f"输入 $x$，形状 $(N, C, H, W) = ({n}, {c}, {h}, {w})$，下标从 0 开始",
        ),
        Step(label, formula, "", ""),
        Step(
            "每组的元素个数 (values per set)",
            size_symbol,
            size_numbers,
            num(x.size // mean.size),
        ),
        Table(
            header=(set_header, "$\\mu$", "$\\sigma^2$ (有偏 biased)"),
            rows=tuple(
                (name, float(a), float(b))
                for name, a, b in zip(names, mean.flat, var.flat, strict=True)
            ),
            caption=f"共 {mean.size} 组统计量 (sets of statistics)",
        ),
        Step(
            f"归一化一个值 (normalise $x_{{0,0,0,0}}$)，$\\epsilon = {num(NORM_EPS)}$",
            "\\hat x = \\frac{x-\\mu}{\\sqrt{\\sigma^2+\\epsilon}}",
            f"\\frac{{{_minus(num(first), first_mean)}}}"
            f"{{\\sqrt{{{num(first_var)} + {num(NORM_EPS)}}}}}",
            num(float(out[0, 0, 0, 0])),
        ),
    ]
    if kind == "gn":
        steps.append(Step(f"$G = 1$ 时 GroupNorm 即 LayerNorm，$G = C = {c}$ 时即 InstanceNorm"))
    if kind == "bn":
        steps.append(Step("推理时 BN 改用 running 统计量；LN、IN、GN 训练和推理算法相同"))
    else:
        steps.append(Step("统计量只依赖单个样本：与 batch 大小无关，训练和推理算法相同"))
    title_kind = {"bn": "BN", "ln": "LN", "in": "IN", "gn": f"GN ($G = {groups}$)"}[kind]
    return WorkedExample(title=f"{title_kind} 在哪些轴上求均值和方差", steps=tuple(steps))


# --- folding BN into the preceding convolution -----------------------------------------------


@worked_example("bn-fold")
def bn_fold_example(
    weights: Sequence[float] = (0.5, -1.0, 2.0),
    bias: float = 0.2,
    gamma: float = 1.5,
    beta: float = 0.1,
    mean: float = 0.4,
    var: float = 0.25,
    patch: Sequence[float] = (1.0, 2.0, 0.5),
    eps: float = NORM_EPS,
) -> WorkedExample:
    """One output channel of a 1x3 convolution and the BN after it, in eval mode."""
    w = checked_values("weights", weights)
    x = checked_like("patch", patch, w, "weight")
    _check_bn_scalars(gamma, eps)
    bounded(bias=bias, beta=beta, mean=mean)
    positive_at_most("var", var, MAX_MAGNITUDE)  # a running variance
    f = fold_batchnorm(
        w[None, :],
        np.array([bias]),
        np.array([gamma]),
        np.array([beta]),
        np.array([mean]),
        np.array([var]),
        eps,
    )
    s = float(f.scale[0])
    w_fold = f.weight[0]
    b_fold = float(f.bias[0])
    z = float(w @ x) + bias
    y_bn = batchnorm_eval(z, gamma, beta, mean, var, eps)
    y_fold = float(w_fold @ x) + b_fold
    return WorkedExample(
        title=(
            f"一个输出通道：$w = {plain_tuple(w)}$, $b = {num(bias)}$；"
            f"BN：$\\gamma = {num(gamma)}$, $\\beta = {num(beta)}$, "
            f"$\\mu = {num(mean)}$, $\\sigma^2 = {num(var)}$"
        ),
        steps=(
            Step(
                "缩放因子 (scale)",
                "s = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\epsilon}}",
                f"\\frac{{{num(gamma)}}}{{\\sqrt{{{num(var)} + {num(eps)}}}}}",
                num(s),
            ),
            Step("折叠后的权重 (folded weight)", "w' = s\\,w", "", _math_list(w_fold)),
            Step(
                "折叠后的偏置 (folded bias)",
                "b' = s\\,(b-\\mu) + \\beta",
                _minus(f"{num(s)}\\times ({_minus(num(bias), mean)})", -beta),
                num(b_fold),
            ),
            Step(
                f"检验：输入 $x = {plain_tuple(x)}$，先卷积",
                "z = w\\cdot x + b",
                "",
                num(z),
            ),
            Step(
                "再做推理模式的 BN",
                "y = \\gamma\\,\\frac{z-\\mu}{\\sqrt{\\sigma^2+\\epsilon}} + \\beta",
                _minus(
                    f"{num(gamma)}\\times\\frac{{{_minus(num(z), mean)}}}"
                    f"{{\\sqrt{{{num(var)} + {num(eps)}}}}}",
                    -beta,
                ),
                num(y_bn),
            ),
            Step("折叠后一次卷积 (one conv)", "y = w'\\cdot x + b'", "", num(y_fold)),
        ),
    )


# --- running statistics: exponential vs cumulative average -----------------------------------


@worked_example("bn-cumulative-average")
def bn_cumulative_average_example(
    batch_means: Sequence[float] = (3.0, 5.0, 4.0, 4.0),
    momentum: float = 0.1,
) -> WorkedExample:
    means = checked_values("batch_means", batch_means, low=1)
    positive_at_most("momentum", momentum, 1.0)  # PyTorch's default is 0.1
    ema = running_means(batch_means, momentum)
    cma = running_means(batch_means, None)
    k = len(means)
    return WorkedExample(
        title=f"running_mean 从 0 开始，连续 {k} 个批的均值 $\\mu_B$",
        steps=(
            Step(
                f"momentum $= {num(momentum)}$：指数滑动平均",
                "\\hat\\mu_k = (1-\\alpha)\\,\\hat\\mu_{k-1} + \\alpha\\,\\mu_{B,k}",
            ),
            Step(
                "momentum = None：第 $k$ 个批取 $\\alpha = 1/k$，即简单平均",
                "\\hat\\mu_k = \\frac{1}{k}\\sum_{j=1}^{k} \\mu_{B,j}",
            ),
            Table(
                header=("$k$", "$\\mu_B$", f"$\\alpha = {num(momentum)}$", "None"),
                rows=tuple(
                    (str(i), float(a), float(b), float(c))
                    for i, (a, b, c) in enumerate(zip(means, ema, cma, strict=True), start=1)
                ),
                caption="每个批之后的 running_mean（PyTorch BatchNorm）",
            ),
            Step(
                f"初值 0 在指数平均中的剩余权重 (weight of the start), $k = {k}$",
                "(1-\\alpha)^k",
                f"{num(1 - momentum)}^{{{k}}}",
                num((1 - momentum) ** k),
            ),
        ),
    )


# --- RMSNorm ---------------------------------------------------------------------------------


@worked_example("rmsnorm")
def rmsnorm_example(
    x: Sequence[float] = (1.0, -2.0, 3.0, 2.0),
    eps: float = 1e-6,
) -> WorkedExample:
    """Gains of 1 so the card compares RMSNorm with LayerNorm (no affine) on the same x."""
    v = checked_values("x", x)
    between("eps", eps, 0.0, 1.0)
    if not np.any(v) and eps == 0:
        raise BadParameter("eps", "must be positive when every value is 0")
    if v.max() == v.min():
        raise BadParameter("x", "need at least two different values (LayerNorm gives 0)")
    rms, y = rms_norm(v, np.ones_like(v), eps)
    ln = feature_scaling(x)
    n = len(v)
    return WorkedExample(
        title=f"$x = {plain_tuple(v)}$，$g_i = 1$，$\\epsilon = {num(eps)}$",
        steps=(
            Step(
                "均方根 (root mean square)",
                "\\mathrm{RMS}(x) = \\sqrt{\\frac{1}{n}\\sum_i x_i^2 + \\epsilon}",
                f"\\sqrt{{\\frac{{{' + '.join(f'{num_factor(float(a))}^2' for a in v)}}}{{{n}}}"
                f" + {num(eps)}}}",
                num(rms),
            ),
            Step("RMSNorm", "y_i = \\frac{x_i}{\\mathrm{RMS}(x)}\\, g_i", "", _math_list(y)),
            Step(
                "对比 LayerNorm：先减均值 (mean)",
                "\\mu = \\frac{1}{n}\\sum_i x_i",
                "",
                num(ln.mean),
            ),
            Step(
                "LayerNorm 除以标准差",
                "\\frac{x_i-\\mu}{\\sigma}",
                f"\\frac{{x_i - {num_factor(ln.mean)}}}{{{num(ln.std)}}}",
                _math_list(ln.z_score),
            ),
            Step(
                "RMSNorm 的输出均值一般不为 0",
                "\\frac{1}{n}\\sum_i y_i",
                "",
                num(float(y.mean())),
            ),
        ),
    )
