"""ankigen: Markdown notes in, Anki decks out. The public names for recipe authors.

They are loaded on first use (PEP 562): the command line imports this package too,
and a build with nothing to do must not pay for the recipe machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ankigen.recipes import BadParameter, figure, worked_example
    from ankigen.worked import Step, Table, WorkedExample, num, num_factor, num_tuple

_HOMES = {
    "BadParameter": "ankigen.recipes",
    "figure": "ankigen.recipes",
    "worked_example": "ankigen.recipes",
    "Step": "ankigen.worked",
    "Table": "ankigen.worked",
    "WorkedExample": "ankigen.worked",
    "num": "ankigen.worked",
    "num_factor": "ankigen.worked",
    "num_tuple": "ankigen.worked",
}
__all__ = [
    "BadParameter",
    "Step",
    "Table",
    "WorkedExample",
    "figure",
    "num",
    "num_factor",
    "num_tuple",
    "worked_example",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ankigen' has no attribute '{name}'")
    return getattr(importlib.import_module(_HOMES[name]), name)
