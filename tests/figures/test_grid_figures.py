"""figures/_grid.py: a grid's numbers are written as `num` writes them, to CELL_DIGITS
significant digits, and skipped cells stay empty."""

from __future__ import annotations

import numpy as np

from figures._grid import CELL_DIGITS, Grid, canvas, numbers
from figures._style import new_figure


def test_numbers_fit_a_cell_and_skipped_cells_stay_empty() -> None:
    axes = new_figure().add_subplot()
    canvas(axes)
    values = np.array([[4.0, 3.75], [1 / 3, -0.0]])
    numbers(axes, Grid(2, 2), values, skip=np.array([[False, False], [False, True]]))
    assert CELL_DIGITS == 3
    assert [text.get_text() for text in axes.texts] == ["4", "3.75", "0.333"]
    assert [text.get_position() for text in axes.texts] == [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5)]
