"""Parameter checks for recipes: one limit and one wording each, so that every figure
and worked example refuses a value the same way (a BadParameter, which the build reports
at the parameter's line in the author's file)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ankigen.recipes import BadParameter

Vector = npt.NDArray[np.float64]
MAX_VALUES = 8  # more values than this do not fit a phone screen in one row or table
MAX_MAGNITUDE = 1e6  # larger numbers do not fit a table cell


def at_least(name: str, value: float, low: float) -> None:
    if value < low:
        raise BadParameter(name, f"must be at least {low:g}, got {value:g}")


def between(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low:g} and {high:g}, got {value:g}")


def checked_values(
    name: str, values: Sequence[float], low: int = 2, limit: float = MAX_MAGNITUDE
) -> Vector:
    """The values as float64, or BadParameter: a card must show every value on a phone."""
    if not low <= len(values) <= MAX_VALUES:
        raise BadParameter(name, f"give {low} to {MAX_VALUES} values, got {len(values)}")
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(np.abs(array) > limit):
        raise BadParameter(name, f"values must be finite, of magnitude at most {limit:g}")
    return array
