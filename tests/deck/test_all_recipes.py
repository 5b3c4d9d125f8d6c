"""Every registered figure and worked example, at its defaults: renders, and figures
are small valid SVG with identical bytes on every run."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, load_recipe_folders
from ankigen.svg import figure_to_svg
from ankigen.worked import WorkedExample, render_worked_example

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])
MAX_SVG_BYTES = 60 * 1024


@pytest.mark.parametrize("name", REGISTRY.names("figure"))
def test_figure_renders_small_valid_svg_with_identical_bytes_every_time(name: str) -> None:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    first = figure_to_svg(recipe.call({}), salt=name)
    second = figure_to_svg(recipe.call({}), salt=name)
    assert first == second
    assert ElementTree.fromstring(first).tag == "{http://www.w3.org/2000/svg}svg"
    assert len(first) <= MAX_SVG_BYTES, f"{name}: {len(first)} bytes"


@pytest.mark.parametrize("name", REGISTRY.names("example"))
def test_worked_example_renders_at_its_defaults(name: str) -> None:
    recipe = REGISTRY.get("example", name)
    assert recipe is not None
    example = recipe.call({})
    assert isinstance(example, WorkedExample) and example.steps
    html = render_worked_example(name, example)
    assert f'data-example="{name}"' in html and "\\(" in html
