"""What a card shows, read as values: a worked example's steps and table cells (numbers
parsed from the text `ankigen.num` writes), and the code in a card's python block."""

from __future__ import annotations

import re

from conftest import REPO

from ankigen.worked import Cell, Step, Table, WorkedExample, num

# A number as `num` writes it: digits grouped with `\,`, maybe `\times 10^{n}`; a minus
# is its sign unless it follows a digit, letter or `)` (the minus of `3-1`, `(n-1)`).
NUMBER = re.compile(r"(?:(?<![\w)])-)?\d+(?:\\,\d{3})*(?:\.\d+)?(?:\s*\\times\s*10\^\{(-?\d+)\})?")


def numbers(text: Cell) -> list[float]:
    """Every number in a LaTeX string or table cell, in order (subscripts included), as the
    card shows it: a number cell is read the way `num` writes it."""
    found = []
    for match in NUMBER.finditer(text if isinstance(text, str) else num(text)):
        mantissa = match.group(0).split("\\times")[0].replace("\\,", "").strip()
        found.append(float(f"{mantissa}e{match.group(1) or 0}"))
    return found


def number(text: Cell) -> float:
    """The one number in a result or cell, e.g. `9.537 \\times 10^{-7}` or `$2\\,048$`."""
    found = numbers(text)
    assert len(found) == 1, f"not one number: {text!r}"
    return found[0]


def step(example: WorkedExample, text: str) -> Step:
    """The one step whose label contains `text` (or else, for steps a label above
    explains, whose formula contains it)."""
    steps = [s for s in example.steps if isinstance(s, Step)]
    found = [s for s in steps if text in s.label] or [s for s in steps if text in s.formula]
    assert len(found) == 1, f"{len(found)} steps labelled {text!r} in {example.title!r}"
    return found[0]


def result(example: WorkedExample, text: str) -> float:
    """The number the one step labelled `text` comes to (see `step`)."""
    return number(step(example, text).result)


def table(example: WorkedExample, header: str = "") -> Table:
    """The one table with a column header containing `header` (any table if empty)."""
    found = [
        t
        for t in example.steps
        if isinstance(t, Table) and any(header in cell for cell in t.header)
    ]
    assert len(found) == 1, f"{len(found)} tables with header {header!r} in {example.title!r}"
    return found[0]


def column(block: Table, header: str) -> list[float]:
    """The numbers down the column headed `header` (exactly, else the one containing it)."""
    index = [i for i, cell in enumerate(block.header) if cell == header]
    if not index:
        index = [i for i, cell in enumerate(block.header) if header in cell]
    assert len(index) == 1, f"no single column {header!r} in {block.header}"
    return [number(row[index[0]]) for row in block.rows]


def row(block: Table, first: Cell) -> list[float]:
    """The numbers in the cells after the first of the one row that starts with `first`
    (the same text, or the same number)."""

    def starts(cells: tuple[Cell, ...]) -> bool:
        if isinstance(first, str):
            return cells[0] == first
        return numbers(cells[0]) == [first]

    found = [cells for cells in block.rows if starts(cells)]
    assert len(found) == 1, f"{len(found)} rows start with {first!r}"
    return [value for cell in found[0][1:] for value in numbers(cell)]


def card_code(markdown: str, card_id: str) -> str:
    """The first ```python block of the card `{#card_id}` in content/`markdown`, exactly
    as the learner sees it."""
    text = (REPO / "content" / markdown).read_text(encoding="utf-8")
    card = text[text.index(f"{{#{card_id}}}") :].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", card, re.DOTALL)
    assert block is not None, f"no python code on {card_id}"
    return block.group(1)
