"""Learning-rate schedules at given steps, in closed form.

The values come from dlmath.schedules (its SCHEDULES table of torch.optim.lr_scheduler's
StepLR, ExponentialLR, CosineAnnealingLR, PolynomialLR and warmup + cosine, the Noam
schedule, and OneCycle for OneCycleLR); this module shows them with their formulas substituted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import between
from dlmath.schedules import SCHEDULES, OneCycle, Settings, TorchSchedule, noam

from ._params import positive_at_most, table_steps

# A schedule's length in steps: its rates are closed forms, so only typos are refused; only the
# `at` rows are shown.
MAX_TOTAL_STEPS = 1_000_000


WARMUP_FORMULA = "\\eta_t = \\eta_0\\, t / W"
# The cosine branch after warmup: one line of its own, the whole case split does not fit a phone.
AFTER_WARMUP_FORMULA = (
    "\\eta_t = \\tfrac12 \\eta_0 \\left(1 + \\cos\\frac{\\pi (t - W)}{T - W}\\right)"
)


def _formula(schedule: TorchSchedule, t: int, warmup_steps: int) -> str:
    if schedule == "step":
        return "\\eta_t = \\eta_0\\, \\gamma^{\\lfloor t/s \\rfloor}"
    if schedule == "exponential":
        return "\\eta_t = \\eta_0\\, \\gamma^{t}"
    if schedule == "cosine":
        return "\\eta_t = \\tfrac12 \\eta_0 \\left(1 + \\cos\\frac{\\pi t}{T}\\right)"
    if schedule == "polynomial":
        return "\\eta_t = \\eta_0 \\left(1 - \\frac{t}{T}\\right)^{p}"
    return WARMUP_FORMULA if t < warmup_steps else AFTER_WARMUP_FORMULA


def _substituted(
    schedule: TorchSchedule, base_lr: float, total_steps: int, t: int, settings: Settings
) -> str:
    lr0, big_t = num(base_lr), num(total_steps)
    step_size, step_gamma, exp_gamma = settings.step_size, settings.step_gamma, settings.exp_gamma
    power, warmup_steps = settings.power, settings.warmup_steps
    if schedule == "step":
        return f"{lr0} \\times {num(step_gamma)}^{{\\lfloor {t}/{step_size} \\rfloor}}"
    if schedule == "exponential":
        return f"{lr0} \\times {num(exp_gamma)}^{{{t}}}"
    if schedule == "cosine":
        return (
            f"\\tfrac12 \\times {lr0} \\times \\left(1 + \\cos\\frac{{{t}\\pi}}{{{big_t}}}\\right)"
        )
    if schedule == "polynomial":
        return f"{lr0} \\times \\left(1 - \\frac{{{t}}}{{{big_t}}}\\right)^{{{num(power)}}}"
    if t < warmup_steps:
        return f"{lr0} \\times {t} / {warmup_steps}"
    return (
        f"\\tfrac12 \\times {lr0} \\times \\left(1 + \\cos\\frac{{{t - warmup_steps}\\pi}}"
        f"{{{total_steps - warmup_steps}}}\\right)"
    )


def _check(
    schedule: TorchSchedule,
    base_lr: float,
    total_steps: int,
    at: Sequence[int],
    step_size: int,
    step_gamma: float,
    exp_gamma: float,
    power: float,
    warmup_steps: int,
) -> None:
    positive_at_most("base_lr", base_lr, 10.0)
    between("total_steps", total_steps, 1, MAX_TOTAL_STEPS)
    table_steps("at", at, 0, total_steps, "0..total_steps")
    between("step_size", step_size, 1, MAX_TOTAL_STEPS)
    positive_at_most("step_gamma", step_gamma, 1.0)
    positive_at_most("exp_gamma", exp_gamma, 1.0)
    positive_at_most("power", power, 10.0)
    if not 0 <= warmup_steps < total_steps and schedule == "warmup-cosine":
        raise BadParameter("warmup_steps", "must be 0 to total_steps - 1")


_NAMES = {
    "step": "阶梯衰减 (step decay)",
    "exponential": "指数衰减 (exponential decay)",
    "cosine": "余弦退火 (cosine annealing)",
    "polynomial": "多项式衰减 (polynomial decay)",
    "warmup-cosine": "线性预热 + 余弦 (linear warmup + cosine)",
}
_SETTINGS = {
    "step": "StepLR(step_size={step_size}, gamma={step_gamma:g})："
    "$s = {step_size}$, $\\gamma = {step_gamma:g}$",
    "exponential": "ExponentialLR(gamma={exp_gamma:g})：$\\gamma = {exp_gamma:g}$",
    "cosine": "CosineAnnealingLR(T_max={total_steps}, eta_min=0)：$T = {total_steps}$",
    "polynomial": "PolynomialLR(total_iters={total_steps}, power={power:g})："
    "$T = {total_steps}$, $p = {power:g}$",
    "warmup-cosine": "预热 $W = {warmup_steps}$ 步，之后按余弦在 $T = {total_steps}$ 步时降到 0",
}


def _name(schedule: TorchSchedule, t: int, warmup_steps: int) -> str:
    if schedule != "warmup-cosine":
        return _NAMES[schedule]
    return "线性预热 (linear warmup)" if t < warmup_steps else "预热后余弦 (cosine after warmup)"


@worked_example("lr-schedule-values")
def lr_schedule_values_example(
    schedule: TorchSchedule = "cosine",
    base_lr: float = 0.1,
    total_steps: int = 100,
    at: Sequence[int] = (0, 25, 50, 75, 100),
    step_size: int = 30,
    step_gamma: float = 0.1,
    exp_gamma: float = 0.95,
    power: float = 2.0,
    warmup_steps: int = 10,
) -> WorkedExample:
    _check(
        schedule, base_lr, total_steps, at, step_size, step_gamma, exp_gamma, power, warmup_steps
    )
    settings = Settings(step_size, step_gamma, exp_gamma, power, warmup_steps)
    rates = [float(SCHEDULES[schedule](t, base_lr, total_steps, settings)) for t in at]
    # Substitute at the first step past the start, where the schedule has begun to act.
    shown = next((i for i, t in enumerate(at) if t > 0), 0)
    substituted = _substituted(schedule, base_lr, total_steps, at[shown], settings)
    t_shown = at[shown]
    items: list[Step | Table] = [
        Step(
            f"{_name(schedule, t_shown, warmup_steps)}, $t={t_shown}$",
            _formula(schedule, t_shown, warmup_steps),
            substituted,
            num(rates[shown]),
        ),
        Table(
            header=("$t$", "$\\eta_t$", "$\\eta_t / \\eta_0$"),
            rows=tuple(
                (f"${t}$", f"${num(rate)}$", f"${num(rate / base_lr)}$")
                for t, rate in zip(at, rates, strict=True)
            ),
            caption=_SETTINGS[schedule].format(total_steps=total_steps, **asdict(settings)),
        ),
    ]
    if schedule == "warmup-cosine":
        # The branch that the substitution above did not use, as a formula.
        other = (
            Step(f"预热之后 (after warmup), $t \\ge W = {warmup_steps}$", AFTER_WARMUP_FORMULA)
            if t_shown < warmup_steps
            else Step(f"预热期间 (during warmup), $t < W = {warmup_steps}$", WARMUP_FORMULA)
        )
        items.insert(1, other)
    return WorkedExample(
        title=f"{schedule}：$\\eta_0 = {base_lr:g}$, $T = {total_steps}$",
        steps=tuple(items),
    )


# --- Noam (Transformer) schedule -----------------------------------------------------------


@worked_example("noam-schedule")
def noam_schedule_example(
    d_model: int = 512,
    warmup: int = 4000,
    at: Sequence[int] = (1, 1000, 4000, 16000, 100000),
) -> WorkedExample:
    between("d_model", d_model, 1, 100_000)
    between("warmup", warmup, 1, 10_000_000)
    table_steps("at", at, 1, 100_000_000, "1..100,000,000 (step 0 is 0)")
    peak = float(noam(warmup, d_model, warmup))
    items: list[Step | Table] = [
        Step(
            "预热段 (warmup), $step \\le warmup$：线性增大",
            "d^{-0.5}\\cdot step\\cdot warmup^{-1.5}",
        ),
        Step(
            "之后 (after warmup)：按 $step^{-0.5}$ 衰减",
            "d^{-0.5}\\cdot step^{-0.5}",
        ),
        Step(
            f"峰值 (peak) 在 $step = warmup = {warmup}$",
            "(d \\cdot warmup)^{-0.5}",
            f"({d_model} \\times {warmup})^{{-0.5}}",
            num(peak),
        ),
        Table(
            header=("$step$", "$lrate$", "÷ 峰值 (peak)"),
            rows=tuple(
                (t, rate, rate / peak)
                for t, rate in ((t, float(noam(t, d_model, warmup))) for t in at)
            ),
            caption=f"$d = d_{{model}} = {d_model}$, $warmup = {warmup}$",
        ),
    ]
    return WorkedExample(
        title=f"Noam 调度 (schedule)：$d_{{model}} = {d_model}$, $warmup = {warmup}$",
        steps=tuple(items),
    )


# --- One-cycle policy ------------------------------------------------------------------------


@worked_example("one-cycle-values")
def one_cycle_values_example(
    max_lr: float = 0.1,
    total_steps: int = 100,
    at: Sequence[int] = (0, 15, 29, 50, 75, 99),
) -> WorkedExample:
    positive_at_most("max_lr", max_lr, 10.0)
    between("total_steps", total_steps, 10, MAX_TOTAL_STEPS)
    table_steps("at", at, 0, total_steps - 1, "0..total_steps - 1")
    cycle = OneCycle(max_lr, total_steps)
    items: list[Step | Table] = [
        Step(
            "起点 (initial lr)，$D$ = div_factor",
            "\\eta_0 = \\eta_{max} / D",
            f"{num(max_lr)} / {num(cycle.div_factor)}",
            num(cycle.initial_lr),
        ),
        Step(
            "终点 (final lr)，$F$ = final_div_factor",
            "\\eta_{min} = \\eta_0 / F",
            f"{num(cycle.initial_lr)} / {num(cycle.final_div_factor)}",
            num(cycle.min_lr),
        ),
        Table(
            header=("$t$", "$\\eta_t$", "动量 $\\beta_t$"),
            rows=tuple(
                (f"${t}$", f"${num(cycle.lr(t))}$", f"${num(cycle.momentum(t))}$") for t in at
            ),
            caption=(
                f"OneCycleLR(max_lr={max_lr:g}, total_steps={total_steps})："
                f"前 {cycle.pct_start:.0%} 升到峰值 (第 {num(cycle.peak_step)} 步)，"
                "之后余弦降到终点"
            ),
        ),
    ]
    return WorkedExample(
        title=f"one-cycle：$\\eta_{{max}} = {num(max_lr)}$, $T = {total_steps}$",
        steps=tuple(items),
    )
