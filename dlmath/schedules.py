"""Learning-rate schedules in closed form, t = the global step (scheduler.step() calls).

Each function takes one step or an array of them, for the figure's curves and the worked
examples' values alike. The general forms carry TensorFlow's names (piecewise_constant,
exponential_decay, ...); SCHEDULES maps torch.optim.lr_scheduler's names onto them.
OneCycle is torch's OneCycleLR, lr and momentum, one step at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from dlmath._elementwise import Array

Steps = float | Array


def piecewise_constant(t: Steps, boundaries: list[int], values: list[float]) -> Array:
    """TF piecewise_constant: values[i] while boundaries[i-1] < t <= boundaries[i] (torch's
    MultiStepLR switches one step later: its milestone is boundary + 1)."""
    index = np.searchsorted(np.asarray(boundaries), t, side="left")
    result: Array = np.asarray(np.asarray(values)[index], dtype=np.float64)
    return result


def exponential_decay(
    t: Steps, lr0: float, decay_steps: float, rate: float, staircase: bool = False
) -> Array:
    """TF exponential_decay: lr0 * rate^(t / D), or rate^floor(t / D) with staircase (torch's
    StepLR; ExponentialLR is D = 1)."""
    exponent = np.floor(t / decay_steps) if staircase else t / decay_steps
    result: Array = np.asarray(lr0 * rate**exponent, dtype=np.float64)
    return result


def natural_exp_decay(t: Steps, lr0: float, k: float) -> Array:
    """TF natural_exp_decay: lr0 * exp(-k t), exponential decay with rate e^-k per step."""
    result: Array = np.asarray(lr0 * np.exp(-k * t), dtype=np.float64)
    return result


def polynomial_decay(
    t: Steps, lr0: float, decay_steps: float, end: float, power: float, cycle: bool = False
) -> Array:
    """TF polynomial_decay: (lr0 - end) (1 - t/D)^p + end, with t clipped to D or D stretched
    to the next multiple of D that is >= t (cycle)."""
    if cycle:
        steps = decay_steps * np.maximum(np.ceil(t / decay_steps), 1.0)
        fraction = t / steps
    else:
        fraction = np.minimum(t, decay_steps) / decay_steps
    result: Array = np.asarray((lr0 - end) * (1 - fraction) ** power + end, dtype=np.float64)
    return result


def cosine_annealing(t: Steps, lr0: float, total: float, eta_min: float = 0.0) -> Array:
    """torch's CosineAnnealingLR, SGDR (Loshchilov & Hutter 2017) without restarts:
    eta_min + (lr0 - eta_min) (1 + cos(pi t / T)) / 2."""
    result: Array = np.asarray(
        eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * t / total)) / 2, dtype=np.float64
    )
    return result


def warmup_cosine(t: Steps, lr0: float, total: float, warmup: float) -> Array:
    """Linear warmup then cosine (Hugging Face's get_cosine_schedule_with_warmup): lr0 t / W
    for t < W, then cosine from lr0 to 0 over the remaining T - W steps."""
    cosine = cosine_annealing(np.subtract(t, warmup), lr0, total - warmup)
    ramp = lr0 * np.divide(t, max(warmup, 1))  # W = 0: no warmup, and no 0/0 either
    result: Array = np.asarray(np.where(np.less(t, warmup), ramp, cosine), dtype=np.float64)
    return result


TorchSchedule = Literal["step", "exponential", "cosine", "polynomial", "warmup-cosine"]


@dataclass(frozen=True, slots=True)
class Settings:
    """The knobs of the torch-named schedules (each schedule reads only its own)."""

    step_size: int = 30
    step_gamma: float = 0.1
    exp_gamma: float = 0.95
    power: float = 2.0
    warmup_steps: int = 10


# torch.optim.lr_scheduler's schedules as the general forms above (args: t, lr0, T, settings):
# StepLR, ExponentialLR, CosineAnnealingLR(eta_min=0), PolynomialLR(total_iters=T), and
# warmup + cosine (LinearLR then CosineAnnealingLR).
SCHEDULES: dict[TorchSchedule, Callable[[Steps, float, int, Settings], Array]] = {
    "step": lambda t, lr0, _, s: exponential_decay(t, lr0, s.step_size, s.step_gamma, True),
    "exponential": lambda t, lr0, _, s: exponential_decay(t, lr0, 1, s.exp_gamma),
    "cosine": lambda t, lr0, total, _: cosine_annealing(t, lr0, total),
    "polynomial": lambda t, lr0, total, s: polynomial_decay(t, lr0, total, 0.0, s.power),
    "warmup-cosine": lambda t, lr0, total, s: warmup_cosine(t, lr0, total, s.warmup_steps),
}


def noam(step: Steps, d_model: int, warmup: int) -> Array:
    """Vaswani et al. (2017), section 5.3: d^-0.5 min(step^-0.5, step warmup^-1.5), step >= 1;
    the branches meet at step = warmup, where the rate peaks at (d_model warmup)^-0.5."""
    result: Array = np.asarray(
        d_model**-0.5 * np.minimum(np.power(step, -0.5), step * warmup**-1.5), dtype=np.float64
    )
    return result


@dataclass(frozen=True, slots=True)
class OneCycle:
    """torch's OneCycleLR (Smith & Topin 2019) with its defaults: two phases, cosine annealing.
    The lr rises from max_lr / D to max_lr over the first pct_start of the steps, then falls to
    max_lr / (D F); the momentum moves the other way, max -> base -> max. One step t at a time."""

    max_lr: float
    total_steps: int
    pct_start: float = 0.3
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    base_momentum: float = 0.85
    max_momentum: float = 0.95

    @property
    def initial_lr(self) -> float:
        return self.max_lr / self.div_factor

    @property
    def min_lr(self) -> float:
        return self.initial_lr / self.final_div_factor

    @property
    def peak_step(self) -> float:
        """The scheduler step at which the learning rate reaches max_lr (end of phase 1)."""
        return self.pct_start * self.total_steps - 1.0

    def _phase(self, t: int) -> tuple[float, bool]:
        """Progress in [0, 1] through the current phase, and whether it is the first."""
        if t <= self.peak_step:
            return t / self.peak_step, True
        return (t - self.peak_step) / (self.total_steps - 1 - self.peak_step), False

    def lr(self, t: int) -> float:
        pct, rising = self._phase(t)
        start, end = (self.initial_lr, self.max_lr) if rising else (self.max_lr, self.min_lr)
        return _anneal(start, end, pct)

    def momentum(self, t: int) -> float:
        pct, rising = self._phase(t)
        high, low = self.max_momentum, self.base_momentum
        return _anneal(high, low, pct) if rising else _anneal(low, high, pct)


def _anneal(start: float, end: float, pct: float) -> float:
    """From start (pct = 0) to end (pct = 1) along half a cosine: cosine_annealing over a phase
    of length 1, which is how OneCycleLR anneals (end may be above start)."""
    return float(cosine_annealing(pct, start, 1.0, end))
