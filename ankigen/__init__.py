"""ankigen: Markdown notes in, Anki decks out. The public names for recipe authors."""

from ankigen.recipes import BadParameter, figure, worked_example
from ankigen.worked import Step, Table, WorkedExample, num

__all__ = ["BadParameter", "Step", "Table", "WorkedExample", "figure", "num", "worked_example"]
