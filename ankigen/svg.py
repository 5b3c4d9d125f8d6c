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


def is_figure(value: Any) -> bool:
    from matplotlib.figure import Figure

    return isinstance(value, Figure)
