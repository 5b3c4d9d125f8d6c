"""Figures to SVG bytes that are identical on every run (design.md)."""

from __future__ import annotations

import io
from typing import Any


def figure_to_svg(figure: Any, salt: str) -> bytes:
    """`svg.hashsalt` fixes the ids matplotlib would draw at random; no date, no creator."""
    import matplotlib

    matplotlib.use("Agg")
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def smallest_text_pt(figure: Any) -> float:
    """The size in points of the smallest visible text of a drawn figure, so a check
    can tell how large it is where the card shows the figure."""
    from matplotlib.text import Text

    sizes = [
        float(text.get_fontsize())
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip()
    ]
    return min(sizes, default=0.0)


def is_figure(value: Any) -> bool:
    from matplotlib.figure import Figure

    return isinstance(value, Figure)
