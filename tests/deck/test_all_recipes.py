"""Every registered figure and worked example, at its defaults: renders, and figures
are small valid SVG with identical bytes on every run."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from conftest import DeckRecipes

MAX_SVG_BYTES = 60 * 1024


def test_figure_renders_small_valid_svg_with_identical_bytes_every_time(
    recipes: DeckRecipes, figure_name: str
) -> None:
    first = recipes.figure(figure_name).svg
    assert recipes.figure(figure_name).svg == first
    assert ElementTree.fromstring(first).tag == "{http://www.w3.org/2000/svg}svg"
    assert len(first) <= MAX_SVG_BYTES, f"{figure_name}: {len(first)} bytes"


def test_worked_example_computes_steps_at_its_defaults(
    recipes: DeckRecipes, example_name: str
) -> None:
    assert recipes.example(example_name).steps
