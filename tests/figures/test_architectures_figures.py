"""figures/architectures.py: an unknown block is refused by name; the schematics carry the
papers' numbers (Inception (3a)'s concatenation is the sum of its branches) and label their
layers, ResNet blocks, unlike MobileNetV2's and ConvNeXt's, end in a ReLU after the addition,
and the same block draws the same SVG."""

from __future__ import annotations

import pytest
from conftest import DeckRecipes
from matplotlib.text import Text

from figures.architectures import INCEPTION_3A, Kind, architecture_block


def texts(kind: Kind) -> list[str]:
    return [text.get_text() for text in architecture_block(kind).findobj(Text)]


def test_unknown_block_is_refused_by_name(recipes: DeckRecipes) -> None:
    assert recipes.refused("figure", "architecture-block", kind="lstm") == "kind"


def test_inception_concatenates_its_four_branches() -> None:
    branches = ("1x1", "3x3", "5x5", "pool proj")
    assert sum(INCEPTION_3A[branch] for branch in branches) == 256  # Szegedy et al., Table 1
    assert "filter concatenation (256)" in texts("inception")


@pytest.mark.parametrize(
    ("kind", "relus"), [("residual", 2), ("bottleneck", 3), ("inverted", 0), ("convnext", 0)]
)
def test_only_resnet_blocks_end_in_a_relu(kind: Kind, relus: int) -> None:
    shown = texts(kind)
    assert "$F(x)+x$" in shown
    assert shown.count("ReLU") == relus
    after_add = shown[shown.index("+") + 1 :]
    assert ("ReLU" in after_add) == (kind in ("residual", "bottleneck"))


@pytest.mark.parametrize("kind", ["inverted", "convnext", "residual", "bottleneck"])
def test_block_figures_label_their_layers(recipes: DeckRecipes, kind: Kind) -> None:
    labels = texts(kind)
    expected = {
        "inverted": ["1×1 conv, 24→144", "3×3 depthwise, 144", "linear 1×1, 144→24"],
        "convnext": ["7×7 depthwise, 96", "LayerNorm", "1×1 conv, 96→384", "GELU"],
        "residual": ["3×3 conv, 64, BN"],
        "bottleneck": ["1×1 conv, 256→64"],
    }[kind]
    assert all(label in labels for label in expected)
    drawn = recipes.figure("architecture-block", kind=kind)
    assert drawn.svg == recipes.figure("architecture-block", kind=kind).svg


def test_dense_block_feeds_every_later_layer() -> None:
    fig = architecture_block("dense")
    assert fig.axes[0].get_title() == "dense block, 4 layers"
    # x0 and H_1..H_4: 4 neighbour arrows plus an arc from each output to each later layer
    # beyond its neighbour, 3 + 2 + 1 = 6.
    assert len(fig.axes[0].patches) == 5 + 4 + 6
