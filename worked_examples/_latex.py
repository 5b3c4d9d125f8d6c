"""LaTeX layouts that several worked examples share, every number through ankigen.num: sums,
lists, matrices, and long expressions stacked one term a line (a phone is narrow)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ankigen import num
from ankigen.checks import Vector


def signed_sum(values: Iterable[float]) -> str:
    """`a + b - c` rather than `a + -c`."""
    texts = []
    for index, value in enumerate(float(v) for v in values):
        if index == 0:
            texts.append(num(value))
        else:
            texts.append(f" - {num(-value)}" if value < 0 else f" + {num(value)}")
    return "".join(texts)


def mean_of(values: Sequence[float] | Vector) -> str:
    """`\\frac{a + b - c}{n}`."""
    return f"\\frac{{{signed_sum(values)}}}{{{len(values)}}}"


def plain_tuple(values: Iterable[float]) -> str:
    """`(a, b, c)`: a vector in a title or a label, where num_tuple's wider spacing is not
    needed."""
    return f"({', '.join(num(float(v)) for v in values)})"


def two_a_line(terms: Sequence[str], operator: str) -> str:
    """`a op b \\\\ op c op d`: terms joined by an operator, two terms a line (the lines go in
    an array)."""
    pairs = (f" {operator} ".join(terms[i : i + 2]) for i in range(0, len(terms), 2))
    return f" \\\\ {operator} ".join(pairs)


def stacked(*terms: str) -> str:
    """Terms joined by + or -, whichever sign the next term starts with, one term a line:
    a phone has room for about one product of two numbers."""
    lines = [terms[0]]
    for term in terms[1:]:
        lines.append(f"{{}}- {term[1:]}" if term.startswith("-") else f"{{}}+ {term}")
    if len(lines) == 1:
        return lines[0]
    return "\\begin{array}{l} " + " \\\\ ".join(lines) + " \\end{array}"


def pmatrix(rows: Iterable[Iterable[float]], digits: int = 4, gap: str = " ") -> str:
    """A matrix in parentheses, `gap` inside each parenthesis."""
    body = " \\\\ ".join(" & ".join(num(float(v), digits) for v in row) for row in rows)
    return f"\\begin{{pmatrix}}{gap}{body}{gap}\\end{{pmatrix}}"
