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

import numpy as np

from ankigen import BadParameter, Step, Table, WorkedExample, num, num_factor, worked_example
from dlmath.optimizers import (
    Trace,
    adagrad,
    adam,
    adam_first_step_uncorrected,
    given_gradients,
    rmsprop,
    sutskever_momentum,
)

MAX_STEPS = 20
MAX_PATH_STEPS = 40
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


def _check_gradients(gradients: list[float], lr: float, eps: float) -> None:
    if not 1 <= len(gradients) <= MAX_STEPS:
        raise BadParameter("gradients", f"give 1 to {MAX_STEPS} gradients, got {len(gradients)}")
    if not all(math.isfinite(g) and abs(g) <= 1e6 for g in gradients):
        raise BadParameter("gradients", "each gradient must be finite, at most 1e6 in size")
    if not 0.0 < lr <= 10.0:
        raise BadParameter("lr", "must be in (0, 10]")
    if not 0.0 <= eps <= 1.0:
        raise BadParameter("eps", "must be in [0, 1]")
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
    if not 0.0 < lr <= 10.0:
        raise BadParameter("lr", "must be in (0, 10]")
    if not 0.0 < momentum < 1.0:
        raise BadParameter("momentum", "must be in (0, 1): with 0 both are plain SGD")
    if not math.isfinite(start) or start == 0.0 or abs(start) > 1e6:
        raise BadParameter("start", "must be finite, non-zero (0 is the minimum), at most 1e6")
    if not 0.0 < curvature <= 1e3:
        raise BadParameter("curvature", "must be in (0, 1000]: f(w) = curvature w^2 / 2 is convex")
    if not 2 <= steps <= MAX_PATH_STEPS:
        raise BadParameter("steps", f"must be 2 to {MAX_PATH_STEPS}")
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
                (f"${t}$", f"${num(a)}$", f"${num(b)}$")
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


@worked_example("adagrad-rmsprop")
def adagrad_rmsprop_example(
    gradient: float = 1.0,
    lr: float = 0.1,
    rho: float = 0.9,
    eps: float = 1e-8,
    steps: int = 100,
    at: list[int] = [1, 2, 5, 10, 25, 50, 100],  # noqa: B006 - recipe defaults are never mutated
) -> WorkedExample:
    _check_gradients([gradient], lr, eps)
    if gradient == 0.0:
        raise BadParameter("gradient", "must not be 0: nothing would move")
    if not 0.0 <= rho < 1.0:
        raise BadParameter("rho", "must be in [0, 1)")
    if not 1 <= steps <= MAX_RUN_STEPS:
        raise BadParameter("steps", f"must be 1 to {MAX_RUN_STEPS}")
    if not 1 <= len(at) <= MAX_STEPS or not all(1 <= t <= steps for t in at):
        raise BadParameter("at", f"1 to {MAX_STEPS} step numbers, each in 1..steps")
    ada, rms = constant_gradient_steps(gradient, lr, rho, eps, steps)
    g, last = num_factor(gradient), steps
    items: list[Step | Table] = [
        Step(
            f"AdaGrad 累积 (accumulator), $t={last}$",
            "G_t = t\\, g^2",
            f"{last} \\times {g}^2",
            num(ada.second[-1]),
        ),
        Step(
            f"AdaGrad 步长 (step) $\\approx \\eta / \\sqrt t$, $t={last}$",
            "\\Delta w_t = \\frac{\\eta\\, g}{\\sqrt{G_t} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {g}}}{{\\sqrt{{{num(ada.second[-1])}}}}}",
            num(ada.updates[-1]),
        ),
        Step(
            f"RMSProp 滑动平均 (moving average), $t={last}$",
            "E_t = (1-\\rho^t)\\, g^2",
            f"(1 - {num(rho)}^{{{last}}}) \\times {g}^2",
            num(rms.second[-1]),
        ),
        Step(
            f"RMSProp 步长 (step) $\\approx \\eta / \\sqrt{{1-\\rho^t}}$, $t={last}$",
            "\\Delta w_t = \\frac{\\eta\\, g}{\\sqrt{E_t} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {g}}}{{\\sqrt{{{num(rms.second[-1])}}}}}",
            num(rms.updates[-1]),
        ),
        Table(
            header=("$t$", "AdaGrad $\\Delta w_t$", "RMSProp $\\Delta w_t$"),
            rows=tuple(
                (f"${t}$", f"${num(ada.updates[t - 1])}$", f"${num(rms.updates[t - 1])}$")
                for t in at
            ),
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


@worked_example("adam-steps")
def adam_steps_example(
    gradients: list[float] = [0.5, 0.5, 0.5],  # noqa: B006 - recipe defaults are never mutated
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
    items: list[Step | Table] = [
        Step(
            "一阶矩 (first moment), $t=1$",
            "m_1 = \\beta_1 m_0 + (1-\\beta_1) g_1",
            f"{num(beta1)} \\times 0 + {num(1 - beta1)} \\times {num_factor(g[0])}",
            num(m[0]),
        ),
        Step(
            "二阶矩 (second moment), $t=1$",
            "v_1 = \\beta_2 v_0 + (1-\\beta_2) g_1^2",
            f"{num(beta2)} \\times 0 + {num(1 - beta2)} \\times {num_factor(g[0])}^2",
            num(v[0]),
        ),
        Step(
            "偏差修正 (bias correction), $t=1$",
            "\\hat m_1 = \\frac{m_1}{1-\\beta_1^1}",
            f"\\frac{{{num(m[0])}}}{{{num(1 - beta1)}}}",
            num(m_hat[0]),
        ),
        Step(
            "偏差修正 (bias correction), $t=1$",
            "\\hat v_1 = \\frac{v_1}{1-\\beta_2^1}",
            f"\\frac{{{num(v[0])}}}{{{num(1 - beta2)}}}",
            num(v_hat[0]),
        ),
        Step(
            "更新步长 (step), $t=1$",
            "\\Delta w_1 = \\frac{\\eta\\, \\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {num_factor(m_hat[0])}}}"
            f"{{\\sqrt{{{num(v_hat[0])}}} + {num(eps)}}}",
            num(step[0]),
        ),
        Table(
            header=("$t$", "$g_t$", "$m_t$", "$v_t$"),
            rows=tuple(
                (f"${t}$", f"${num(g[t - 1])}$", f"${num(m[t - 1])}$", f"${num(v[t - 1])}$")
                for t in range(1, len(gs) + 1)
            ),
            caption="原始矩 (raw moments), $m_0 = v_0 = 0$",
        ),
        Table(
            header=("$t$", "$\\hat m_t$", "$\\hat v_t$", "$\\Delta w_t$", "$w_t$"),
            rows=tuple(
                (
                    f"${t}$",
                    f"${num(m_hat[t - 1])}$",
                    f"${num(v_hat[t - 1])}$",
                    f"${num(step[t - 1])}$",
                    f"${num(w[t - 1])}$",
                )
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
            f"梯度 $g = ({', '.join(num(g) for g in gs)})$, $\\eta = {num(lr)}$, "
            f"$\\beta_1 = {num(beta1)}$, $\\beta_2 = {num(beta2)}$, $\\epsilon = {num(eps)}$"
        ),
        steps=tuple(items),
    )
