"""Optimizer updates step by step, following the pseudo-code of the torch.optim docs exactly.

SGD with momentum mu (dampening 0): v_t = mu v_{t-1} + g_t (v_1 = g_1), w_t = w_{t-1} - lr v_t;
Nesterov (torch's form, Sutskever et al. 2013 rewritten at the look-ahead point):
w_t = w_{t-1} - lr (g_t + mu v_t). AdaGrad (Duchi et al. 2011; torch.optim.Adagrad, no lr decay,
zero initial accumulator): G_t = G_{t-1} + g_t^2, step lr g_t / (sqrt(G_t) + eps). RMSProp
(Hinton's lecture 6e; torch.optim.RMSprop, whose `alpha` is rho here): E_t = rho E_{t-1} +
(1 - rho) g_t^2, step lr g_t / (sqrt(E_t) + eps), no bias correction. Adam (Kingma & Ba 2015,
Algorithm 1; torch.optim.Adam): bias-corrected moments, step lr m_hat / (sqrt(v_hat) + eps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example

Method = Literal["sgd", "momentum", "nag"]
MAX_STEPS = 20


@dataclass(slots=True)
class Trace:
    """Per step t = 1..T: gradient, state (velocity or accumulator), step taken, new weight.

    The weight starts at `start` and moves by w_t = w_{t-1} - step_t."""

    start: float = 0.0
    grads: list[float] = field(default_factory=list)
    states: list[float] = field(default_factory=list)
    steps: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    @property
    def weight(self) -> float:
        """The current weight: the last one written, or the start."""
        return self.weights[-1] if self.weights else self.start

    def add(self, grad: float, state: float, step: float) -> None:
        self.weights.append(self.weight - step)
        self.grads.append(grad)
        self.states.append(state)
        self.steps.append(step)


def momentum_trace(
    method: Method, lr: float, momentum: float, start: float, curvature: float, steps: int
) -> Trace:
    """Gradient descent on f(w) = curvature w^2 / 2 (so g = curvature w), as torch.optim.SGD."""
    trace = Trace(start=start)
    v = 0.0
    for _ in range(steps):
        g = curvature * trace.weight
        v = momentum * v + g  # the first step gives v_1 = g_1, like torch's buffer clone
        update = {"sgd": g, "momentum": v, "nag": g + momentum * v}[method]
        trace.add(g, v, lr * update)
    return trace


def adagrad_trace(gradients: list[float], lr: float, eps: float) -> Trace:
    """G_t = G_{t-1} + g_t^2; step lr g_t / (sqrt(G_t) + eps); the weight starts at 0."""
    trace, accumulator = Trace(), 0.0
    for g in gradients:
        accumulator += g * g
        trace.add(g, accumulator, lr * g / (math.sqrt(accumulator) + eps))
    return trace


def rmsprop_trace(gradients: list[float], lr: float, rho: float, eps: float) -> Trace:
    """E_t = rho E_{t-1} + (1 - rho) g_t^2; step lr g_t / (sqrt(E_t) + eps); starts at 0."""
    trace, average = Trace(), 0.0
    for g in gradients:
        average = rho * average + (1.0 - rho) * g * g
        trace.add(g, average, lr * g / (math.sqrt(average) + eps))
    return trace


@dataclass(frozen=True, slots=True)
class AdamState:
    """One Adam step t: raw moments, bias-corrected moments, the step and the new weight."""

    t: int
    g: float
    m: float
    v: float
    m_hat: float
    v_hat: float
    step: float
    w: float


def adam_trace(
    gradients: list[float], lr: float, beta1: float, beta2: float, eps: float
) -> list[AdamState]:
    """Kingma & Ba's Algorithm 1 (torch.optim.Adam, amsgrad off); the weight starts at 0."""
    m = v = w = 0.0
    states: list[AdamState] = []
    for t, g in enumerate(gradients, start=1):
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        m_hat, v_hat = m / (1.0 - beta1**t), v / (1.0 - beta2**t)
        step = lr * m_hat / (math.sqrt(v_hat) + eps)
        w -= step
        states.append(AdamState(t, g, m, v, m_hat, v_hat, step, w))
    return states


def adam_first_step_uncorrected(
    g: float, lr: float, beta1: float, beta2: float, eps: float
) -> float:
    """The first Adam step with raw moments: lr (1-beta1) g / (sqrt((1-beta2) g^2) + eps).

    Both moments start biased towards 0, v far more (1 - beta2 << 1 - beta1), so this step is
    about (1-beta1)/sqrt(1-beta2) = 3.16 times lr at the defaults: too large (paper, section 3)."""
    return lr * (1.0 - beta1) * g / (math.sqrt((1.0 - beta2) * g * g) + eps)


def _p(value: float) -> str:
    """A number, in parentheses when negative so that products read right."""
    text = num(value)
    return f"({text})" if value < 0 else text


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


def _trace_table(trace: Trace, caption: str, state: str, *, show_state: bool = True) -> Table:
    header = (
        "$t$",
        "$g_t$",
        *((f"${state}$",) if show_state else ()),
        "$\\Delta w_t$",
        "$w_t$",
    )
    rows = tuple(
        (
            f"${t}$",
            f"${num(g)}$",
            *((f"${num(s)}$",) if show_state else ()),
            f"${num(d)}$",
            f"${num(w)}$",
        )
        for t, (g, s, d, w) in enumerate(
            zip(trace.grads, trace.states, trace.steps, trace.weights, strict=True), start=1
        )
    )
    return Table(header=header, rows=rows, caption=caption)


@worked_example("sgd-momentum-nag")
def sgd_momentum_nag_example(
    lr: float = 0.1,
    momentum: float = 0.9,
    start: float = 1.0,
    curvature: float = 1.0,
    steps: int = 3,
) -> WorkedExample:
    if not 0.0 < lr <= 10.0:
        raise BadParameter("lr", "must be in (0, 10]")
    if not 0.0 < momentum < 1.0:
        raise BadParameter("momentum", "must be in (0, 1): with 0 all three are plain SGD")
    if not math.isfinite(start) or abs(start) > 1e6:
        raise BadParameter("start", "must be finite, at most 1e6 in size")
    if not 0.0 < curvature <= 1e3:
        raise BadParameter("curvature", "must be in (0, 1000]: f(w) = curvature w^2 / 2 is convex")
    if not 1 <= steps <= MAX_STEPS:
        raise BadParameter("steps", f"must be 1 to {MAX_STEPS}")
    traces = {
        m: momentum_trace(m, lr, momentum, start, curvature, steps)
        for m in ("sgd", "momentum", "nag")
    }
    sgd, mom, nag = traces["sgd"], traces["momentum"], traces["nag"]
    # Step 2 shows the velocity at work; at step 1 it is just the gradient.
    k = min(2, steps) - 1
    w_prev = [start, *mom.weights][k]
    w_prev_nag = [start, *nag.weights][k]
    v_prev = [0.0, *mom.states][k]
    v_prev_nag = [0.0, *nag.states][k]
    t = k + 1
    direction = nag.grads[k] + momentum * nag.states[k]  # what torch's Nesterov step uses
    items: list[Step | Table] = [
        Step(
            "梯度 (gradient)，$f(w) = \\tfrac12 c w^2$",
            "g = f'(w) = c\\,w",
            f"{num(curvature)} \\times {_p(start)}",
            num(sgd.grads[0]),
        ),
        Step(
            "SGD 更新 (update)",
            "w_1 = w_0 - \\eta g_1",
            f"{num(start)} - {num(lr)} \\times {_p(sgd.grads[0])}",
            num(sgd.weights[0]),
        ),
        _trace_table(sgd, "SGD", "", show_state=False),
        Step(
            f"动量速度 (momentum buffer), $t={t}$",
            f"v_{t} = \\mu v_{t - 1} + g_{t}",
            f"{num(momentum)} \\times {_p(v_prev)} + {_p(mom.grads[k])}",
            num(mom.states[k]),
        ),
        Step(
            f"动量更新 (momentum update), $t={t}$",
            f"w_{t} = w_{t - 1} - \\eta v_{t}",
            f"{num(w_prev)} - {num(lr)} \\times {_p(mom.states[k])}",
            num(mom.weights[k]),
        ),
        _trace_table(mom, "Momentum ($v_0 = 0$)", "v_t"),
        Step(
            f"NAG 速度 (Nesterov buffer), $t={t}$",
            f"v_{t} = \\mu v_{t - 1} + g_{t}",
            f"{num(momentum)} \\times {_p(v_prev_nag)} + {_p(nag.grads[k])}",
            num(nag.states[k]),
        ),
        Step(
            f"NAG 更新方向 (look-ahead direction), $t={t}$",
            f"g_{t} + \\mu v_{t}",
            f"{_p(nag.grads[k])} + {num(momentum)} \\times {_p(nag.states[k])}",
            num(direction),
        ),
        Step(
            f"NAG 更新 (Nesterov update), $t={t}$",
            f"w_{t} = w_{t - 1} - \\eta (g_{t} + \\mu v_{t})",
            f"{num(w_prev_nag)} - {num(lr)} \\times {_p(direction)}",
            num(nag.weights[k]),
        ),
        _trace_table(nag, "NAG, torch.optim.SGD(nesterov=True)", "v_t"),
    ]
    return WorkedExample(
        title=(
            f"$f(w) = \\tfrac12 c w^2$, $c = {num(curvature)}$, $w_0 = {num(start)}$, "
            f"$\\eta = {num(lr)}$, $\\mu = {num(momentum)}$"
        ),
        steps=tuple(items),
    )


@worked_example("adagrad-rmsprop")
def adagrad_rmsprop_example(
    gradients: list[float] = [1.0, 0.5, 2.0],  # noqa: B006 - recipe defaults are never mutated
    lr: float = 0.1,
    rho: float = 0.9,
    eps: float = 1e-8,
) -> WorkedExample:
    _check_gradients(gradients, lr, eps)
    if not 0.0 <= rho < 1.0:
        raise BadParameter("rho", "must be in [0, 1)")
    gs = [float(g) for g in gradients]
    ada, rms = adagrad_trace(gs, lr, eps), rmsprop_trace(gs, lr, rho, eps)
    g1, last = gs[0], len(gs)
    items: list[Step | Table] = [
        Step(
            "AdaGrad 累积 (accumulator), $t=1$",
            "G_1 = G_0 + g_1^2",
            f"0 + {_p(g1)}^2",
            num(ada.states[0]),
        ),
        Step(
            "AdaGrad 步长 (step), $t=1$",
            "\\Delta w_1 = \\frac{\\eta\\, g_1}{\\sqrt{G_1} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {_p(g1)}}}{{\\sqrt{{{num(ada.states[0])}}} + {num(eps)}}}",
            num(ada.steps[0]),
        ),
        _trace_table(ada, "AdaGrad, torch.optim.Adagrad ($w_0 = 0$)", "G_t"),
        Step(
            "RMSProp 滑动平均 (moving average), $t=1$",
            "E_1 = \\rho E_0 + (1-\\rho) g_1^2",
            f"{num(rho)} \\times 0 + {num(1 - rho)} \\times {_p(g1)}^2",
            num(rms.states[0]),
        ),
        Step(
            "RMSProp 步长 (step), $t=1$",
            "\\Delta w_1 = \\frac{\\eta\\, g_1}{\\sqrt{E_1} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {_p(g1)}}}{{\\sqrt{{{num(rms.states[0])}}} + {num(eps)}}}",
            num(rms.steps[0]),
        ),
        _trace_table(rms, f"RMSProp, torch.optim.RMSprop(alpha={rho:g}) ($w_0 = 0$)", "E_t"),
        Step(
            f"有效学习率 (effective learning rate), $t={last}$",
            f"\\frac{{\\eta}}{{\\sqrt{{G_{{{last}}}}}}}\\ \\text{{vs}}\\ "
            f"\\frac{{\\eta}}{{\\sqrt{{E_{{{last}}}}}}}",
            "",
            f"{_ratio(lr, ada.states[-1])}\\ \\text{{vs}}\\ {_ratio(lr, rms.states[-1])}",
        ),
    ]
    return WorkedExample(
        title=(
            f"梯度 $g = ({', '.join(num(g) for g in gs)})$, $\\eta = {num(lr)}$, "
            f"$\\rho = {num(rho)}$, $\\epsilon = {num(eps)}$"
        ),
        steps=tuple(items),
    )


def _ratio(lr: float, state: float) -> str:
    """lr / sqrt(state), or infinity when nothing has accumulated yet."""
    return num(lr / math.sqrt(state)) if state > 0 else "\\infty"


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
    states = adam_trace(gs, lr, beta1, beta2, eps)
    first = states[0]
    raw = adam_first_step_uncorrected(first.g, lr, beta1, beta2, eps)
    items: list[Step | Table] = [
        Step(
            "一阶矩 (first moment), $t=1$",
            "m_1 = \\beta_1 m_0 + (1-\\beta_1) g_1",
            f"{num(beta1)} \\times 0 + {num(1 - beta1)} \\times {_p(first.g)}",
            num(first.m),
        ),
        Step(
            "二阶矩 (second moment), $t=1$",
            "v_1 = \\beta_2 v_0 + (1-\\beta_2) g_1^2",
            f"{num(beta2)} \\times 0 + {num(1 - beta2)} \\times {_p(first.g)}^2",
            num(first.v),
        ),
        Step(
            "偏差修正 (bias correction), $t=1$",
            "\\hat m_1 = \\frac{m_1}{1-\\beta_1^1}",
            f"\\frac{{{num(first.m)}}}{{{num(1 - beta1)}}}",
            num(first.m_hat),
        ),
        Step(
            "偏差修正 (bias correction), $t=1$",
            "\\hat v_1 = \\frac{v_1}{1-\\beta_2^1}",
            f"\\frac{{{num(first.v)}}}{{{num(1 - beta2)}}}",
            num(first.v_hat),
        ),
        Step(
            "更新步长 (step), $t=1$",
            "\\Delta w_1 = \\frac{\\eta\\, \\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
            f"\\frac{{{num(lr)} \\times {_p(first.m_hat)}}}"
            f"{{\\sqrt{{{num(first.v_hat)}}} + {num(eps)}}}",
            num(first.step),
        ),
        Table(
            header=("$t$", "$g_t$", "$m_t$", "$v_t$"),
            rows=tuple(
                (f"${s.t}$", f"${num(s.g)}$", f"${num(s.m)}$", f"${num(s.v)}$") for s in states
            ),
            caption="原始矩 (raw moments), $m_0 = v_0 = 0$",
        ),
        Table(
            header=("$t$", "$\\hat m_t$", "$\\hat v_t$", "$\\Delta w_t$", "$w_t$"),
            rows=tuple(
                (
                    f"${s.t}$",
                    f"${num(s.m_hat)}$",
                    f"${num(s.v_hat)}$",
                    f"${num(s.step)}$",
                    f"${num(s.w)}$",
                )
                for s in states
            ),
            caption="修正后 (bias-corrected), torch.optim.Adam, $w_0 = 0$",
        ),
        Step(
            "不修正的第一步 (first step without correction)",
            "\\frac{\\eta\\, m_1}{\\sqrt{v_1} + \\epsilon}"
            " \\approx \\frac{1-\\beta_1}{\\sqrt{1-\\beta_2}}\\,\\eta\\,\\mathrm{sign}(g_1)",
            f"\\frac{{{num(lr)} \\times {_p(first.m)}}}{{\\sqrt{{{num(first.v)}}} + {num(eps)}}}",
            f"{num(raw)} = {num(raw / lr)}\\,\\eta",
        ),
        Step(
            "修正后的第一步 (first step with correction)",
            "\\frac{\\eta\\, \\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}"
            " \\approx \\eta\\,\\mathrm{sign}(g_1)",
            "",
            f"{num(first.step)} = {num(first.step / lr)}\\,\\eta",
        ),
    ]
    return WorkedExample(
        title=(
            f"梯度 $g = ({', '.join(num(g) for g in gs)})$, $\\eta = {num(lr)}$, "
            f"$\\beta_1 = {num(beta1)}$, $\\beta_2 = {num(beta2)}$, $\\epsilon = {num(eps)}$"
        ),
        steps=tuple(items),
    )
