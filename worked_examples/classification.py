"""Label smoothing, as torch.nn.CrossEntropyLoss(label_smoothing=eps) defines it.

Source: Szegedy et al. 2016 ("Rethinking the Inception Architecture", section 7) and the
PyTorch docs of CrossEntropyLoss: the target becomes (1 - eps) * onehot + eps / K (the
uniform part includes the true class) and the loss is the cross entropy -sum_k q_k log p_k
against softmax(logits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import between
from dlmath.activations import log_softmax
from dlmath.losses import cross_entropy, smoothed_targets, soft_cross_entropy

from ._params import MAX_TABLE_ROWS, bounded, class_index

Vector = npt.NDArray[np.float64]
DEFAULT_TRUE_LOGIT = 3.0  # default logits: 3 for the target class, 0 elsewhere


@dataclass(frozen=True, slots=True)
class SmoothingLoss:
    targets: Vector
    log_probs: Vector
    onehot_loss: float
    smoothed_loss: float


def label_smoothing_loss(logits: Sequence[float], epsilon: float, target: int) -> SmoothingLoss:
    """The smoothed targets, ln p, and both losses: -ln p_t and -sum_k q_k ln p_k."""
    log_probs = log_softmax(logits)
    targets = smoothed_targets(len(logits), epsilon, target)
    return SmoothingLoss(
        targets,
        log_probs,
        cross_entropy(logits, target),
        soft_cross_entropy(logits, targets),
    )


def _default_logits(classes: int, target: int) -> list[float]:
    return [DEFAULT_TRUE_LOGIT if k == target else 0.0 for k in range(classes)]


@worked_example("label-smoothing")
def label_smoothing_example(
    classes: int = 5,
    epsilon: float = 0.1,
    target: int = 2,
    logits: list[float] | None = None,
) -> WorkedExample:
    between("classes", classes, 2, MAX_TABLE_ROWS)
    between("epsilon", epsilon, 0.0, 1.0)  # as in PyTorch
    class_index("target", target, classes)
    if logits is None:
        logits = _default_logits(classes, target)
    if len(logits) != classes:
        raise BadParameter("logits", f"needs one logit per class ({classes})")
    for z in logits:
        bounded(1e3, logits=z)
    result = label_smoothing_loss(logits, epsilon, target)
    on_target = float(result.targets[target])
    off_target = epsilon / classes
    probs = np.exp(result.log_probs)
    rows = tuple(
        (
            f"{k} (目标)" if k == target else str(k),
            f"${num(1.0 if k == target else 0.0)}$",
            f"${num(float(result.targets[k]))}$",
            f"${num(float(logits[k]))}$",
            f"${num(float(probs[k]))}$",
        )
        for k in range(classes)
    )
    log_sum = float(result.log_probs.sum())
    # -sum_k y_k ln p_k with y_t = 1 - eps + eps/K and y_k = eps/K, split in two terms.
    target_term = -(1.0 - epsilon) * float(result.log_probs[target])
    uniform_term = -off_target * log_sum
    steps: list[Step | Table] = [
        Step(
            "目标类 (target class)",
            "y^{\\text{LS}}_t = 1-\\varepsilon+\\frac{\\varepsilon}{K}",
            f"1-{num(epsilon)}+\\frac{{{num(epsilon)}}}{{{num(classes)}}}",
            num(on_target),
        ),
        Step(
            "其余每类 (every other class)",
            "y^{\\text{LS}}_k = \\frac{\\varepsilon}{K}",
            f"\\frac{{{num(epsilon)}}}{{{num(classes)}}}",
            num(off_target),
        ),
        Table(
            header=("类 (class)", "$y$", "$y^{\\text{LS}}$", "$z$", "$p=\\mathrm{softmax}(z)$"),
            rows=rows,
            caption="$z$: logits；平滑后的目标仍是概率分布，和为 1",
        ),
        Step(
            "one-hot 交叉熵 (CE)",
            "-\\ln p_t",
            f"-\\ln {num(float(probs[target]))}",
            num(result.onehot_loss),
        ),
        Step(
            "目标类一项 (target term)",
            "-(1-\\varepsilon)\\ln p_t",
            f"-{num(1.0 - epsilon)}\\times({num(float(result.log_probs[target]))})",
            num(target_term),
        ),
        Step(
            "所有类一项 (uniform term)",
            "-\\frac{\\varepsilon}{K}\\sum_k \\ln p_k",
            f"-{num(off_target)}\\times({num(log_sum)})",
            num(uniform_term),
        ),
        Step(
            "标签平滑交叉熵 = 两项之和 (= nn.CrossEntropyLoss(label_smoothing=ε))",
            "-\\sum_k y^{\\text{LS}}_k \\ln p_k",
            f"{num(target_term)} + {num(uniform_term)}",
            num(result.smoothed_loss),
        ),
    ]
    if 0.0 < epsilon < 1.0:
        steps.append(
            Step(
                "最优 logit 差是有限的 (optimal gap $z_t - z_k$; one-hot: $\\to\\infty$)",
                "\\ln\\frac{y^{\\text{LS}}_t}{y^{\\text{LS}}_k}",
                f"\\ln\\frac{{{num(on_target)}}}{{{num(off_target)}}}",
                num(math.log(on_target / off_target)),
            )
        )
    return WorkedExample(
        title=f"$K={classes}$ 类, $\\varepsilon={epsilon:g}$, 目标类 $t={target}$",
        steps=tuple(steps),
    )
