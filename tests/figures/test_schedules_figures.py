"""figures/schedules.py: the step count is refused outside 20..100000; the four panels draw
the closed forms of dlmath.schedules (checked by hand and against torch.optim's schedulers in
tests/dlmath/test_schedules_math.py)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DeckRecipes

from figures.schedules import lr_schedules


@pytest.mark.parametrize("total_steps", [19, 100_001])
def test_step_count_outside_its_range_is_refused(recipes: DeckRecipes, total_steps: int) -> None:
    assert recipes.refused("figure", "lr-schedules", total_steps=total_steps) == "total_steps"


def test_four_panels_with_their_curves() -> None:
    fig = lr_schedules(200)
    assert [axes.get_title() for axes in fig.axes] == [
        "step (piecewise)",
        "exponential",
        "polynomial, $p$=2",
        "cosine",
    ]
    assert [len(axes.get_lines()) - 2 for axes in fig.axes] == [1, 3, 2, 2]  # not the zero lines
    step = fig.axes[0].get_lines()[-1]
    # The step function keeps only its corners: the start, each boundary and the end.
    assert np.asarray(step.get_xdata()).tolist() == [0, 61, 121, 161, 200]
    assert np.asarray(step.get_ydata()).tolist() == [1.0, 0.5, 0.25, 0.1, 0.1]
