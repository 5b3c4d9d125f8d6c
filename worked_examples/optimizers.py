"""Optimizer updates step by step, following the pseudo-code of the torch.optim docs exactly.

Momentum and Nesterov (NAG) in the one variable theta of Sutskever et al. (2013), eqs. 1-4:
v_t = mu v_{t-1} - lr grad f(p), theta_t = theta_{t-1} + v_t, with p = theta_{t-1} (Momentum) or
the look-ahead p = theta_{t-1} + mu v_{t-1} (NAG). torch.optim.SGD(nesterov=True) tracks
theta' = theta + mu v instead: the same method after a change of variables (the tests check it).
AdaGrad (Duchi et al. 2011; torch.optim.Adagrad, no lr decay,
zero initial accumulator): G_t = G_{t-1} + g_t^2, step lr g_t / (sqrt(G_t) + eps). RMSProp
(Hinton's lecture 6e; torch.optim.RMSprop, whose `alpha` is rho here): E_t = rho E_{t-1} +
(1 - rho) g_t^2, step lr g_t / (sqrt(E_t) + eps), no bias correction. Adam (Kingma & Ba 2015,
Algorithm 1; torch.optim.Adam): bias-corrected moments, step lr m_hat / (sqrt(v_hat) + eps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_factor, worked_example
from ankigen.checks import between
from dlmath.optimizers import (
    Trace,
    adagrad,
    adam,
    adam_first_step_uncorrected,
    given_gradients,
    rmsprop,
    sutskever_momentum,
)

from ._latex import plain_tuple
from ._params import MAX_STEP_ROWS, bounded, positive_at_most, table_steps

# Rows of a table of hand-given gradients or chosen steps: MAX_STEP_ROWS (from _params).
# A momentum path is longer: its table must reach the first overshoot and return, which at
# lr = 0.05 (curvature 1, mu = 0.9) takes about 28 steps.
MAX_PATH_STEPS = 40
# Steps adagrad-rmsprop runs one by one (a schedule's closed form allows far more, see
# schedules.MAX_TOTAL_STEPS); only the `at` rows are shown.
MAX_RUN_STEPS = 1000
ZERO = np.zeros(())  # the worked examples' single weight starts at 0


def first_overshoot(thetas: list[float], start: float) -> tuple[int, float]:
    """The step t and value of the farthest point past the minimum 0 before the first return.

    The path starts on one side of 0; the first run of points on the other side is the
    first overshoot, and its largest |theta| is reported (t counts from 1)."""
    side = math.copysign(1.0, start)
    best_t, best = 0, 0.0
    for t, theta in enumerate(thetas, start=1):
        if theta * side < 0:
            if abs(theta) > abs(best):
                best_t, best = t, theta
        elif best_t:
            break
    return best_t, best


def _check_gradients(gradients: Sequence[float], lr: float, eps: float) -> None:
    if not 1 <= len(gradients) <= MAX_STEP_ROWS:
        raise BadParameter(
            "gradients", f"give 1 to {MAX_STEP_ROWS} gradients, got {len(gradients)}"
        )
    for gradient in gradients:
        bounded(gradients=gradient)
    positive_at_most("lr", lr, 10.0)
    between("eps", eps, 0.0, 1.0)
    if eps == 0.0 and gradients[0] == 0.0:
        raise BadParameter("eps", "a zero first gradient with eps = 0 divides 0 by 0")


@worked_example("sgd-momentum-nag")
def sgd_momentum_nag_example(
    lr: float = 0.1,
    momentum: float = 0.9,
    start: float = 1.0,
    curvature: float = 1.0,
    steps: int = 20,
) -> WorkedExample:
    positive_at_most("lr", lr, 10.0)
    if not 0.0 < momentum < 1.0:
        raise BadParameter("momentum", "must be in (0, 1): with 0 both are plain SGD")
    bounded(start=start)
    if start == 0.0:
        raise BadParameter("start", "must not be 0, the minimum")
    positive_at_most("curvature", curvature, 1e3)  # f(w) = curvature w^2 / 2 is convex
    between("steps", steps, 2, MAX_PATH_STEPS)
    mom, nag = (
        sutskever_momentum(
            lambda point, _t: curvature * point, np.asarray(start), lr, momentum, steps, nesterov
        )
        for nesterov in (False, True)
    )
    c, mu = num(curvature), num(momentum)
    # Step 2 is the first where the velocity acts; at step 1 both take the plain gradient.
    items: list[Step | Table] = [
        Step(
            "两者第 1 步相同 (step 1, $v_0 = 0$)",
            "\\theta_1 = \\theta_0 - \\eta\\, c\\,\\theta_0",
            f"{num(start)} - {num(lr)} \\times {c} \\times {num_factor(start)}",
            num(mom.thetas[0]),
        ),
        Step(
            "Momentum 速度 (velocity), $t=2$",
            "v_2 = \\mu v_1 - \\eta\\, f'(\\theta_1)",
            f"{mu} \\times {num_factor(mom.velocities[0])} "
            f"- {num(lr)} \\times {num_factor(mom.grads[1])}",
            num(mom.velocities[1]),
        ),
        Step(
            "NAG 预估点 (look-ahead point), $t=2$",
            "p_2 = \\theta_1 + \\mu v_1",
            f"{num(nag.thetas[0])} + {mu} \\times {num_factor(nag.velocities[0])}",
            num(nag.points[1]),
        ),
        Step(
            "NAG 速度 (velocity), $t=2$",
            "v_2 = \\mu v_1 - \\eta\\, f'(p_2)",
            f"{mu} \\times {num_factor(nag.velocities[0])} "
            f"- {num(lr)} \\times {num_factor(nag.grads[1])}",
            num(nag.velocities[1]),
        ),
        Table(
            header=("$t$", "Momentum $\\theta_t$", "NAG $\\theta_t$"),
            rows=tuple(
                (t, float(a), float(b))
                for t, (a, b) in enumerate(zip(mom.thetas, nag.thetas, strict=True), start=1)
            ),
            caption="$\\theta_t = \\theta_{t-1} + v_t$, 最优点 (minimum) $\\theta^* = 0$",
        ),
    ]
    for name, path in (("Momentum", mom), ("NAG", nag)):
        t, value = first_overshoot(path.thetas.tolist(), start)
        if t:
            items.append(
                Step(
                    f"{name} 第一次过冲 (first overshoot)",
                    result=f"\\theta_{{{t}}} = {num(value)}",
                )
            )
    return WorkedExample(
        title=(
            f"$f(\\theta) = \\tfrac12 c \\theta^2$, $c = {c}$, $\\theta_0 = {num(start)}$, "
            f"$\\eta = {num(lr)}$, $\\mu = {mu}$"
        ),
        steps=tuple(items),
    )


def constant_gradient_steps(
    gradient: float, lr: float, rho: float, eps: float, steps: int
) -> tuple[Trace, Trace]:
    """AdaGrad and RMSProp fed the same gradient `steps` times (weights start at 0).

    AdaGrad: G_t = t g^2, so the step is lr / sqrt(t) (for g > 0, eps -> 0): it decays.
    RMSProp: E_t = (1 - rho^t) g^2, so the step is lr / sqrt(1 - rho^t): it settles at lr,
    after early steps inflated by the zero start E_0 = 0 (no bias correction)."""
    gs = given_gradients([gradient] * steps)
    return adagrad(gs, ZERO, lr, steps, eps), rmsprop(gs, ZERO, lr, steps, rho, eps)


@dataclass(frozen=True, slots=True)
class _Squares:
    """How AdaGrad or RMSProp sums the squared gradients, as the card writes it."""

    label: str
    symbol: str
    closed_form: str  # the statistic after t steps of a constant gradient g
    substituted: str
    approx: str  # the step size it gives, approximately


@worked_example("adagrad-rmsprop")
def adagrad_rmsprop_example(
    gradient: float = 1.0,
    lr: float = 0.1,
    rho: float = 0.9,
    eps: float = 1e-8,
    steps: int = 100,
    at: Sequence[int] = (1, 2, 5, 10, 25, 50, 100),
) -> WorkedExample:
    _check_gradients([gradient], lr, eps)
    if gradient == 0.0:
        raise BadParameter("gradient", "must not be 0: nothing would move")
    if not 0.0 <= rho < 1.0:
        raise BadParameter("rho", "must be in [0, 1)")
    between("steps", steps, 1, MAX_RUN_STEPS)
    table_steps("at", at, 1, steps, "1..steps")
    ada, rms = constant_gradient_steps(gradient, lr, rho, eps, steps)
    g, last = num_factor(gradient), steps

    def at_last_step(run: Trace, name: str, squares: _Squares) -> list[Step]:
        """The statistic of g^2 after `last` steps, then the step size it gives."""
        return [
            Step(
                f"{name} {squares.label}, $t={last}$",
                f"{squares.symbol}_t = {squares.closed_form}",
                squares.substituted,
                num(run.second[-1]),
            ),
            Step(
                f"{name} 步长 (step) $\\approx {squares.approx}$, $t={last}$",
                f"\\Delta w_t = \\frac{{\\eta\\, g}}{{\\sqrt{{{squares.symbol}_t}} + \\epsilon}}",
                f"\\frac{{{num(lr)} \\times {g}}}{{\\sqrt{{{num(run.second[-1])}}}}}",
                num(run.updates[-1]),
            ),
        ]

    items: list[Step | Table] = [
        *at_last_step(
            ada,
            "AdaGrad",
            _Squares(
                "累积 (accumulator)", "G", "t\\, g^2", f"{last} \\times {g}^2", "\\eta / \\sqrt t"
            ),
        ),
        *at_last_step(
            rms,
            "RMSProp",
            _Squares(
                "滑动平均 (moving average)",
                "E",
                "(1-\\rho^t)\\, g^2",
                f"(1 - {num(rho)}^{{{last}}}) \\times {g}^2",
                "\\eta / \\sqrt{1-\\rho^t}",
            ),
        ),
        Table(
            header=("$t$", "AdaGrad $\\Delta w_t$", "RMSProp $\\Delta w_t$"),
            rows=tuple((t, float(ada.updates[t - 1]), float(rms.updates[t - 1])) for t in at),
            caption=(
                f"torch.optim.Adagrad / RMSprop(alpha={rho:g}), "
                f"每步梯度都是 (every gradient) ${num(gradient)}$"
            ),
        ),
    ]
    return WorkedExample(
        title=(
            f"恒定梯度 (constant gradient) $g = {num(gradient)}$, {steps} 步, "
            f"$\\eta = {num(lr)}$, $\\rho = {num(rho)}$, $\\epsilon = {num(eps)}$"
        ),
        steps=tuple(items),
    )


def _moment(
    order: int, symbol: str, label: str, beta: float, g1: float, raw: float, corrected: float
) -> tuple[Step, Step]:
    """Adam's first step of moment `order` (1: m of g, 2: v of g^2), then its bias correction."""
    b = f"\\beta_{order}"
    power = "" if order == 1 else "^2"
    return (
        Step(
            f"{label}, $t=1$",
            f"{symbol}_1 = {b} {symbol}_0 + (1-{b}) g_1{power}",
            f"{num(beta)} \\times 0 + {num(1 - beta)} \\times {num_factor(g1)}{power}",
            num(raw),
        ),
        Step(
            "偏差修正 (bias correction), $t=1$",
            f"\\hat {symbol}_1 = \\frac{{{symbol}_1}}{{1-{b}^1}}",
            f"\\frac{{{num(raw)}}}{{{num(1 - beta)}}}",
            num(corrected),
        ),
    )


@worked_example("adam-steps")
def adam_steps_example(
    gradients: Sequence[float] = (0.5, 0.5, 0.5),
    lr: float = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> WorkedExample:
    _check_gradients(gradients, lr, eps)
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 <= beta < 1.0:
            raise BadParameter(name, "must be in [0, 1)")
    gs = [float(g) for g in gradients]
    run = adam(given_gradients(gs), ZERO, lr, len(gs), (beta1, beta2), eps)
    trace, m_hat, v_hat = run.trace, run.m_hat.tolist(), run.v_hat.tolist()
    g, m, v = trace.grads.tolist(), trace.first.tolist(), trace.second.tolist()
    step, w = trace.updates.tolist(), trace.params[1:].tolist()
    raw = adam_first_step_uncorrected(g[0], lr, beta1, beta2, eps)
    m_step, m_correction = _moment(1, "m", "一阶矩 (first moment)", beta1, g[0], m[0], m_hat[0])
    v_step, v_correction = _moment(2, "v", "二阶矩 (second moment)", beta2, g[0], v[0], v_hat[0])
    items: list[Step | Table] = [
        m_step,
        v_step,
        m_correction,
        v_correction,
        Step(
            "更新步长 (step), $t=1$",
            "\\Delta w_1 = \\frac{\\eta\\, \\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {num_factor(m_hat[0])}}}"
            f"{{\\sqrt{{{num(v_hat[0])}}} + {num(eps)}}}",
            num(step[0]),
        ),
        Table(
            header=("$t$", "$g_t$", "$m_t$", "$v_t$"),
            rows=tuple((t, g[t - 1], m[t - 1], v[t - 1]) for t in range(1, len(gs) + 1)),
            caption="原始矩 (raw moments), $m_0 = v_0 = 0$",
        ),
        Table(
            header=("$t$", "$\\hat m_t$", "$\\hat v_t$", "$\\Delta w_t$", "$w_t$"),
            rows=tuple(
                (t, m_hat[t - 1], v_hat[t - 1], step[t - 1], w[t - 1])
                for t in range(1, len(gs) + 1)
            ),
            caption="修正后 (bias-corrected), torch.optim.Adam, $w_0 = 0$",
        ),
        Step(
            "不修正的第一步 (first step without correction)",
            "\\frac{\\eta\\, m_1}{\\sqrt{v_1} + \\epsilon}"
            " \\approx \\frac{1-\\beta_1}{\\sqrt{1-\\beta_2}}\\,\\eta\\,\\mathrm{sign}(g_1)",
            f"\\frac{{{num(lr)} \\times {num_factor(m[0])}}}{{\\sqrt{{{num(v[0])}}} + {num(eps)}}}",
            f"{num(raw)} = {num(raw / lr)}\\,\\eta",
        ),
        Step(
            "修正后的第一步 (first step with correction)",
            "\\frac{\\eta\\, \\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}"
            " \\approx \\eta\\,\\mathrm{sign}(g_1)",
            "",
            f"{num(step[0])} = {num(step[0] / lr)}\\,\\eta",
        ),
    ]
    return WorkedExample(
        title=(
            f"梯度 $g = {plain_tuple(gs)}$, $\\eta = {num(lr)}$, "
            f"$\\beta_1 = {num(beta1)}$, $\\beta_2 = {num(beta2)}$, $\\epsilon = {num(eps)}$"
        ),
        steps=tuple(items),
    )
