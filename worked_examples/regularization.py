"""Weight penalties and inverted dropout, mixup, CutMix and stochastic depth, step by step;
the formulas (and their sources) are in dlmath.regularization."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ankigen import (
    BadParameter,
    Step,
    Table,
    WorkedExample,
    num,
    num_factor,
    num_tuple,
    worked_example,
)
from ankigen.checks import at_least, between, checked_values
from dlmath.losses import soft_cross_entropy
from dlmath.regularization import (
    adam_first_steps,
    cutmix_box,
    cutmix_side,
    dropout_mask,
    empirical_mean,
    inverted_dropout,
    mixup,
    penalties,
    sgd_updates,
    survival_probabilities,
)

from ._latex import plain_tuple
from ._params import checked_like, class_index, positive_at_most


@worked_example("weight-penalty")
def weight_penalty_example(
    weights: Sequence[float] = (0.5, -1.0, 2.0),
    lam: float = 0.01,
    lr: float = 0.1,
    gradients: list[float] | None = None,
    adam: bool = True,
) -> WorkedExample:
    """`gradients` is the data loss's gradient; without it, 0 (the penalty acts alone).
    `adam = false` leaves out the Adam / AdamW table (for cards that are only about L1 / L2)."""
    w = checked_values("weights", weights, low=1)
    g = np.zeros_like(w) if gradients is None else checked_like("gradients", gradients, w, "weight")
    between("lam", lam, 0.0, 10.0)
    positive_at_most("lr", lr, 10.0)
    l1, l1_grad, l2, l2_grad = penalties(w, lam)
    sgd_l1, sgd_l2, decay = sgd_updates(w, g, lam, lr)
    adam_l2, adamw = adam_first_steps(w, g, lam, lr)
    items: list[Step | Table] = [
        Step(
            "L1 惩罚 (L1 penalty)",
            "\\lambda \\sum_i |w_i|",
            f"{num(lam)} \\times ({' + '.join(num(abs(float(v))) for v in w)})",
            num(l1),
        ),
        Step("L1 梯度 (L1 gradient)", "\\lambda\\, \\mathrm{sign}(w)", "", num_tuple(l1_grad)),
        Step(
            "L2 惩罚 (L2 penalty)",
            "\\frac{\\lambda}{2} \\sum_i w_i^2",
            f"\\frac{{{num(lam)}}}{{2}} \\times "
            f"({' + '.join(f'{num_factor(float(v))}^2' for v in w)})",
            num(l2),
        ),
        Step("L2 梯度 (L2 gradient)", "\\lambda\\, w", "", num_tuple(l2_grad)),
        Step(
            "SGD + L2 = 权重衰减 (weight decay)",
            "w - \\eta (g + \\lambda w)",
            "(1 - \\eta\\lambda)\\, w - \\eta g",
            f"{num(1 - lr * lam)}\\, w - {num(lr)}\\, g",
        ),
        Table(
            header=("$w$", "$g$", "SGD + L1", "SGD + L2", "衰减 (decay)"),
            rows=tuple(
                tuple(float(v) for v in row)
                for row in zip(w, g, sgd_l1, sgd_l2, decay, strict=True)
            ),
            caption=f"一步 SGD (one step), $\\eta = {lr:g}$, $\\lambda = {lam:g}$; L2 = decay",
        ),
    ]
    if adam:
        items.append(
            Table(
                header=("$w$", "$g$", "Adam + L2", "AdamW"),
                rows=tuple(
                    tuple(float(v) for v in row) for row in zip(w, g, adam_l2, adamw, strict=True)
                ),
                caption="Adam 第一步的 $\\Delta w$ ($w' = w - \\Delta w$): L2 梯度被 Adam 归一化, "
                "AdamW 直接减 $\\eta\\lambda w$ (Loshchilov & Hutter 2019)",
            )
        )
    return WorkedExample(
        title=(f"$w = {plain_tuple(w)}$, $\\lambda = {lam:g}$, $\\eta = {lr:g}$"),
        steps=tuple(items),
    )


@worked_example("inverted-dropout")
def inverted_dropout_example(
    activations: Sequence[float] = (1.0, 2.0, 3.0, 4.0),
    p: float = 0.5,
    seed: int = 0,
    samples: int = 10_000,
) -> WorkedExample:
    x = checked_values("activations", activations, low=1)
    if not 0.0 <= p < 1.0:
        raise BadParameter("p", "the drop probability must be in [0, 1)")
    at_least("seed", seed, 0)
    between("samples", samples, 1, 1_000_000)
    keep = 1.0 - p
    mask = dropout_mask(x.size, p, seed)
    out = inverted_dropout(x, mask, p)
    mean = empirical_mean(x, p, seed, samples)
    x0 = float(x[0])
    shown_mask = num_tuple([float(m) for m in mask])
    items: list[Step | Table] = [
        Step(
            "保留概率 (keep probability)",
            "q = 1 - p",
            f"1 - {num(p)}",
            num(keep),
        ),
        Step(
            f"掩码 (mask), seed={seed}",
            "m_i \\sim \\mathrm{Bernoulli}(q)",
            "",
            shown_mask,
        ),
        Step(
            "训练 (training)",
            "y = \\frac{m \\odot x}{q}",
            f"\\frac{{{shown_mask} \\odot {num_tuple(x)}}}{{{num(keep)}}}",
            num_tuple(out),
        ),
        Step("测试 (test)", "y = x", "", num_tuple(x)),
        Step(
            "期望不变 (expectation preserved)",
            "E[y_1] = q \\cdot \\frac{x_1}{q} + (1-q) \\cdot 0",
            f"{num(keep)} \\times \\frac{{{num(x0)}}}{{{num(keep)}}} + {num(p)} \\times 0",
            num(keep * (x0 / keep)),
        ),
        Table(
            header=("$x$", "$m$", "$y$", "$\\bar y$"),
            rows=tuple(
                (float(a), int(b), float(c), float(d))
                for a, b, c, d in zip(x, mask, out, mean, strict=True)
            ),
            caption=f"$\\bar y$: {samples:,} 个掩码的平均 (mean over masks); "
            f"PyTorch nn.Dropout(p={p:g}): $p$ 为丢弃概率 (drop), $q = 1 - p$ 为保留概率 (keep)",
        ),
    ]
    return WorkedExample(
        title=f"$x = {plain_tuple(x)}$, $p = {p:g}$ (drop), seed = {seed}",
        steps=tuple(items),
    )


# --- mixup, CutMix, stochastic depth ---------------------------------------------------------


@worked_example("mixup")
def mixup_example(
    x_i: Sequence[float] = (0.2, 0.8),
    x_j: Sequence[float] = (0.6, 0.4),
    class_i: int = 0,
    class_j: int = 1,
    lam: float = 0.7,
    logits: Sequence[float] = (2.0, 0.5, -1.0),
) -> WorkedExample:
    """Two inputs of two values, their classes among len(logits) classes, and the model's
    logits on the mixed input."""
    xi = checked_values("x_i", x_i, low=1)
    xj = checked_like("x_j", x_j, xi, "value of x_i")
    z = checked_values("logits", logits)
    classes = len(z)
    class_index("class_i", class_i, classes)
    class_index("class_j", class_j, classes)
    between("lam", lam, 0.0, 1.0)
    eye = np.eye(classes)
    x, y = mixup(xi, xj, eye[class_i], eye[class_j], lam)
    ce_i = soft_cross_entropy(z, eye[class_i])
    ce_j = soft_cross_entropy(z, eye[class_j])
    return WorkedExample(
        title=f"$\\lambda = {num(lam)}$（训练时每批从 $\\mathrm{{Beta}}(\\alpha, \\alpha)$ 采样）",
        steps=(
            Step(
                "混合输入 (mixed input)",
                "\\tilde x = \\lambda x_i + (1-\\lambda)\\, x_j",
                f"\\begin{{array}}{{l}} {num(lam)}\\times {num_tuple(xi)} \\\\ "
                f"{{}}+ {num(1 - lam)}\\times {num_tuple(xj)} \\end{{array}}",
                num_tuple(x),
            ),
            Step(
                f"混合标签 (mixed target)，类别 {class_i} 与 {class_j}",
                "\\tilde y = \\lambda y_i + (1-\\lambda)\\, y_j",
                "",
                num_tuple(y),
            ),
            Step(
                f"模型在 $\\tilde x$ 上的 logits ${num_tuple(z)}$，对 $\\tilde y$ 的交叉熵",
                "-\\sum_k \\tilde y_k \\log \\mathrm{softmax}(z)_k",
                "",
                num(soft_cross_entropy(z, y)),
            ),
            Step(
                "等于两个硬标签损失的加权和",
                "\\lambda\\,\\mathrm{CE}_i + (1-\\lambda)\\,\\mathrm{CE}_j",
                f"{num(lam)}\\times {num(ce_i)} + {num(1 - lam)}\\times {num(ce_j)}",
                num(lam * ce_i + (1 - lam) * ce_j),
            ),
        ),
    )


@worked_example("cutmix-box")
def cutmix_box_example(
    width: int = 32, height: int = 32, lam: float = 0.75, cx: int = 28, cy: int = 10
) -> WorkedExample:
    between("width", width, 2, 4096)
    between("height", height, 2, 4096)
    between("lam", lam, 0.0, 1.0)
    between("cx", cx, 0, width - 1)  # the centre lies in the image
    between("cy", cy, 0, height - 1)
    x1, y1, x2, y2, lam_adj = cutmix_box(width, height, lam, cx, cy)
    side_w = cutmix_side(width, lam)
    cut_w, cut_h = int(side_w), int(cutmix_side(height, lam))
    area = (x2 - x1) * (y2 - y1)
    return WorkedExample(
        title=f"{width}×{height} 的图，采样得 $\\lambda = {num(lam)}$，框中心 $({cx}, {cy})$",
        steps=(
            Step(
                "框的边长 (box side)",
                "r_w = W\\sqrt{1-\\lambda}",
                f"{width}\\times\\sqrt{{1 - {num(lam)}}}",
                f"{num(side_w)} \\to {cut_w}",
            ),
            Step(
                "裁到图内 (clip to the image)",
                "x_1, x_2;\\ y_1, y_2",
                "",
                f"{x1}, {x2};\\ {y1}, {y2}",
            ),
            Step(
                "贴入的面积 (pasted area)",
                "(x_2-x_1)(y_2-y_1)",
                f"{x2 - x1}\\times {y2 - y1}",
                num(area),
            ),
            Step(
                "按实际面积重算标签权重",
                "\\lambda' = 1 - \\frac{(x_2-x_1)(y_2-y_1)}{WH}",
                f"1 - \\frac{{{num(area)}}}{{{width}\\times {height}}}",
                num(lam_adj),
            ),
            Step(
                "标签 (target)：A 占 $\\lambda'$，贴入的 B 占 $1-\\lambda'$",
                "\\tilde y = \\lambda' y_A + (1-\\lambda')\\, y_B",
                "",
                f"{num(lam_adj)}\\, y_A + {num(1 - lam_adj)}\\, y_B",
            ),
            Step(f"未裁剪时框为 ${cut_w}\\times {cut_h}$，面积比约为 $1-\\lambda$"),
        ),
    )


@worked_example("stochastic-depth")
def stochastic_depth_example(blocks: int = 54, p_last: float = 0.5) -> WorkedExample:
    """Default: the 110-layer CIFAR ResNet, 54 residual blocks."""
    between("blocks", blocks, 2, 1000)
    positive_at_most("p_last", p_last, 1.0)  # a survival probability
    p = survival_probabilities(blocks, p_last)
    middle = blocks // 2
    expected = float(p.sum())
    return WorkedExample(
        title=f"$L = {blocks}$ 个残差块，$p_L = {num(p_last)}$",
        steps=(
            Step(
                "第 $l$ 块的存活概率 (survival probability)",
                "p_l = 1 - \\frac{l}{L}(1 - p_L)",
            ),
            Table(
                header=("$l$", "$p_l$"),
                rows=tuple((str(i), float(p[i - 1])) for i in sorted({1, middle, blocks})),
                caption="浅层几乎总被保留，最后一块只保留一半",
            ),
            Step(
                "训练时的期望块数 (expected depth)",
                "E[\\tilde L] = \\sum_{l=1}^{L} p_l",
                "",
                num(expected),
            ),
            Step(
                "占全部块的比例",
                "E[\\tilde L] / L",
                f"\\frac{{{num(expected)}}}{{{blocks}}}",
                num(expected / blocks),
            ),
        ),
    )
