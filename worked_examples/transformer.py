"""Transformer arithmetic: attention parameters, scaling, cost, and number formats.

Follows Vaswani et al. 2017 ("Attention Is All You Need"), torch.nn.MultiheadAttention,
Micikevicius et al. 2018 ("Mixed Precision Training") and IEEE 754 / bfloat16 layouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example


def attention_parameters(d_model: int, bias: bool) -> int:
    """Q, K, V and output projections, each d_model x d_model (heads only split them)."""
    return 4 * d_model * d_model + (4 * d_model if bias else 0)


@worked_example("attention-params")
def attention_params_example(
    d_model: int = 512, heads: int = 8, bias: bool = True
) -> WorkedExample:
    if d_model < 1:
        raise BadParameter("d_model", "must be at least 1")
    if heads < 1 or d_model % heads:
        raise BadParameter("heads", f"must divide d_model ({d_model})")
    d_k = d_model // heads
    per_projection = d_model * d_model + (d_model if bias else 0)
    total = attention_parameters(d_model, bias)
    bias_term = f" + {num(d_model)}" if bias else ""
    return WorkedExample(
        title=(
            f"$d_{{\\text{{model}}}} = {d_model}$, $h = {heads}$, "
            f"bias={'True' if bias else 'False'}"
        ),
        steps=(
            Step(
                "每个头的维度 (per-head dimension)",
                "d_k = d_{\\text{model}}/h",
                f"{num(d_model)}/{num(heads)}",
                num(d_k),
            ),
            Step(
                "一个投影矩阵 (one projection: $h$ 个头拼在一起)",
                "d_{\\text{model}}\\cdot(h\\, d_k)" + (" + d_{\\text{model}}" if bias else ""),
                f"{num(d_model)}\\times{num(d_model)}{bias_term}",
                num(per_projection),
            ),
            Step(
                "Q、K、V、输出共 4 个投影 (total)",
                "4d_{\\text{model}}^2" + (" + 4d_{\\text{model}}" if bias else ""),
                f"4\\times{num(per_projection)}",
                num(total),
            ),
            Step(
                "与头数 $h$ 无关：$h$ 只决定如何把 $d_{\\text{model}}$ 切成多个头 "
                "(independent of $h$)"
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class ScalingStats:
    variance_unscaled: float
    variance_scaled: float
    max_prob_unscaled: float
    max_prob_scaled: float


def attention_scaling_stats(d_k: int, keys: int, rows: int, seed: int) -> ScalingStats:
    """Monte-Carlo: q, k with i.i.d. N(0, 1) components, as the paper's footnote assumes."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((rows, 1, d_k))
    k = rng.standard_normal((rows, keys, d_k))
    scores = (q * k).sum(axis=-1)
    scaled = scores / np.sqrt(d_k)

    def mean_max_softmax(logits: np.ndarray) -> float:
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return float((shifted / shifted.sum(axis=1, keepdims=True)).max(axis=1).mean())

    return ScalingStats(
        float(scores.var()), float(scaled.var()), mean_max_softmax(scores), mean_max_softmax(scaled)
    )


@worked_example("attention-scaling")
def attention_scaling_example(
    d_k: int = 64, keys: int = 16, rows: int = 2000, seed: int = 0
) -> WorkedExample:
    if not 1 <= d_k <= 4096:
        raise BadParameter("d_k", "must be between 1 and 4096")
    if not 2 <= keys <= 1024:
        raise BadParameter("keys", "must be between 2 and 1024")
    if not 10 <= rows <= 100_000:
        raise BadParameter("rows", "must be between 10 and 100000")
    stats = attention_scaling_stats(d_k, keys, rows, seed)
    return WorkedExample(
        title=(
            f"$d_k = {d_k}$，每行 {keys} 个键，模拟 {rows} 行 "
            "($q$、$k$ 各分量独立 $\\mathcal{N}(0, 1)$)"
        ),
        steps=(
            Step(
                "点积的方差 (variance of $q\\cdot k$, theory)",
                "\\operatorname{Var}(q\\cdot k) = \\sum_{i=1}^{d_k} \\operatorname{Var}(q_i k_i)",
                f"{num(d_k)}\\times 1",
                num(d_k),
            ),
            Step("模拟得到的方差 (simulated)", "", "", num(stats.variance_unscaled)),
            Step(
                "除以 $\\sqrt{d_k}$ 之后 (after scaling)",
                "\\operatorname{Var}\\left(\\frac{q\\cdot k}{\\sqrt{d_k}}\\right)",
                f"\\frac{{{num(d_k)}}}{{{num(d_k)}}}",
                f"1 \\;(\\text{{simulated }} {num(stats.variance_scaled)})",
            ),
            Table(
                header=("", "不缩放 (unscaled)", "缩放 (scaled)"),
                rows=(
                    (
                        "softmax 最大概率的平均 (mean max probability)",
                        f"${num(stats.max_prob_unscaled)}$",
                        f"${num(stats.max_prob_scaled)}$",
                    ),
                ),
                caption="不缩放时 softmax 接近 one-hot，梯度很小",
            ),
        ),
    )


def attention_cost(seq_len: int, d_model: int) -> tuple[int, int, int]:
    """MACs of one self-attention layer: projections, QK^T, and attention-weighted V."""
    projections = 4 * seq_len * d_model * d_model
    scores = seq_len * seq_len * d_model
    weighted_values = seq_len * seq_len * d_model
    return projections, scores, weighted_values


@worked_example("attention-cost")
def attention_cost_example(
    seq_len: int = 1024, d_model: int = 512, heads: int = 8
) -> WorkedExample:
    if seq_len < 1:
        raise BadParameter("seq_len", "must be at least 1")
    if d_model < 1 or heads < 1 or d_model % heads:
        raise BadParameter("heads", f"must divide d_model ({d_model})")
    projections, scores, weighted = attention_cost(seq_len, d_model)
    doubled = attention_cost(2 * seq_len, d_model)
    return WorkedExample(
        title=(
            f"$n = {seq_len}$, $d_{{\\text{{model}}}} = {d_model}$, $h = {heads}$ "
            "(MACs: multiply-accumulates)"
        ),
        steps=(
            Step(
                "Q、K、V、输出投影 (projections)",
                "4 n d_{\\text{model}}^2",
                f"4\\times{num(seq_len)}\\times{num(d_model)}^2",
                num(projections),
            ),
            Step(
                "注意力分数 $QK^\\top$ (all heads)",
                "h\\cdot n^2 d_k = n^2 d_{\\text{model}}",
                f"{num(seq_len)}^2\\times{num(d_model)}",
                num(scores),
            ),
            Step("加权求和 $AV$ (all heads)", "n^2 d_{\\text{model}}", "", num(weighted)),
            Step(
                "注意力矩阵大小 (attention weights stored)",
                "h\\cdot n^2",
                f"{num(heads)}\\times{num(seq_len)}^2",
                num(heads * seq_len * seq_len),
            ),
            Step(
                "序列长度翻倍时 $n^2$ 项 ($n$ doubled)",
                "\\frac{(2n)^2}{n^2}",
                f"\\frac{{{num(doubled[1])}}}{{{num(scores)}}}",
                num(doubled[1] / scores),
            ),
        ),
    )


FloatFormat = Literal["fp32", "fp16", "bf16"]
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


@worked_example("float-formats")
def float_formats_example(formats: list[str] | None = None) -> WorkedExample:
    chosen = formats if formats is not None else ["fp32", "fp16", "bf16"]
    for name in chosen:
        if name not in LAYOUTS:
            raise BadParameter("formats", f"'{name}' is not one of fp32, fp16, bf16")
    limits = {name: format_limits(name) for name in chosen}

    def values(quantity: str, header: str) -> Table:
        """One small table per quantity: three 10^38-sized numbers side by side need 400 px."""
        return Table(
            header=("格式 (format)", header),
            rows=tuple((name, f"${num(getattr(limits[name], quantity), 5)}$") for name in chosen),
        )

    return WorkedExample(
        title="由位数算出的数值范围 (from the bit layout)",
        steps=(
            Table(
                header=("格式 (format)", "符号 + 指数 + 尾数"),
                rows=tuple(
                    (name, f"$1 + {limits[name].exponent_bits} + {limits[name].mantissa_bits}$")
                    for name in chosen
                ),
                caption="$e$: 指数位数, $m$: 尾数位数",
            ),
            Step("最大值 (largest finite)", "(2 - 2^{-m})\\cdot 2^{2^{e-1}-1}"),
            values("max_value", "最大值"),
            Step("最小正规数 (smallest normal)", "2^{2 - 2^{e-1}}"),
            values("min_normal", "最小正规数"),
            Step("机器精度 (epsilon: gap after 1)", "2^{-m}"),
            values("epsilon", "epsilon"),
        ),
    )


@worked_example("loss-scaling")
def loss_scaling_example(gradient: float = 1e-8, scale: float = 65536.0) -> WorkedExample:
    if not 0 < gradient < 1:
        raise BadParameter("gradient", "must be between 0 and 1")
    if not 1 <= scale <= 2.0**24:
        raise BadParameter("scale", "must be between 1 and 2^24")
    fp16 = format_limits("fp16")
    as_fp16 = float(np.float16(gradient))
    scaled = gradient * scale
    scaled_fp16 = float(np.float16(scaled))
    recovered = float(np.float32(scaled_fp16) / np.float32(scale))
    return WorkedExample(
        title=f"梯度 $g = {num(gradient)}$，损失缩放因子 $S = {num(scale)}$",
        steps=(
            Step(
                "fp16 能表示的最小正数 (smallest subnormal)", "2^{-24}", "", num(fp16.min_subnormal)
            ),
            Step(
                "直接存成 fp16 (underflow)",
                "\\mathrm{fp16}(g)",
                f"\\operatorname{{fp16}}\\left({num(gradient)}\\right)",
                num(as_fp16),
            ),
            Step(
                "先把损失乘以 S：梯度同样放大 (chain rule)",
                "S\\cdot g",
                f"{num(scale)}\\times\\left({num(gradient)}\\right)",
                num(scaled_fp16),
            ),
            Step(
                "在 fp32 中除回 S (unscale before the update)",
                "\\frac{\\mathrm{fp16}(S g)}{S}",
                "",
                num(recovered),
            ),
        ),
    )
