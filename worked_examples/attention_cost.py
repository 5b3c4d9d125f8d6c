"""Transformer sizes and costs on cards: layer parameters, BERT-base, the KV cache, online
softmax, the SwiGLU width and Swin window attention; the formulas (and their sources) are in
dlmath.transformer."""

from __future__ import annotations

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import Vector, between, checked_values
from dlmath.activations import stable_softmax
from dlmath.layer_params import layernorm_params
from dlmath.transformer import (
    attention_parameters,
    bert_parameters,
    encoder_layer_parameters,
    ffn_parameters,
    kv_cache_bytes,
    online_softmax,
    swiglu_hidden,
    swin_attention_cost,
)

from ._params import dimensions

GIB = 2**30


# --- parameters of one Transformer layer and of BERT-base -------------------------------


@worked_example("transformer-layer-params")
def transformer_layer_params_example(d_model: int = 768, d_ff: int = 3072) -> WorkedExample:
    dimensions(d_model=d_model, d_ff=d_ff)
    attention = attention_parameters(d_model, bias=True)
    ffn = ffn_parameters(d_model, d_ff)
    total = encoder_layer_parameters(d_model, d_ff)
    approx = 4 * d_model**2 + 2 * d_model * d_ff
    return WorkedExample(
        title=f"$d = {d_model}$，$d_{{ff}} = {d_ff}$（带偏置）",
        steps=(
            Step(
                "注意力：Q、K、V、输出投影 (attention)",
                "4d^2 + 4d",
                f"4\\times{num(d_model)}^2 + 4\\times{num(d_model)}",
                num(attention),
            ),
            Step(
                "前馈层 (FFN)",
                "2d\\,d_{ff} + d_{ff} + d",
                f"2\\times{num(d_model)}\\times{num(d_ff)} + {num(d_ff + d_model)}",
                num(ffn),
            ),
            Step(
                "两个 LayerNorm ($\\gamma$, $\\beta$)",
                "2\\times 2d",
                "",
                num(2 * layernorm_params(d_model)),
            ),
            Step("一层合计 (per layer)", "", "", num(total)),
            Step(
                "只数权重矩阵 (weights only)",
                "4d^2 + 2d\\,d_{ff}",
                f"{num(4 * d_model**2)} + {num(2 * d_model * d_ff)}",
                num(approx),
            ),
            Step(
                "$d_{ff} = 4d$ 时即 $12d^2$；占一层的比例",
                "\\frac{12d^2}{\\text{total}}",
                f"\\frac{{{num(approx)}}}{{{num(total)}}}",
                num(approx / total, 5),
            ),
        ),
    )


@worked_example("bert-params")
def bert_params_example(
    layers: int = 12,
    d_model: int = 768,
    d_ff: int = 3072,
    vocab: int = 30522,
    positions: int = 512,
    segments: int = 2,
) -> WorkedExample:
    dimensions(layers=layers, d_model=d_model, d_ff=d_ff, vocab=vocab, positions=positions)
    between("segments", segments, 1, 100)
    count = bert_parameters(layers, d_model, d_ff, vocab, positions, segments)
    rows = vocab + positions + segments
    return WorkedExample(
        title=f"$L = {layers}$，$d = {d_model}$，词表 ${num(vocab)}$",
        steps=(
            Step(
                "嵌入表的行数：词 + 位置 + 段",
                "V + P + S",
                f"{num(vocab)} + {num(positions)} + {num(segments)}",
                num(rows),
            ),
            Step(
                "嵌入参数，再加 LN",
                "(V + P + S)\\,d + 2d",
                f"{num(rows)}\\times{num(d_model)} + {num(layernorm_params(d_model))}",
                num(count.embeddings),
            ),
            Step("每层：注意力 + FFN + 2 个 LN (per layer)", "", "", num(count.per_layer)),
            Step(
                f"{layers} 层编码器",
                "L\\times\\text{per layer}",
                f"{num(layers)}\\times{num(count.per_layer)}",
                num(count.encoder),
            ),
            Step("pooler（$d\\times d$ 全连接）", "d^2 + d", "", num(count.pooler)),
            Step("合计 (total)", "", "", num(count.total)),
        ),
    )


# --- KV cache --------------------------------------------------------------------------


@worked_example("kv-cache-memory")
def kv_cache_memory_example(
    layers: int = 32,
    heads: int = 32,
    kv_heads: int = 32,
    head_dim: int = 128,
    seq_len: int = 4096,
    batch: int = 1,
    bytes_per_value: int = 2,
) -> WorkedExample:
    dimensions(layers=layers, heads=heads, head_dim=head_dim, seq_len=seq_len, batch=batch)
    if not 1 <= kv_heads <= heads or heads % kv_heads:
        raise BadParameter("kv_heads", f"must divide heads ({heads})")
    if bytes_per_value not in (1, 2, 4):
        raise BadParameter("bytes_per_value", "must be 1, 2 or 4")
    per_token = kv_cache_bytes(layers, kv_heads, head_dim, 1, 1, bytes_per_value)
    total = kv_cache_bytes(layers, kv_heads, head_dim, seq_len, batch, bytes_per_value)
    steps: list[Step | Table] = [
        Step(
            "每个 token 的缓存 (per token)",
            "2\\cdot L\\cdot h_{kv}\\cdot d_h\\cdot b",
            f"2\\times{num(layers)}\\times{num(kv_heads)}\\times{num(head_dim)}"
            f"\\times{num(bytes_per_value)}",
            f"{num(per_token)}\\ \\text{{B}}",
        ),
        Step(
            "乘以长度和批大小 (× n × B)",
            "",
            f"{num(per_token)}\\times{num(seq_len)}\\times{num(batch)}",
            f"{num(total)}\\ \\text{{B}}",
        ),
        Step(
            "换算成 GiB",
            "\\text{bytes}/2^{30}",
            "",
            f"{num(total / GIB)}\\ \\text{{GiB}}",
        ),
    ]
    if kv_heads < heads:
        steps.append(
            Step(
                "比每头一组 K、V（MHA）省 (saving vs MHA)",
                "h/h_{kv}",
                f"{num(heads)}/{num(kv_heads)}",
                num(heads // kv_heads),
            )
        )
    return WorkedExample(
        title=(
            f"$L = {layers}$ 层，$h = {heads}$ 个查询头，$h_{{kv}} = {kv_heads}$ 组 K/V，"
            f"$d_h = {head_dim}$，$n = {num(seq_len)}$，{bytes_per_value} 字节/数"
        ),
        steps=tuple(steps),
    )


# --- online softmax (FlashAttention's merge of blocks) -----------------------------------


@worked_example("online-softmax")
def online_softmax_example(
    block_a: list[float] | None = None, block_b: list[float] | None = None
) -> WorkedExample:
    first = checked_values(
        "block_a", block_a if block_a is not None else [1.0, 3.0], low=1, limit=100
    )
    second = checked_values(
        "block_b", block_b if block_b is not None else [2.0, 5.0], low=1, limit=100
    )
    if len(first) + len(second) > 6:
        raise BadParameter("block_b", "give at most 6 values in the two blocks together")
    merged = online_softmax(list(first), list(second))
    full = stable_softmax([*first, *second]).probabilities

    def values(xs: Vector) -> str:
        return "[" + ",\\ ".join(num(float(x)) for x in xs) + "]"

    return WorkedExample(
        title=f"块 A $= {values(first)}$，块 B $= {values(second)}$",
        steps=(
            Step(
                "块 A：最大值与指数和",
                "m_A,\\ \\ell_A = \\textstyle\\sum e^{z - m_A}",
                "",
                f"{num(merged.max_a)},\\ {num(merged.sum_a)}",
            ),
            Step(
                "块 B：最大值与指数和",
                "m_B,\\ \\ell_B",
                "",
                f"{num(merged.max_b)},\\ {num(merged.sum_b)}",
            ),
            Step("合并后的最大值", "m = \\max(m_A, m_B)", "", num(merged.max_all)),
            Step(
                "两个和按新最大值重新缩放后相加",
                "\\ell = \\ell_A e^{m_A - m} + \\ell_B e^{m_B - m}",
                "",
                num(merged.sum_all),
            ),
            Table(
                header=("$z$", "$e^{z-m}/\\ell$", "整体 softmax"),
                rows=tuple(
                    (float(z), float(p), float(q))
                    for z, p, q in zip([*first, *second], merged.probabilities, full, strict=True)
                ),
                caption="分块合并与一次性 softmax 完全相同",
            ),
        ),
    )


# --- SwiGLU width ------------------------------------------------------------------------


@worked_example("swiglu-hidden")
def swiglu_hidden_example(d_model: int = 4096, multiple_of: int = 256) -> WorkedExample:
    dimensions(d_model=d_model)
    between("multiple_of", multiple_of, 1, 4096)
    exact = 8 * d_model / 3
    hidden = swiglu_hidden(d_model, multiple_of)
    standard = 8 * d_model * d_model
    swiglu = 3 * d_model * hidden
    return WorkedExample(
        title=f"$d = {num(d_model)}$，隐藏维取 {multiple_of} 的倍数",
        steps=(
            Step("普通 FFN：两个矩阵，宽 $4d$", "2\\cdot d\\cdot 4d = 8d^2", "", num(standard)),
            Step(
                "SwiGLU：三个矩阵 ($W$, $V$, $W_2$)，参数相等的宽度",
                "3\\,d\\,d_h = 8d^2 \\Rightarrow d_h = \\tfrac{2}{3}\\cdot 4d",
                f"\\tfrac{{2}}{{3}}\\times 4\\times{num(d_model)}",
                num(exact, 7),
            ),
            Step(
                f"向上取到 {multiple_of} 的倍数",
                "",
                f"{multiple_of}\\times\\lceil {num(int(exact))}/{multiple_of}\\rceil",
                num(hidden),
            ),
            Step(
                "SwiGLU 参数与普通 FFN 之比",
                "\\frac{3\\,d\\,d_h}{8d^2}",
                f"\\frac{{{num(swiglu)}}}{{{num(standard)}}}",
                num(swiglu / standard, 4),
            ),
        ),
    )


# --- Swin windows --------------------------------------------------------


@worked_example("swin-window-cost")
def swin_window_cost_example(
    height: int = 56, width: int = 56, channels: int = 96, window: int = 7
) -> WorkedExample:
    between("height", height, 1, 1024)
    between("width", width, 1, 1024)
    between("channels", channels, 1, 4096)
    between("window", window, 1, min(height, width))
    if height % window or width % window:
        raise BadParameter("window", f"must divide the feature map ({height}×{width})")
    global_cost, window_cost = swin_attention_cost(height, width, channels, window)
    bigger = swin_attention_cost(2 * height, 2 * width, channels, window)
    return WorkedExample(
        title=f"${height}\\times{width}$ 个 token，$C = {channels}$，窗口 $M = {window}$",
        steps=(
            Step(
                "全局自注意力 (MSA)",
                "4hwC^2 + 2(hw)^2 C",
                "",
                num(global_cost),
            ),
            Step("窗口注意力 (W-MSA)", "4hwC^2 + 2M^2 hwC", "", num(window_cost)),
            Step(
                "两者之比",
                "",
                f"\\frac{{{num(global_cost)}}}{{{num(window_cost)}}}",
                num(global_cost / window_cost),
            ),
            Step(
                "$h$、$w$ 各翻倍：MSA 增长",
                "",
                f"\\frac{{{num(bigger[0])}}}{{{num(global_cost)}}}",
                num(bigger[0] / global_cost),
            ),
            Step(
                "$h$、$w$ 各翻倍：W-MSA 增长",
                "",
                f"\\frac{{{num(bigger[1])}}}{{{num(window_cost)}}}",
                num(bigger[1] / window_cost),
            ),
        ),
    )
