"""Parameter rules that several worked examples share, on top of ankigen.checks (at_least,
between, checked_values): each refuses a value the same way wherever it is asked for."""

from __future__ import annotations

from collections.abc import Sequence, Sized
from typing import Literal

from ankigen import BadParameter
from ankigen.checks import MAX_MAGNITUDE, Vector, at_least, between, checked_values

BoxLayout = Literal["corners", "center"]

# A model's width, depth, vocabulary, context or batch beyond any real model's: a typo.
MAX_DIMENSION = 10**7
# One table row per layer or class (four to seven columns a row).
MAX_TABLE_ROWS = 10
# One table row per step t (t and two to four numbers a row).
MAX_STEP_ROWS = 20


def counts(**values: int) -> None:
    """Each a count (channels, pixels, classes, a kernel's side): a whole number, at least 1."""
    for name, value in values.items():
        at_least(name, value, 1)


def dimensions(**values: int) -> None:
    """Each a size of a model or layer: a whole number from 1 to MAX_DIMENSION."""
    for name, value in values.items():
        between(name, value, 1, MAX_DIMENSION)


def table_steps(name: str, steps: Sequence[int], low: int, high: int, bounds: str) -> None:
    """1 to MAX_STEP_ROWS step numbers t, one table row each, each in low..high (`bounds`
    says so in the parameter's words)."""
    if not 1 <= len(steps) <= MAX_STEP_ROWS or not all(low <= t <= high for t in steps):
        raise BadParameter(name, f"1 to {MAX_STEP_ROWS} steps, each in {bounds}")


def positive_at_most(name: str, value: float, high: float) -> None:
    """0 < value <= high: a learning rate, a scale or a width, where 0 means nothing."""
    if not 0.0 < value <= high:
        raise BadParameter(name, f"must be in (0, {high:g}]")


def bounded(limit: float = MAX_MAGNITUDE, **values: float) -> None:
    """Each value finite and of magnitude at most `limit`, as checked_values asks of a list."""
    for name, value in values.items():
        between(name, value, -limit, limit)


def class_index(name: str, value: int, classes: int) -> None:
    """A class index among `classes` classes, counted from 0."""
    if not 0 <= value < classes:
        raise BadParameter(name, f"must be a class index from 0 to {classes - 1}")


def checked_scores(name: str, values: Sequence[float], target: int, limit: float) -> Vector:
    """Logits or scores of two or more classes, and `target`, the index of the true class."""
    scores = checked_values(name, values, 2, limit)
    class_index("target", target, len(scores))
    return scores


def checked_like(
    name: str,
    values: Sequence[float],
    like: Sized,
    what: str,
    limit: float = MAX_MAGNITUDE,
) -> Vector:
    """`values` as checked_values gives them, one for each entry of `like` (a `what`)."""
    array = checked_values(name, values, low=1, limit=limit)
    if len(array) != len(like):
        raise BadParameter(name, f"needs one value per {what} ({len(like)})")
    return array


def checked_box(name: str, box: Sequence[float], layout: BoxLayout) -> list[float]:
    """Four numbers a card can show with a positive width and height: corners (x1, y1, x2, y2)
    with x1 < x2 and y1 < y2, or a center and size (x, y, w, h) with w, h > 0."""
    corners = layout == "corners"
    if len(box) != 4:
        names = "x1, y1, x2, y2" if corners else "x, y, w, h"
        raise BadParameter(name, f"a box is 4 numbers [{names}], got {len(box)}")
    b = [float(v) for v in checked_values(name, box, low=4)]
    width, height = (b[2] - b[0], b[3] - b[1]) if corners else (b[2], b[3])
    if not (width > 0 and height > 0):
        raise BadParameter(
            name, "needs x1 < x2 and y1 < y2" if corners else "width and height must be positive"
        )
    return b
