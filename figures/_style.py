"""Shared look of every figure: a white canvas of its own (readable on night mode),
phone-sized text, and colours that stay distinct for colour-blind readers."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
FONT_SIZE = 12


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
