"""Transformer arithmetic on cards: attention parameters, scaling and cost, and number
formats; the formulas (and their sources) are in dlmath.transformer and dlmath.precision."""

from __future__ import annotations

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import at_least, between
from dlmath.layer_params import linear_params
from dlmath.precision import LAYOUTS, format_limits, loss_scaling
from dlmath.transformer import attention_cost, attention_parameters, attention_scaling_stats


def _check_heads(d_model: int, heads: int) -> None:
    """PyTorch's MultiheadAttention splits d_model evenly among the heads."""
    at_least("d_model", d_model, 1)
    if heads < 1 or d_model % heads:
        raise BadParameter("heads", f"must divide d_model ({d_model})")


@worked_example("attention-params")
def attention_params_example(
    d_model: int = 512, heads: int = 8, bias: bool = True
) -> WorkedExample:
    _check_heads(d_model, heads)
    d_k = d_model // heads
    per_projection = linear_params(d_model, d_model, bias)
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


@worked_example("attention-scaling")
def attention_scaling_example(
    d_k: int = 64, keys: int = 16, rows: int = 2000, seed: int = 0
) -> WorkedExample:
    between("d_k", d_k, 1, 4096)
    between("keys", keys, 2, 1024)
    between("rows", rows, 10, 100_000)
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
                        stats.max_prob_unscaled,
                        stats.max_prob_scaled,
                    ),
                ),
                caption="不缩放时 softmax 接近 one-hot，梯度很小",
            ),
        ),
    )


@worked_example("attention-cost")
def attention_cost_example(
    seq_len: int = 1024, d_model: int = 512, heads: int = 8
) -> WorkedExample:
    at_least("seq_len", seq_len, 1)
    _check_heads(d_model, heads)
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
    between("scale", scale, 1, 2.0**24)
    fp16 = format_limits("fp16")
    r = loss_scaling(gradient, scale)
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
                num(r.as_fp16),
            ),
            Step(
                "先把损失乘以 S：梯度同样放大 (chain rule)",
                "S\\cdot g",
                f"{num(scale)}\\times\\left({num(gradient)}\\right)",
                num(r.scaled_fp16),
            ),
            Step(
                "在 fp32 中除回 S (unscale before the update)",
                "\\frac{\\mathrm{fp16}(S g)}{S}",
                "",
                num(r.recovered),
            ),
        ),
    )
