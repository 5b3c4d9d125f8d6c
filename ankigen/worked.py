"""Worked examples: recipes return steps, one renderer makes every example look alike."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml

from ankigen.markdown import CLOSING_PUNCTUATION
from ankigen.texsafety import forbidden_command, forbidden_message


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a calculation. `formula`, `substituted` and `result` are LaTeX;
    `label` is text with `$...$` spans as math, like a table cell."""

    label: str
    formula: str = ""
    substituted: str = ""
    result: str = ""


Cell = str | int | float


@dataclass(frozen=True, slots=True)
class Table:
    """A small table (for example one row per layer). A text cell may hold `$...$` spans
    as math; a number cell is shown as `num` shows it, so recipes need not format it."""

    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


@dataclass(frozen=True, slots=True)
class WorkedExample:
    """What a worked-example recipe returns: a title (text with `$...$` spans as math)
    and its steps in order."""

    title: str
    steps: tuple[Step | Table, ...]


def num(value: float, digits: int = 4) -> str:
    """A number in LaTeX, the same way everywhere: `digits` significant digits,
    thousands grouped with thin spaces, no trailing zeros, an exponent beyond 1e6."""
    if isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"cannot format {value!r} as a number")
    if value == int(value) and abs(value) < 1e15:
        return _group(f"{int(value):d}")
    magnitude = abs(value)
    if magnitude >= 1e6 or magnitude < 1e-4:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    decimals = max(digits - 1 - math.floor(math.log10(magnitude)), 0)
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _group(text)


def num_factor(value: float, digits: int = 4) -> str:
    """`num`, in parentheses when negative: a number written after an operator must read
    `2 \\times (-3)`, never `2 \\times -3`."""
    text = num(float(value), digits)
    return f"({text})" if value < 0 else text


def num_tuple(values: Iterable[float], digits: int = 4) -> str:
    """A vector as `(a,\\ b,\\ c)`, every entry through `num`."""
    return "(" + ",\\ ".join(num(float(v), digits) for v in values) + ")"


def _group(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole) > 4:
        groups: list[str] = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = "\\,".join(groups)
    return sign + whole + ("." + fraction if fraction else "")


def check_worked_example(example: WorkedExample) -> None:
    """Refuses, with ValueError, what a card could not show safely: a step that is not a
    Step or Table, text that is not a string, an unpaired `$`, a number that is not
    finite, a forbidden TeX command (texsafety.py). Rendering then cannot fail."""
    _check_text(example.title)
    for block in example.steps:
        if isinstance(block, Step):
            _check_text(block.label)
            for piece in (block.formula, block.substituted, block.result):
                _check_math(piece)
        elif isinstance(block, Table):
            for text in (*block.header, block.caption):
                _check_text(text)
            for row in block.rows:
                for cell in row:
                    if isinstance(cell, str):
                        _check_text(cell)
                    else:
                        num(cell)  # refuses what is not a finite number
        else:
            raise ValueError(f"a step must be an ankigen.Step or Table, got {block!r}")


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {text!r}")
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced '$' in table text {text!r}")
    for formula in parts[1::2]:
        _check_math(formula)


def _check_math(latex: object) -> None:
    if not isinstance(latex, str):
        raise ValueError(f"LaTeX must be a string, got {latex!r}")
    command = forbidden_command(latex)
    if command is not None:
        raise ValueError(forbidden_message(command))


def render_worked_example(name: str, example: WorkedExample) -> str:
    """HTML inside `div.worked-example[data-example=NAME]`, so CSS and tests can find it."""
    parts = [
        f'<div class="worked-example" data-example="{escapeHtml(name)}">',
        f'<div class="we-title">{_cell(example.title)}</div>',
    ]
    parts.append('<ol class="we-steps">')
    for block in example.steps:
        parts.append(_render_step(block) if isinstance(block, Step) else _render_table(block))
    parts.append("</ol></div>")
    return "".join(parts) + "\n"


def _math(latex: str) -> str:
    return "\\(" + escapeHtml(latex) + "\\)"


STACKED = re.compile(r"^\\begin\{array\}\{")
# A piece that starts with its own relation (`\le 0.25^n`) takes no `=` before it.
RELATION = re.compile(r"\s*(?:[<>=]|\\(?:le|leq|ge|geq|approx|ne|neq|sim|equiv|to)(?![A-Za-z]))")


def _render_step(step: Step) -> str:
    """Formula, substitution and result on lines of their own: a phone is narrow."""
    pieces = [f'<span class="we-label">{_cell(step.label)}</span>']
    chain = [piece for piece in (step.formula, step.substituted, step.result) if piece]
    for index, piece in enumerate(chain):
        # A piece written on several lines (an array) hangs from its first line, so
        # the `=` before it stands beside that line, not beside its middle.
        piece = STACKED.sub(r"\\begin{array}[t]{", piece, count=1)
        latex = piece if index == 0 or RELATION.match(piece) else "= " + piece
        pieces.append(f'<span class="we-math">{_math(latex)}</span>')
    return "<li>" + "".join(pieces) + "</li>"


def _render_table(table: Table) -> str:
    head = "".join(f"<th>{_cell(cell)}</th>" for cell in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(_cell_text(cell))}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    # The caption is a line of the step, not a <caption>: it then wraps at the box's
    # width rather than the table's, and the step's number stands beside it.
    caption = f'<span class="we-label">{_cell(table.caption)}</span>' if table.caption else ""
    return (
        f'<li class="we-table">{caption}<table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></li>"
    )


def _cell_text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else f"${num(cell)}$"


def _cell(text: str) -> str:
    """Plain text with `$...$` spans as math, like a card: "层数 $n$" mixes both."""
    parts = text.split("$")
    html = [escapeHtml(parts[0])]
    for formula, text in zip(parts[1::2], parts[2::2], strict=True):
        # A formula keeps the punctuation after it on its line, as in a card.
        glue = CLOSING_PUNCTUATION.match(text)
        if glue is None:
            html.append(_math(formula) + escapeHtml(text))
        else:
            html.append(f'<span class="nobreak">{_math(formula)}{escapeHtml(glue[0])}</span>')
            html.append(escapeHtml(text[glue.end() :]))
    return "".join(html)
