"""Figures become SVG bytes that are the same on every run, however they are laid out."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from ankigen.svg import figure_to_svg


def formulas_figure() -> Figure:
    """Formulas in a title, labels, a legend and log-scale ticks, laid out by a layout engine."""
    figure = Figure(figsize=(4, 3), layout="constrained")
    axes = figure.add_subplot()
    x = np.linspace(0.1, 5, 50)
    axes.plot(x, np.exp(-x), label=r"$e^{-x}$")
    axes.plot(x, 1 / (1 + np.exp(-x)), label=r"$\sigma(x) = \frac{1}{1+e^{-x}}$")
    axes.set_yscale("log")
    axes.set_title(r"$\alpha_t$ and $\hat{y}$ 对比")
    axes.set_xlabel(r"$x_{l-1}$")
    axes.legend()
    return figure


def test_one_formula_cache_draws_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = figure_to_svg(formulas_figure(), salt="f")  # the cache is in place from here
    separate = MathTextParser._parse_cached.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(MathTextParser, "_parse_cached", separate)
    assert figure_to_svg(formulas_figure(), salt="f") == shared
    assert b"<path" in shared and shared.count(b'id="DejaVu') >= 10  # formulas as glyphs


def test_a_changed_formula_setting_gets_its_own_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A recipe may change how formulas are set: the shared cache must not serve it the
    layouts made under the old setting."""
    plain = figure_to_svg(formulas_figure(), salt="f")
    with matplotlib.rc_context({"mathtext.default": "bf"}):
        shared = figure_to_svg(formulas_figure(), salt="f")
    separate = MathTextParser._parse_cached.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(MathTextParser, "_parse_cached", separate)
    with matplotlib.rc_context({"mathtext.default": "bf"}):
        assert figure_to_svg(formulas_figure(), salt="f") == shared != plain
