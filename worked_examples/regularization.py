"""Weight penalties and inverted dropout, computed from their definitions.

L1 penalty lam * sum|w| (subgradient lam * sign(w), 0 at w = 0 as torch.sign gives); L2 penalty
(lam / 2) * sum w^2 (gradient lam * w). For plain SGD, adding the L2 gradient is the same as
decaying the weights, which is what torch.optim.SGD(weight_decay=lam) does; for Adam the two
differ, and torch.optim.AdamW decouples the decay (Loshchilov & Hutter 2019): w <- w(1 - lr lam)
then the Adam step. Dropout follows torch.nn.Dropout: p is the DROP probability, kept units are
scaled by 1 / (1 - p) in training (inverted dropout), and evaluation is the identity.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

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
from ankigen.checks import checked_values
from dlmath.losses import soft_cross_entropy
from dlmath.optimizers import adam, given_gradients

Vector = npt.NDArray[np.float64]
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam / AdamW defaults
ADAM_EPS = 1e-8


def penalties(weights: Vector, lam: float) -> tuple[float, Vector, float, Vector]:
    """L1 penalty and its subgradient, L2 penalty and its gradient."""
    l1_grad: Vector = lam * np.sign(weights)
    l2_grad: Vector = lam * weights
    return lam * float(np.abs(weights).sum()), l1_grad, lam / 2 * float(weights @ weights), l2_grad


def sgd_updates(
    weights: Vector, grads: Vector, lam: float, lr: float
) -> tuple[Vector, Vector, Vector]:
    """One SGD step with the L1 gradient, with the L2 gradient, and as weight decay."""
    l1: Vector = weights - lr * (grads + lam * np.sign(weights))
    l2: Vector = weights - lr * (grads + lam * weights)
    decay: Vector = (1.0 - lr * lam) * weights - lr * grads
    return l1, l2, decay


def adam_first_steps(
    weights: Vector, grads: Vector, lam: float, lr: float
) -> tuple[Vector, Vector]:
    """The first weight change of Adam with L2 in the gradient, and of AdamW (torch defaults)."""
    start = np.zeros_like(weights)
    with_l2 = given_gradients([grads + lam * weights])
    coupled = adam(with_l2, start, lr, 1, ADAM_BETAS, ADAM_EPS).trace.updates[0]
    plain = adam(given_gradients([grads]), start, lr, 1, ADAM_BETAS, ADAM_EPS).trace.updates[0]
    decoupled: Vector = lr * lam * weights + plain
    return coupled, decoupled


@worked_example("weight-penalty")
def weight_penalty_example(
    weights: list[float] = [0.5, -1.0, 2.0],  # noqa: B006 - recipe defaults are never mutated
    lam: float = 0.01,
    lr: float = 0.1,
    gradients: list[float] | None = None,
    adam: bool = True,
) -> WorkedExample:
    """`gradients` is the data loss's gradient; without it, 0 (the penalty acts alone).
    `adam = false` leaves out the Adam / AdamW table (for cards that are only about L1 / L2)."""
    checked_values("weights", weights, low=1)
    if gradients is not None:
        checked_values("gradients", gradients, low=1)
        if len(gradients) != len(weights):
            raise BadParameter("gradients", f"one per weight: {len(weights)} values")
    if not 0.0 <= lam <= 10.0:
        raise BadParameter("lam", "must be in [0, 10]")
    if not 0.0 < lr <= 10.0:
        raise BadParameter("lr", "must be in (0, 10]")
    w = np.asarray(weights, dtype=np.float64)
    g = np.zeros_like(w) if gradients is None else np.asarray(gradients, dtype=np.float64)
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
                tuple(f"${num(float(v))}$" for v in row)
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
                    tuple(f"${num(float(v))}$" for v in row)
                    for row in zip(w, g, adam_l2, adamw, strict=True)
                ),
                caption="Adam 第一步的 $\\Delta w$ ($w' = w - \\Delta w$): L2 梯度被 Adam 归一化, "
                "AdamW 直接减 $\\eta\\lambda w$ (Loshchilov & Hutter 2019)",
            )
        )
    return WorkedExample(
        title=(
            f"$w = ({', '.join(num(float(v)) for v in w)})$, $\\lambda = {lam:g}$, $\\eta = {lr:g}$"
        ),
        steps=tuple(items),
    )


def dropout_mask(size: int, p: float, seed: int) -> npt.NDArray[np.bool_]:
    """Keep each unit with probability 1 - p (True = kept)."""
    mask: npt.NDArray[np.bool_] = np.random.default_rng(seed).random(size) >= p
    return mask


def inverted_dropout(x: Vector, mask: npt.NDArray[np.bool_], p: float) -> Vector:
    """Training output: kept units scaled by 1 / (1 - p), dropped units 0."""
    out: Vector = np.where(mask, x / (1.0 - p), 0.0)
    return out


def empirical_mean(x: Vector, p: float, seed: int, samples: int) -> Vector:
    """The mean training output over `samples` independent masks: close to x.

    Seeded with seed + 1 so these masks are independent of the one shown."""
    masks = np.random.default_rng(seed + 1).random((samples, x.size)) >= p
    mean: Vector = np.where(masks, x / (1.0 - p), 0.0).mean(axis=0)
    return mean


@worked_example("inverted-dropout")
def inverted_dropout_example(
    activations: list[float] = [1.0, 2.0, 3.0, 4.0],  # noqa: B006 - defaults are never mutated
    p: float = 0.5,
    seed: int = 0,
    samples: int = 10_000,
) -> WorkedExample:
    checked_values("activations", activations, low=1)
    if not 0.0 <= p < 1.0:
        raise BadParameter("p", "the drop probability must be in [0, 1)")
    if seed < 0:
        raise BadParameter("seed", "must be at least 0")
    if not 1 <= samples <= 1_000_000:
        raise BadParameter("samples", "must be 1 to 1,000,000")
    x = np.asarray(activations, dtype=np.float64)
    keep = 1.0 - p
    mask = dropout_mask(x.size, p, seed)
    out = inverted_dropout(x, mask, p)
    mean = empirical_mean(x, p, seed, samples)
    x0 = float(x[0])
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
            num_tuple([float(m) for m in mask]),
        ),
        Step(
            "训练 (training)",
            "y = \\frac{m \\odot x}{q}",
            f"\\frac{{{num_tuple([float(m) for m in mask])} \\odot {num_tuple(x)}}}{{{num(keep)}}}",
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
                (f"${num(float(a))}$", f"${int(b)}$", f"${num(float(c))}$", f"${num(float(d))}$")
                for a, b, c, d in zip(x, mask, out, mean, strict=True)
            ),
            caption=f"$\\bar y$: {samples:,} 个掩码的平均 (mean over masks); "
            f"PyTorch nn.Dropout(p={p:g}): $p$ 为丢弃概率 (drop), $q = 1 - p$ 为保留概率 (keep)",
        ),
    ]
    return WorkedExample(
        title=f"$x = ({', '.join(num(float(v)) for v in x)})$, $p = {p:g}$ (drop), seed = {seed}",
        steps=tuple(items),
    )


# --- mixup, CutMix, stochastic depth ---------------------------------------------------------


def mixup(x_i: Vector, x_j: Vector, y_i: Vector, y_j: Vector, lam: float) -> tuple[Vector, Vector]:
    """mixup (Zhang et al. 2018, eq. in section 2): the same lambda mixes inputs and targets."""
    x: Vector = lam * x_i + (1.0 - lam) * x_j
    y: Vector = lam * y_i + (1.0 - lam) * y_j
    return x, y


@worked_example("mixup")
def mixup_example(
    x_i: list[float] = [0.2, 0.8],  # noqa: B006
    x_j: list[float] = [0.6, 0.4],  # noqa: B006
    class_i: int = 0,
    class_j: int = 1,
    lam: float = 0.7,
    logits: list[float] = [2.0, 0.5, -1.0],  # noqa: B006
) -> WorkedExample:
    """Two inputs of two values, their classes among len(logits) classes, and the model's
    logits on the mixed input."""
    checked_values("x_i", x_i, low=1)
    checked_values("x_j", x_j, low=1)
    checked_values("logits", logits, low=1)
    if len(x_j) != len(x_i):
        raise BadParameter("x_j", f"one value per value of x_i ({len(x_i)})")
    classes = len(logits)
    if classes < 2:
        raise BadParameter("logits", "need at least two classes")
    for name, value in (("class_i", class_i), ("class_j", class_j)):
        if not 0 <= value < classes:
            raise BadParameter(name, f"must be a class index 0 to {classes - 1}")
    if not 0.0 <= lam <= 1.0:
        raise BadParameter("lam", "lambda is a mixing weight in [0, 1]")
    eye = np.eye(classes)
    xi, xj = np.asarray(x_i, dtype=np.float64), np.asarray(x_j, dtype=np.float64)
    x, y = mixup(xi, xj, eye[class_i], eye[class_j], lam)
    z = np.asarray(logits, dtype=np.float64)
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


def cutmix_box(
    width: int, height: int, lam: float, cx: int, cy: int
) -> tuple[int, int, int, int, float]:
    """The box of the CutMix reference code (Yun et al. 2019, rand_bbox): sides
    int(W sqrt(1 - lam)) and int(H sqrt(1 - lam)) around (cx, cy), clipped to the image; then
    the label weight lambda recomputed from the clipped area. Returns (x1, y1, x2, y2, lam')."""
    ratio = math.sqrt(1.0 - lam)
    cut_w, cut_h = int(width * ratio), int(height * ratio)
    x1, x2 = (int(np.clip(cx + d, 0, width)) for d in (-(cut_w // 2), cut_w // 2))
    y1, y2 = (int(np.clip(cy + d, 0, height)) for d in (-(cut_h // 2), cut_h // 2))
    return x1, y1, x2, y2, 1.0 - (x2 - x1) * (y2 - y1) / (width * height)


@worked_example("cutmix-box")
def cutmix_box_example(
    width: int = 32, height: int = 32, lam: float = 0.75, cx: int = 28, cy: int = 10
) -> WorkedExample:
    for name, value in (("width", width), ("height", height)):
        if not 2 <= value <= 4096:
            raise BadParameter(name, "must be 2 to 4096 pixels")
    if not 0.0 <= lam <= 1.0:
        raise BadParameter("lam", "lambda is a mixing weight in [0, 1]")
    if not 0 <= cx < width:
        raise BadParameter("cx", f"the centre lies in the image: 0 to {width - 1}")
    if not 0 <= cy < height:
        raise BadParameter("cy", f"the centre lies in the image: 0 to {height - 1}")
    ratio = math.sqrt(1.0 - lam)
    x1, y1, x2, y2, lam_adj = cutmix_box(width, height, lam, cx, cy)
    cut_w, cut_h = int(width * ratio), int(height * ratio)
    area = (x2 - x1) * (y2 - y1)
    return WorkedExample(
        title=f"{width}×{height} 的图，采样得 $\\lambda = {num(lam)}$，框中心 $({cx}, {cy})$",
        steps=(
            Step(
                "框的边长 (box side)",
                "r_w = W\\sqrt{1-\\lambda}",
                f"{width}\\times\\sqrt{{1 - {num(lam)}}}",
                f"{num(width * ratio)} \\to {cut_w}",
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


def survival_probabilities(blocks: int, p_last: float) -> Vector:
    """The linear decay rule of Huang et al. 2016, eq. (4): p_l = 1 - l / L (1 - p_L)."""
    layers = np.arange(1, blocks + 1, dtype=np.float64)
    probabilities: Vector = 1.0 - layers / blocks * (1.0 - p_last)
    return probabilities


@worked_example("stochastic-depth")
def stochastic_depth_example(blocks: int = 54, p_last: float = 0.5) -> WorkedExample:
    """Default: the 110-layer CIFAR ResNet, 54 residual blocks."""
    if not 2 <= blocks <= 1000:
        raise BadParameter("blocks", "must be 2 to 1000 residual blocks")
    if not 0.0 < p_last <= 1.0:
        raise BadParameter("p_last", "a survival probability in (0, 1]")
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
                rows=tuple(
                    (str(i), f"${num(float(p[i - 1]))}$") for i in sorted({1, middle, blocks})
                ),
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
