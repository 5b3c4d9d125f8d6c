"""The array types of dlmath, and how an elementwise formula serves both kinds of caller:
a float in, a float out (worked examples print it); an array in, an array out (figures)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
V = TypeVar("V", float, Array)
Values = Sequence[float] | Array  # a vector: logits, probabilities, scores


def floats(x: float | Values) -> Array:
    """x as float64: a 0-d array for a float."""
    return np.asarray(x, dtype=np.float64)


def like(x: V, result: Array) -> V:
    """The result in the kind of the input: a float for a float, else the array."""
    if isinstance(x, np.ndarray):
        return result
    return float(result)
