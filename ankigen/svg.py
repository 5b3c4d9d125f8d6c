"""Figures to SVG bytes that are identical on every run (design.md)."""

from __future__ import annotations

import functools
import io
import os
from typing import Any


def figure_to_svg(figure: Any, salt: str) -> bytes:
    """`svg.hashsalt` fixes the ids matplotlib would draw at random; no date, no creator."""
    import matplotlib

    matplotlib.use("Agg")
    _share_formula_layouts()
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


@functools.cache
def _share_formula_layouts() -> None:
    """matplotlib lays out a formula (mathtext, 6 ms each) once per renderer, and saving
    a figure drawn with a layout engine makes two renderers, measuring its text with a
    third: the deck's 91 formulas were laid out 348 times, a quarter of the drawing.
    Here one cache serves every renderer of the process. A layout depends on its
    arguments and on the `mathtext.*` settings, which are part of the key, so the bytes
    are the same (tested); a matplotlib without this private cache is left as it is."""
    from matplotlib import rcParams
    from matplotlib.mathtext import MathTextParser

    separate: Any = getattr(MathTextParser, "_parse_cached", None)
    lay_out = getattr(separate, "__wrapped__", None)
    if lay_out is None:
        return
    parsers = {"vector": MathTextParser("path"), "raster": MathTextParser("agg")}
    settings = sorted(name for name in rcParams if name.startswith("mathtext."))

    @functools.lru_cache(maxsize=1024)
    def laid_out(output: str, mathtext: tuple[Any, ...], *arguments: Any) -> Any:
        return lay_out(parsers[output], *arguments)

    @functools.wraps(separate)
    def shared(self: Any, *arguments: Any) -> Any:
        mathtext = tuple(str(rcParams[name]) for name in settings)
        return laid_out(self._output_type, mathtext, *arguments)

    # A layout holds FreeType fonts, which a forked process must not share (matplotlib
    # empties its own font cache in a fork for the same reason).
    os.register_at_fork(after_in_child=laid_out.cache_clear)
    setattr(MathTextParser, "_parse_cached", shared)  # noqa: B010 (private to matplotlib)
