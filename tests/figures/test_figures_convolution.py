"""Convolution and sampling figures: bad parameters are refused by name and the drawings
stay small (the formulas they draw are checked in tests/dlmath)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from ankigen.svg import figure_to_svg

load_recipe_folders([REPO / "figures"])


def draw(name: str, **params: Any) -> bytes:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    return figure_to_svg(recipe.call(params), salt=name)


@pytest.mark.parametrize(
    ("name", "params", "bad"),
    [
        ("dilated-kernel", {"rates": []}, "rates"),
        ("dilated-kernel", {"rates": [0, 2]}, "rates"),
        ("receptive-field-growth", {"layers": 0}, "layers"),
        ("conv-output-grid", {"stride": 0}, "stride"),
        ("conv-output-grid", {"size": 2, "kernel": 5, "padding": 0}, "kernel"),
        ("depthwise-separable", {"channels_in": 0}, "channels_in"),
        ("transposed-conv", {"stride": 4}, "stride"),
        ("transposed-conv", {"size": 5, "stride": 3, "kernel": 4}, "size"),
        ("bilinear-interpolation", {"x": 1.5}, "x"),
        ("bilinear-interpolation", {"y": -0.1}, "y"),
    ],
)
def test_bad_parameters_are_refused_by_name(name: str, params: dict[str, Any], bad: str) -> None:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    with pytest.raises(RecipeError) as error:
        recipe.call(params)
    assert error.value.parameter == bad


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("dilated-kernel", {"rates": [1, 5, 2, 4]}),
        ("receptive-field-growth", {"layers": 10}),
        ("conv-output-grid", {"size": 10, "kernel": 7, "stride": 1, "padding": 3}),
        ("conv-output-grid", {"size": 1, "kernel": 3, "padding": 1}),
        ("depthwise-separable", {"channels_in": 64, "channels_out": 64, "kernel": 7}),
        ("transposed-conv", {"size": 5, "stride": 2, "kernel": 4}),
        ("transposed-conv", {"size": 4, "stride": 3, "kernel": 3}),
        ("bilinear-interpolation", {"x": 0.0, "y": 1.0}),
    ],
)
def test_figures_at_their_limits_stay_small(name: str, params: dict[str, Any]) -> None:
    assert len(draw(name, **params)) <= 60 * 1024
