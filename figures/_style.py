"""Shared look of every figure: a white canvas of its own (readable on night mode),
phone-sized text, colours that stay distinct for colour-blind readers, numbers written
as `ankigen.num` writes them, and the limits several figures share."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ankigen import BadParameter, num

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT_SIZE = 12
MAX_LAYERS = 40  # layers along a plot's x axis: more would crowd a phone-wide plot
MAX_SVG_BYTES = 60 * 1024  # a figure's SVG on a card, at any parameters it accepts


# A phone shows a card about 335 CSS px wide: a figure of this width (in inches at
# 72 per inch, 1.33 CSS px per point) is shown close to its natural size, so its
# text stays as large as it was drawn.
PHONE_WIDTH = 3.6


def new_figure(width: float = PHONE_WIDTH, height: float = 2.6) -> Figure:
    """A figure with an opaque white background; sizes in inches at 72 px per inch."""
    figure = Figure(figsize=(width, height), facecolor="white", layout="constrained")
    return figure


def style_axes(axes: Axes, *, xlabel: str = "", ylabel: str = "", title: str = "") -> None:
    axes.set_facecolor("white")
    axes.grid(True, color="#dddddd", linewidth=0.6)
    axes.axhline(0, color="#888888", linewidth=0.8)
    axes.axvline(0, color="#888888", linewidth=0.8)
    axes.tick_params(labelsize=FONT_SIZE - 1)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    if xlabel:
        axes.set_xlabel(xlabel, fontsize=FONT_SIZE)
    if ylabel:
        axes.set_ylabel(ylabel, fontsize=FONT_SIZE)
    if title:
        axes.set_title(title, fontsize=FONT_SIZE + 1)


def one_colour_each(name: str, count: int, low: int = 1) -> None:
    """BadParameter unless `count` values can each be drawn in a colour of their own."""
    if not low <= count <= len(COLORS):
        raise BadParameter(name, f"give {low} to {len(COLORS)} values, got {count}")


# Numbers in labels. Inside `$...$` write `num(x)` itself; in plain label text write
# `text_num(x)`, which gives the same number outside math.


def text_num(value: float, digits: int = 4) -> str:
    """`num(value, digits)` for plain label text: plain digits as they are (with a true minus
    sign, as the axes' ticks have), and in `$...$` when num writes LaTeX (thousands grouped
    by a thin space, a power of ten), so the label reads like the worked examples."""
    text = num(value, digits)
    return f"${text}$" if "\\" in text else text.replace("-", "\N{MINUS SIGN}")


def two_decimals(value: float) -> str:
    """A detection score or IoU as detectors print it, always two decimals (0.90, not 0.9),
    so the scores of several boxes compare at a glance."""
    return f"{value:.2f}"
