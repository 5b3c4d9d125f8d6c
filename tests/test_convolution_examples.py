"""The project's figure and worked-example recipes: deterministic, correct, and
checked against PyTorch where PyTorch computes the same thing."""

from __future__ import annotations

from itertools import product

import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from ankigen.worked import render_worked_example
from worked_examples.convolution import conv_output_size

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def test_bad_figure_parameter_is_refused_by_name() -> None:
    recipe = REGISTRY.get("figure", "activation")
    assert recipe is not None
    with pytest.raises(RecipeError) as error:
        recipe.call({"name": "relu", "alpha": 2.0})
    assert error.value.parameter == "alpha"


def conv_example(**params: int) -> str:
    recipe = REGISTRY.get("example", "conv-output-size")
    assert recipe is not None
    return render_worked_example("conv-output-size", recipe.call(params))


def test_conv_output_size_hand_checked() -> None:
    # ResNet's stem: (224 + 2*3 - 7) / 2 = 111.5, floor 111, plus 1 = 112.
    html = conv_example(size=224, kernel=7, stride=2, padding=3)
    assert "\\(= \\lfloor 111.5 \\rfloor + 1 = 112\\)" in html
    # Dilation 2 turns a 3x3 kernel into an effective 5x5: 32 - 5 + 1 = 28.
    html = conv_example(size=32, kernel=3, dilation=2)
    assert "\\(k' = d(k-1)+1\\)" in html and "\\(= 2\\times(3-1)+1\\)" in html
    assert "\\(= 5\\)" in html
    assert "= 28\\)" in html


def test_conv_output_size_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check conv shapes")
    for size, kernel, stride, padding, dilation in product(
        (7, 16, 33), (1, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2)
    ):
        if dilation * (kernel - 1) + 1 > size + 2 * padding:
            continue
        layer = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        out = layer(torch.zeros(1, 1, size, size))
        assert out.shape[-1] == conv_output_size(size, kernel, stride, padding, dilation)
