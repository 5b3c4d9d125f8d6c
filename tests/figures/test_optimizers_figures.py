"""figures/optimizers.py: out-of-range parameters are refused by name; the paths are
torch.optim's update rules (dlmath.optimizers, tested in tests/dlmath) and each panel says
which optimizer and learning rate it shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes

from figures.optimizers import (
    MAX_STEPS,
    MOMENTUM,
    OPTIMIZER_NAMES,
    Optimizer,
    loss_contours,
    optimizer_paths,
    optimizer_saddle,
)


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("loss-contours", {"condition": 0.5}, "condition"),
        ("loss-contours", {"steps": 0}, "steps"),
        ("loss-contours", {"steps": 51}, "steps"),  # every step is marked
        # lr * condition = 0.2 * 10 = 2: the y coordinate would flip sign forever.
        ("loss-contours", {"lr": 0.2}, "lr"),
        ("loss-contours", {"lr": 0.0}, "lr"),
        ("optimizer-paths", {"steps": 0}, "steps"),
        ("optimizer-saddle", {"steps": MAX_STEPS + 1}, "steps"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", name, **params) == refused


def test_loss_contours_mark_every_step() -> None:
    round_axes, elongated_axes = loss_contours(condition=10.0, steps=20, lr=0.18).axes
    for axes in (round_axes, elongated_axes):
        assert np.size(axes.get_lines()[0].get_xdata()) == 20 + 1
        assert axes.get_xlabel() == "20 steps, $\\eta$=0.18"
    assert elongated_axes.get_title() == "elongated: $x^2+10y^2$"


def test_unknown_optimizer_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        Optimizer("Lion", 0.1)  # type: ignore[arg-type]


def test_six_panels_name_optimizer_and_learning_rate() -> None:
    fig = optimizer_paths(10)
    titles = [axes.get_title() for axes in fig.axes]
    assert [title.split(",")[0] for title in titles] == list(OPTIMIZER_NAMES)
    assert titles[0] == "SGD, $\\eta$=0.09"
    assert fig.get_suptitle() == "$f=(x^2+20y^2)/2$, 10 steps, $\\mu$=0.9"


def test_saddle_notes_when_each_optimizer_escapes() -> None:
    fig = optimizer_saddle(60)
    notes = [axes.texts[0].get_text() for axes in fig.axes]
    # SGD's y grows by 1 + 2 lr = 1.1 per step: 0.001 * 1.1^60 = 0.3, still near the saddle.
    assert notes[0] == "t=60: $|y|$=0.3"
    assert all(note.startswith("$|y|>1$: t=") for note in notes[1:])
    assert fig.get_suptitle() == f"$f=x^2-y^2$ from (1, 0.001)\n60 steps, $\\mu$={MOMENTUM:g}"
