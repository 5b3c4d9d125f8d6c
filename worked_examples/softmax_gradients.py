"""Softmax derivatives, log-sum-exp, distillation temperature, and BCE on logits.

Sources: d2l section 4.1.2 (softmax and its derivative); Hinton, Vinyals & Dean 2015,
"Distilling the Knowledge in a Neural Network", section 2 (soft targets at temperature T,
gradients that scale as 1/T^2); PyTorch docs of nn.BCELoss (log clamped at -100) and
nn.BCEWithLogitsLoss (log-sum-exp form).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_tuple, worked_example
from ankigen.checks import Vector, checked_values
from dlmath.activations import (
    log_softmax,
    logsumexp,
    sigmoid,
    softmax,
    softmax_jacobian,
    stable_softmax,
)
from dlmath.losses import bce_with_logits, binary_cross_entropy, one_hot

from ._latex import signed_sum
from ._params import bounded, checked_like, checked_scores

MAX_JACOBIAN = 4  # a K x K table must fit a phone


# --- softmax Jacobian and the cross-entropy gradient -----------------------------------------


@dataclass(frozen=True, slots=True)
class JacobianChain:
    probabilities: Vector
    jacobian: Vector
    upstream: Vector  # dL/dp = -y/p for L = -sum_i y_i ln p_i
    gradient: Vector  # J^T (dL/dp) = p - y


def cross_entropy_through_jacobian(logits: Sequence[float], target: int) -> JacobianChain:
    """The chain rule written out: dL/dz_j = sum_i dL/dp_i * dp_i/dz_j."""
    p = softmax(logits)
    jacobian = softmax_jacobian(p)
    upstream: Vector = -one_hot(len(p), target) / p
    return JacobianChain(p, jacobian, upstream, jacobian.T @ upstream)


@worked_example("softmax-jacobian")
def softmax_jacobian_example(
    logits: Sequence[float] = (2.0, 1.0, 0.1),
    target: int = 0,
) -> WorkedExample:
    z = checked_scores("logits", logits, target, 50.0)
    if len(z) > MAX_JACOBIAN:
        raise BadParameter("logits", f"give at most {MAX_JACOBIAN} logits (one row each)")
    r = cross_entropy_through_jacobian(logits, target)
    p, t = r.probabilities, target
    other = 1 if t == 0 else 0
    return WorkedExample(
        title=f"softmax 的雅可比矩阵：$z = {num_tuple(z)}$，真实类别 ${t}$",
        steps=(
            Step("概率 (probabilities)", "p = \\operatorname{softmax}(z)", "", num_tuple(p)),
            Step(
                f"对角元 $i = j = {t}$",
                f"p_{t}(1-p_{t})",
                f"{num(float(p[t]))}\\times {num(1 - float(p[t]))}",
                num(float(r.jacobian[t, t])),
            ),
            Step(
                f"非对角元 $i={other}$, $j={t}$",
                f"-p_{other}\\,p_{t}",
                f"-{num(float(p[other]))}\\times {num(float(p[t]))}",
                num(float(r.jacobian[other, t])),
            ),
            Step(
                "损失对概率的梯度 (upstream)",
                "\\frac{\\partial L}{\\partial p_i} = -\\frac{y_i}{p_i}",
                f"-\\frac{{1}}{{{num(float(p[t]))}}}\\ (i = {t})",
                num(float(r.upstream[t])),
            ),
            Step(
                "链式法则：只有 $i = y$ 一项非零",
                f"\\frac{{\\partial L}}{{\\partial z_j}} = -\\frac{{1}}{{p_{t}}}"
                f"\\frac{{\\partial p_{t}}}{{\\partial z_j}}",
            ),
            Table(
                header=("$j$", f"$J_{{{t}j}}$", "$\\partial L/\\partial z_j$"),
                rows=tuple(
                    (
                        f"${j}$",
                        f"${num(float(r.jacobian[t, j]))}$",
                        f"${num(float(r.gradient[j]))}$",
                    )
                    for j in range(len(z))
                ),
                caption=(
                    f"第三列 = 第二列 $\\times$ (${num(float(r.upstream[t]))}$)，正是 $p_j - y_j$"
                ),
            ),
        ),
    )


# --- log-sum-exp -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogSoftmax:
    maximum: float
    shifted_sum: float  # sum_j exp(z_j - m), in [1, K]
    logsumexp: float
    log_probs: Vector
    naive_log_target: float  # ln of the (stable) softmax probability: -inf once it underflows


def logsumexp_parts(logits: Sequence[float], target: int) -> LogSoftmax:
    """The max, the shifted sum and LSE as the card shows them, and ln p the naive way."""
    r = stable_softmax(logits)
    with np.errstate(divide="ignore"):
        naive = float(np.log(r.probabilities[target]))
    return LogSoftmax(r.shift, r.total, logsumexp(logits), log_softmax(logits), naive)


@worked_example("log-softmax-stable")
def log_softmax_stable_example(
    logits: Sequence[float] = (0.0, 800.0),
    target: int = 0,
) -> WorkedExample:
    z = checked_scores("logits", logits, target, 1e6)
    r = logsumexp_parts(logits, target)
    naive = "-\\infty" if math.isinf(r.naive_log_target) else num(r.naive_log_target)
    return WorkedExample(
        title=f"log-softmax：$z = {num_tuple(z)}$，求 $\\ln p_{{{target}}}$ (float64)",
        steps=(
            Step(
                "先算 softmax 再取 log (softmax, then log)",
                f"\\ln p_{{{target}}}",
                f"\\ln {num(float(np.exp(r.log_probs[target])))}",
                naive,
            ),
            Step("最大值 (max logit)", "m = \\max_j z_j", "", num(r.maximum)),
            Step(
                "平移后的指数和，介于 $1$ 与 $K$ 之间",
                "S = \\sum_j e^{z_j - m}",
                signed_sum(np.exp(z - r.maximum)),
                num(r.shifted_sum),
            ),
            Step(
                "log-sum-exp",
                "\\operatorname{LSE}(z) = m + \\ln S",
                f"{num(r.maximum)} + \\ln {num(r.shifted_sum)}",
                num(r.logsumexp),
            ),
            Step(
                "log-softmax 不经过 $p$",
                f"\\ln p_{{{target}}} = z_{{{target}}} - \\operatorname{{LSE}}(z)",
                f"{num(float(z[target]))} - {num(r.logsumexp)}",
                num(float(r.log_probs[target])),
            ),
            Step(
                "交叉熵 (cross-entropy)",
                f"L = -\\ln p_{{{target}}}",
                "",
                num(-float(r.log_probs[target])),
            ),
        ),
    )


# --- knowledge distillation ------------------------------------------------------------------


def soft_target_gradient(student: Vector, teacher: Vector, temperature: float) -> Vector:
    """d/dz of -sum_i q_i ln p_i with p = softmax(z/T), q = softmax(v/T): (p - q) / T."""
    result: Vector = (softmax(student, temperature) - softmax(teacher, temperature)) / temperature
    return result


@worked_example("distillation-temperature")
def distillation_temperature_example(
    student: Sequence[float] = (2.0, 1.0, -1.0),
    teacher: Sequence[float] = (3.0, 0.5, -2.0),
    temperatures: Sequence[float] = (1.0, 2.0, 5.0, 10.0, 20.0),
) -> WorkedExample:
    z = checked_values("student", student, 2, 100.0)
    v = checked_like("teacher", teacher, z, "class", 100.0)
    ts = checked_values("temperatures", temperatures, 1, 1e3)
    if np.any(ts <= 0):
        raise BadParameter("temperatures", "must be positive")
    norms = [float(np.linalg.norm(soft_target_gradient(z, v, float(t)))) for t in ts]
    k = len(z)
    zc, vc = z - z.mean(), v - v.mean()
    limit = float(np.linalg.norm(zc - vc)) / k
    rows = tuple(
        (f"${num(float(t))}$", f"${num(g)}$", f"${num(float(t) ** 2 * g)}$")
        for t, g in zip(ts, norms, strict=True)
    )
    return WorkedExample(
        title=f"蒸馏软目标的梯度：学生 $z = {num_tuple(z)}$，教师 $v = {num_tuple(v)}$",
        steps=(
            Step(
                "软目标交叉熵的梯度 (Hinton §2.1)："
                "$p = \\operatorname{softmax}(z/T)$，$q = \\operatorname{softmax}(v/T)$",
                "\\frac{\\partial L_{\\text{soft}}}{\\partial z_i} = \\frac{1}{T}(p_i - q_i)",
            ),
            Table(
                header=("$T$", "$\\lVert\\nabla_z L_{\\text{soft}}\\rVert$", "$\\times T^2$"),
                rows=rows,
                caption="梯度大约按 $1/T^2$ 缩小；乘 $T^2$ 后趋于常数",
            ),
            Step(
                "$T$ 很大时的极限 (logits 先减去各自均值)",
                "T^2\\,\\lVert\\nabla_z L_{\\text{soft}}\\rVert"
                " \\to \\frac{1}{K}\\lVert z - v\\rVert",
                f"\\frac{{1}}{{{k}}}\\times {num(float(np.linalg.norm(zc - vc)))}",
                num(limit),
            ),
        ),
    )


# --- BCE on logits vs sigmoid + BCE ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SigmoidBce:
    probability: float  # sigmoid(z) rounded to the dtype
    loss: float  # BCELoss on it, each log clamped at -100
    slope: float  # sigmoid'(z) = p (1 - p) in the dtype: 0 once p rounds to 1
    gradient: float  # dL/dz through the sigmoid; 0 once the slope is 0


def sigmoid_then_bce(logit: float, target: float, dtype: type[np.floating]) -> SigmoidBce:
    """Sigmoid, then nn.BCELoss, in the given precision, as two separate layers."""
    one = dtype(1.0)
    p = one / (one + np.exp(dtype(-logit)))
    slope = p * (one - p)
    # dL/dp = (p - y) / (p (1 - p)), which PyTorch bounds by 1e-12 below in the denominator.
    d_loss_d_p = (float(p) - target) / max(float(slope), 1e-12)
    return SigmoidBce(
        float(p),
        float(binary_cross_entropy(np.asarray(p), target)),
        float(slope),
        d_loss_d_p * float(slope),
    )


@worked_example("bce-with-logits")
def bce_with_logits_example(logit: float = 40.0, target: float = 0.0) -> WorkedExample:
    bounded(1e4, logit=logit)
    if target not in (0.0, 1.0):
        raise BadParameter("target", "must be 0 or 1")
    r = sigmoid_then_bce(logit, target, np.float32)
    p = r.probability
    stable = bce_with_logits(logit, target)
    exact_p = sigmoid(logit)
    return WorkedExample(
        title=f"logit $z = {num(logit)}$，标签 $y = {num(target)}$，float32",
        steps=(
            Step("sigmoid 舍入 (float32)", "p = \\sigma(z)", f"\\sigma({num(logit)})", num(p)),
            Step(
                "Sigmoid + BCELoss：log 被截断在 $-100$",
                "-[y\\ln p + (1-y)\\ln(1-p)]",
                f"-\\ln(1 - {num(p)})" if target == 0.0 else f"-\\ln {num(p)}",
                num(r.loss),
            ),
            Step(
                "对 $z$ 的梯度要乘 $\\sigma'(z)$ (float32)",
                "\\sigma'(z) = p(1-p)",
                f"{num(p)}\\times(1-{num(p)})",
                num(r.slope),
            ),
            Step(
                "于是 Sigmoid + BCELoss 对 $z$ 的梯度",
                "\\frac{\\partial L}{\\partial z}",
                "",
                num(r.gradient),
            ),
            Step(
                "BCEWithLogitsLoss：直接用 $z$",
                "\\max(z,0) - zy + \\ln(1+e^{-|z|})",
                f"{num(max(logit, 0.0))} - {num(logit * target)} + "
                f"\\ln(1+e^{{-{num(abs(logit))}}})",
                num(stable),
            ),
            Step(
                "它的梯度 (gradient)",
                "\\frac{\\partial L}{\\partial z} = \\sigma(z) - y",
                f"{num(exact_p)} - {num(target)}",
                num(exact_p - target),
            ),
        ),
    )
