"""figures/softmax.py: logits and temperatures out of range are refused by name; one bar
per class and temperature, each group labelled with its logit as `num` writes it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes

from dlmath.activations import softmax
from figures._style import COLORS
from figures.softmax import MAX_CLASSES, softmax_temperature


@pytest.mark.parametrize(
    ("params", "refused"),
    [
        ({"logits": [1.0]}, "logits"),
        ({"logits": [0.0] * (MAX_CLASSES + 1)}, "logits"),
        ({"logits": [1.0, 101.0]}, "logits"),
        ({"logits": [1.0, float("nan")]}, "logits"),
        ({"temperatures": []}, "temperatures"),
        ({"temperatures": [1.0] * (len(COLORS) + 1)}, "temperatures"),
        ({"temperatures": [0.0]}, "temperatures"),
        ({"temperatures": [1.0, 101.0]}, "temperatures"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, params: dict[str, Any], refused: str
) -> None:
    assert recipes.refused("figure", "softmax-temperature", **params) == refused


def test_one_bar_per_class_and_temperature() -> None:
    logits, temperatures = [2.0, -1.5, 0.1], [0.5, 5.0]
    axes = softmax_temperature(logits, temperatures).axes[0]
    heights = [bar.get_height() for container in axes.containers for bar in container]
    expected = np.concatenate([softmax(logits, t) for t in temperatures])
    assert heights == pytest.approx(expected)
    assert [label.get_text() for label in axes.get_xticklabels()] == ["z=2", "z=−1.5", "z=0.1"]
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == ["uniform 1/3", "T=0.5", "T=5"]
