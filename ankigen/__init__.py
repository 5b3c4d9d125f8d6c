"""ankigen: Markdown notes in, Anki decks out. The public names for recipe authors."""

from ankigen.recipes import BadParameter, figure, worked_example
from ankigen.worked import Step, Table, WorkedExample, num, num_factor, num_tuple

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
