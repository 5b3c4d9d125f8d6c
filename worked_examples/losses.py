"""Loss values and gradients: cross-entropy, MAE/MSE/smooth L1, focal loss.

Sources: PyTorch docs of F.cross_entropy (natural log, class indices from 0), nn.L1Loss,
nn.MSELoss (mean of r^2, no 1/2), nn.SmoothL1Loss (beta) and nn.HuberLoss (delta);
Lin et al. 2017 ("Focal Loss for Dense Object Detection"), FL(p_t) = -alpha_t (1-p_t)^gamma log p_t.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import Vector, between, checked_values
from dlmath.activations import softmax
from dlmath.losses import (
    binary_cross_entropy,
    cross_entropy,
    cross_entropy_gradient,
    dice_coefficient,
    focal_loss,
    focal_modulating_factor,
    gaussian_nll,
    laplace_nll,
    multiclass_hinge,
    one_hot,
    smooth_l1,
    true_class_cross_entropy,
)

from ._latex import mean_of, plain_tuple, signed_sum
from ._params import checked_like, checked_scores, positive_at_most


def _predictions_and_targets(
    predictions: Sequence[float], targets: Sequence[float]
) -> tuple[Vector, Vector]:
    """Both as float64 vectors of the same length, or BadParameter."""
    y_hat = checked_values("predictions", predictions, 1, 1e4)
    return y_hat, checked_like("targets", targets, y_hat, "prediction", 1e4)


# --- cross-entropy ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrossEntropy:
    exponentials: Vector
    total: float
    probabilities: Vector
    loss: float
    gradient: Vector  # dL/dz = p - y (one-hot y)


def cross_entropy_parts(logits: Sequence[float], target: int) -> CrossEntropy:
    """e^{z_j} and their sum as the card shows them, softmax, L = -ln p_target, p - y."""
    exponentials = np.exp(np.asarray(logits, dtype=np.float64))
    return CrossEntropy(
        exponentials,
        float(exponentials.sum()),
        softmax(logits),
        cross_entropy(logits, target),
        cross_entropy_gradient(logits, target),
    )


@worked_example("cross-entropy-gradient")
def cross_entropy_gradient_example(
    logits: Sequence[float] = (2.0, 1.0, 0.1),
    target: int = 0,
) -> WorkedExample:
    z = checked_scores("logits", logits, target, 50.0)
    r = cross_entropy_parts(logits, target)
    p_t = float(r.probabilities[target])
    y = one_hot(len(z), target)
    return WorkedExample(
        title=f"softmax 交叉熵：$z = ({', '.join(f'{v:g}' for v in logits)})$，"
        f"真实类别 ${target}$ (从 0 编号)",
        steps=(
            Step(
                "指数之和 (sum of exponentials)",
                "S = \\sum_j e^{z_j}",
                signed_sum(r.exponentials),
                num(r.total),
            ),
            Step(
                f"真实类别的概率 (softmax, $p_{{{target}}}$)",
                f"p_{{{target}}} = \\frac{{e^{{z_{{{target}}}}}}}{{S}}",
                f"\\frac{{{num(float(r.exponentials[target]))}}}{{{num(r.total)}}}",
                num(p_t),
            ),
            Step(
                "损失 (loss, 自然对数)",
                f"L = -\\ln p_{{{target}}}",
                f"-\\ln {num(p_t)}",
                num(r.loss),
            ),
            Step(
                "梯度 (gradient)：$y$ 是 one-hot 标签",
                "\\frac{\\partial L}{\\partial z_i} = p_i - y_i",
                f"{num(p_t)} - 1 \\ (i = {target})",
                num(float(r.gradient[target])),
            ),
            Table(
                header=("$i$", "$z_i$", "$p_i$", "$y_i$", "$p_i - y_i$"),
                rows=tuple(
                    (i, float(a), float(b), float(c), float(d))
                    for i, (a, b, c, d) in enumerate(
                        zip(z, r.probabilities, y, r.gradient, strict=True)
                    )
                ),
                caption="梯度各分量之和为 0；真实类别的 logit 被推高，其余被压低",
            ),
        ),
    )


# --- regression losses -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegressionLosses:
    residuals: Vector
    absolute: Vector
    squared: Vector
    smooth_l1: Vector
    mae: float
    mse: float
    smooth_l1_mean: float
    huber_mean: float


def regression_losses(
    predictions: Sequence[float], targets: Sequence[float], delta: float
) -> RegressionLosses:
    """Per element and mean, as nn.L1Loss, nn.MSELoss, nn.SmoothL1Loss(beta=delta) and
    nn.HuberLoss(delta) compute them (reduction='mean'); Huber = delta * smooth L1."""
    r = np.asarray(predictions, dtype=np.float64) - np.asarray(targets, dtype=np.float64)
    absolute = np.abs(r)
    squared = r**2
    smooth = smooth_l1(r, delta)
    smooth_mean = float(smooth.mean())
    return RegressionLosses(
        r,
        absolute,
        squared,
        smooth,
        float(absolute.mean()),
        float(squared.mean()),
        smooth_mean,
        delta * smooth_mean,
    )


@worked_example("loss-values")
def loss_values_example(
    predictions: Sequence[float] = (0.5, 2.0, -1.5),
    targets: Sequence[float] = (0.0, 0.0, 0.0),
    delta: float = 1.0,
) -> WorkedExample:
    y_hat, y = _predictions_and_targets(predictions, targets)
    positive_at_most("delta", delta, 1e4)
    r = regression_losses(predictions, targets, delta)
    d = num(delta)
    return WorkedExample(
        title=f"回归损失 (reduction = mean)：smooth L1 的 $\\beta = {delta:g}$",
        steps=(
            Table(
                header=("$\\hat y_i$", "$y_i$", "$r_i$", "$|r_i|$", "$r_i^2$", "smooth L1"),
                rows=tuple(
                    tuple(float(v) for v in row)
                    for row in zip(
                        y_hat, y, r.residuals, r.absolute, r.squared, r.smooth_l1, strict=True
                    )
                ),
                caption="残差 $r$ = 预测 − 目标 (residual)",
            ),
            Step(
                "平均绝对误差 (MAE, nn.L1Loss)",
                "\\frac{1}{n}\\sum_i |r_i|",
                mean_of(r.absolute),
                num(r.mae),
            ),
            Step(
                "均方误差 (MSE, nn.MSELoss，没有 1/2)",
                "\\frac{1}{n}\\sum_i r_i^2",
                mean_of(r.squared),
                num(r.mse),
            ),
            Step(
                f"smooth L1 (nn.SmoothL1Loss, $\\beta = {delta:g}$)："
                "$|r| < \\beta$ 用二次，否则用线性",
                "\\ell_i = \\begin{cases} \\frac{r_i^2}{2\\beta} & |r_i| < \\beta \\\\ "
                "|r_i| - \\frac{\\beta}{2} & \\text{otherwise} \\end{cases}",
                mean_of(r.smooth_l1),
                num(r.smooth_l1_mean),
            ),
            Step(
                f"Huber (nn.HuberLoss, $\\delta = {delta:g}$) 是 smooth L1 的 $\\delta$ 倍",
                "\\text{Huber}_\\delta = \\delta\\cdot\\text{SmoothL1}_{\\beta=\\delta}",
                f"{d}\\times {num(r.smooth_l1_mean)}",
                num(r.huber_mean),
            ),
        ),
    )


# --- focal loss ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FocalLoss:
    cross_entropy: Vector  # -ln p_t
    modulating: Vector  # (1 - p_t)^gamma
    focal: Vector  # -alpha_t (1 - p_t)^gamma ln p_t
    ratio: Vector  # FL / CE = alpha_t (1 - p_t)^gamma


def focal_loss_parts(probabilities: Sequence[float], gamma: float, alpha_t: float) -> FocalLoss:
    """Lin et al. 2017, eq. 5, per example, and its factors; p_t is the true class's probability."""
    p = np.asarray(probabilities, dtype=np.float64)
    modulating = focal_modulating_factor(p, gamma)
    return FocalLoss(
        true_class_cross_entropy(p), modulating, focal_loss(p, gamma, alpha_t), alpha_t * modulating
    )


@worked_example("focal-loss-values")
def focal_loss_values_example(
    probabilities: Sequence[float] = (0.9, 0.6, 0.1),
    gamma: float = 2.0,
    alpha: float = 0.25,
) -> WorkedExample:
    p = checked_values("probabilities", probabilities, 1, 1.0)
    if np.any(p <= 0) or np.any(p >= 1):
        raise BadParameter("probabilities", "each p_t must lie strictly between 0 and 1")
    between("gamma", gamma, 0, 10)  # the paper uses 2
    positive_at_most("alpha", alpha, 1)  # the paper uses 0.25
    r = focal_loss_parts(probabilities, gamma, alpha)
    easy = int(np.argmax(p))
    p_easy = float(p[easy])
    steps: list[Step | Table] = [
        Step(
            "Focal loss (Lin et al. 2017)：样本都按正类算，$\\alpha_t = \\alpha$",
            "\\text{FL} = -\\alpha_t (1-p_t)^{\\gamma}\\ln p_t",
            f"-{num(alpha)}\\,(1-p_t)^{{{num(gamma)}}}\\ln p_t",
        ),
        Table(
            header=("$p_t$", "CE", "$(1-p_t)^\\gamma$", "FL"),
            rows=tuple(
                tuple(float(v) for v in row)
                for row in zip(p, r.cross_entropy, r.modulating, r.focal, strict=True)
            ),
            caption=(
                "CE $= -\\ln p_t$，FL/CE $= \\alpha(1-p_t)^\\gamma$："
                "$p_t$ 越大 (越容易)，损失被压得越低"
            ),
        ),
        Step(
            f"最容易的样本 $p_t = {num(p_easy)}$：只看调制因子 (modulating factor)",
            "\\frac{\\text{CE}}{\\text{FL}_{\\alpha=1}} = \\frac{1}{(1-p_t)^\\gamma}",
            f"\\frac{{1}}{{{num(1 - p_easy)}^{{{num(gamma)}}}}}",
            num(1 / float(r.modulating[easy])),
        ),
        Step(
            "再乘上 $\\alpha$ (alpha-balanced)",
            "\\frac{\\text{CE}}{\\text{FL}} = \\frac{1}{\\alpha(1-p_t)^\\gamma}",
            f"\\frac{{1}}{{{num(alpha)}\\times {num(float(r.modulating[easy]))}}}",
            num(1 / float(r.ratio[easy])),
        ),
    ]
    hard = int(np.argmin(p))
    if p[hard] < p_easy:
        p_hard = float(p[hard])
        steps.append(
            Step(
                f"相对最难的样本 $p_t = {num(p_hard)}$：易样本多被压低的倍数",
                "\\frac{(1-p_{\\text{hard}})^\\gamma}{(1-p_{\\text{easy}})^\\gamma}",
                f"\\frac{{{num(float(r.modulating[hard]))}}}{{{num(float(r.modulating[easy]))}}}",
                num(float(r.modulating[hard] / r.modulating[easy])),
            )
        )
    if math.isclose(gamma, 0.0):
        steps.append(Step("$\\gamma = 0$ 时 FL 就是 $\\alpha$ 加权的交叉熵 (alpha-balanced CE)"))
    return WorkedExample(
        title=(
            f"Focal loss：$\\gamma = {num(gamma)}$, $\\alpha = {num(alpha)}$，"
            "$p_t$ 是真实类别的概率"
        ),
        steps=tuple(steps),
    )


# --- multiclass hinge (SVM) loss -------------------------------------------------------------


@worked_example("multiclass-hinge")
def multiclass_hinge_example(
    scores: Sequence[float] = (13.0, -7.0, 11.0),
    target: int = 0,
    margin: float = 10.0,
) -> WorkedExample:
    s = checked_scores("scores", scores, target, 1e3)
    positive_at_most("margin", margin, 1e3)
    terms = multiclass_hinge(scores, target, margin)
    ce = cross_entropy(scores, target)
    rows = tuple(
        (
            f"${j}$",
            f"${num(float(s[j]))}$",
            "—" if j == target else f"${num(float(s[j] - s[target] + margin))}$",
            "—" if j == target else f"${num(float(terms[j]))}$",
        )
        for j in range(len(s))
    )
    return WorkedExample(
        title=f"多类 hinge 损失：$s = {plain_tuple(s)}$，"
        f"真实类别 ${target}$，$\\Delta = {num(margin)}$",
        steps=(
            Table(
                header=("$j$", "$s_j$", "$s_j - s_y + \\Delta$", "$\\max(0,\\cdot)$"),
                rows=rows,
                caption="只有比真实类分数低不到 $\\Delta$ 的类才产生损失",
            ),
            Step(
                "hinge 损失 (multiclass SVM loss)",
                "L = \\sum_{j \\ne y} \\max(0,\\cdot)",
                signed_sum(terms[j] for j in range(len(s)) if j != target),
                num(float(terms.sum())),
            ),
            Step(
                "同一组分数的 softmax 交叉熵 (for comparison)",
                "-\\ln \\operatorname{softmax}(s)_y",
                "",
                num(ce),
            ),
        ),
    )


# --- Dice loss under class imbalance ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiceImbalance:
    bce: float  # mean binary cross-entropy over all pixels
    dice: float  # 2 sum p g / (sum p^2 + sum g^2), Milletari et al. 2016 eq. 1
    accuracy: float  # fraction of pixels right after thresholding p at 0.5


def dice_imbalance(pixels: int, foreground: int, probability: float) -> DiceImbalance:
    """A mask with `foreground` positive pixels; the net predicts `probability` everywhere."""
    g = np.zeros(pixels)
    g[:foreground] = 1.0
    p = np.full(pixels, probability)
    bce = float(binary_cross_entropy(p, g).mean())
    accuracy = float(((p >= 0.5) == (g == 1.0)).mean())
    return DiceImbalance(bce, dice_coefficient(p, g), accuracy)


@worked_example("dice-imbalance")
def dice_imbalance_example(
    pixels: int = 100, foreground: int = 2, probability: float = 0.05
) -> WorkedExample:
    between("pixels", pixels, 2, 10**6)
    if not 1 <= foreground < pixels:
        raise BadParameter("foreground", f"must be between 1 and {pixels - 1}")
    if not 0 < probability < 0.5:
        raise BadParameter("probability", "must be in (0, 0.5): the net predicts background")
    r = dice_imbalance(pixels, foreground, probability)
    background = pixels - foreground
    p = num(probability)
    return WorkedExample(
        title=f"{pixels} 个像素中 {foreground} 个前景，网络处处输出 $p = {p}$",
        steps=(
            Step(
                "按 0.5 阈值：全判为背景，像素准确率",
                "\\frac{\\#\\text{背景}}{\\#\\text{像素}}",
                f"\\frac{{{background}}}{{{pixels}}}",
                num(r.accuracy),
            ),
            Step(
                "平均二元交叉熵 (mean BCE)：背景项 $-\\ln(1-p)$、前景项 $-\\ln p$，被背景主导",
                "\\overline{\\text{BCE}}",
                f"\\frac{{{background}\\times {num(-math.log(1 - probability))} + "
                f"{foreground}\\times {num(-math.log(probability))}}}{{{pixels}}}",
                num(r.bce),
            ),
            Step(
                "Dice 系数 (Milletari et al. 2016, eq. 1)",
                "D = \\frac{2\\sum_i p_i g_i}{\\sum_i p_i^2 + \\sum_i g_i^2}",
                f"\\frac{{2\\times {foreground}\\times {p}}}"
                f"{{{pixels}\\times {p}^2 + {foreground}}}",
                num(r.dice),
            ),
            Step("Dice 损失", "1 - D", f"1 - {num(r.dice)}", num(1 - r.dice)),
        ),
    )


# --- MSE and MAE as negative log-likelihoods -------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoiseLikelihood:
    gaussian_nll: float  # mean of -ln N(y | f, sigma^2)
    laplace_nll: float  # mean of -ln Laplace(y | f, b)
    gaussian_constant: float  # 0.5 ln(2 pi sigma^2)
    laplace_constant: float  # ln(2 b)


def noise_likelihood(
    predictions: Sequence[float], targets: Sequence[float], sigma: float, b: float
) -> NoiseLikelihood:
    r = regression_losses(predictions, targets, 1.0)
    return NoiseLikelihood(
        gaussian_nll(r.mse, sigma),
        laplace_nll(r.mae, b),
        gaussian_nll(0.0, sigma),  # the constant: the NLL at zero error
        laplace_nll(0.0, b),
    )


@worked_example("regression-likelihood")
def regression_likelihood_example(
    predictions: Sequence[float] = (0.5, 2.0, -1.5),
    targets: Sequence[float] = (0.0, 0.0, 0.0),
    sigma: float = 1.0,
    b: float = 1.0,
) -> WorkedExample:
    _predictions_and_targets(predictions, targets)  # checked, then used as given
    positive_at_most("sigma", sigma, 1e3)
    positive_at_most("b", b, 1e3)
    losses = regression_losses(predictions, targets, 1.0)
    r = noise_likelihood(predictions, targets, sigma, b)
    return WorkedExample(
        title=f"平均负对数似然：高斯 $\\sigma = {num(sigma)}$，拉普拉斯 $b = {num(b)}$",
        steps=(
            Step(
                "残差的 MSE 与 MAE (mean over samples)",
                "\\text{MSE},\\ \\text{MAE}",
                "",
                f"{num(losses.mse)},\\ {num(losses.mae)}",
            ),
            Step(
                "高斯噪声 (Gaussian)",
                "\\frac{\\text{MSE}}{2\\sigma^2} + \\frac12\\ln(2\\pi\\sigma^2)",
                f"\\frac{{{num(losses.mse)}}}{{{num(2 * sigma**2)}}} + {num(r.gaussian_constant)}",
                num(r.gaussian_nll),
            ),
            Step(
                "拉普拉斯噪声 (Laplace)",
                "\\frac{\\text{MAE}}{b} + \\ln(2b)",
                f"\\frac{{{num(losses.mae)}}}{{{num(b)}}} + {num(r.laplace_constant)}",
                num(r.laplace_nll),
            ),
        ),
    )
