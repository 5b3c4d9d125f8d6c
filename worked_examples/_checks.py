"""Parameter checks shared by the worked-example recipes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter

Vector = npt.NDArray[np.float64]
MAX_VALUES = 8  # more values than this do not fit a phone screen


def vector(name: str, values: Sequence[float], low: int = 2, limit: float = 1e6) -> Vector:
    """The values as float64, or BadParameter: a card must show every value on a phone."""
    if not low <= len(values) <= MAX_VALUES:
        raise BadParameter(name, f"give {low} to {MAX_VALUES} values, got {len(values)}")
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(np.abs(array) > limit):
        raise BadParameter(name, f"values must be finite, of magnitude at most {limit:g}")
    return array
