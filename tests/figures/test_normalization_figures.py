"""figures/normalization.py: the figure takes no parameters; the cells it shades for BN, LN,
IN and GN are exactly those torch normalises together."""

from __future__ import annotations

import pytest
from conftest import DeckRecipes

from figures.normalization import (
    CHANNELS,
    GROUPS,
    SAMPLES,
    SPATIAL,
    normalization_axes,
    shared_cells,
)


def test_takes_no_parameters(recipes: DeckRecipes) -> None:
    assert recipes.refused("figure", "normalization-axes", groups=3) == "groups"


@pytest.mark.parametrize(
    ("kind", "samples", "channels"),
    [("BN", SAMPLES, 1), ("LN", 1, CHANNELS), ("IN", 1, 1), ("GN", 1, CHANNELS // GROUPS)],
)
def test_shaded_block_hand_checked(kind: str, samples: int, channels: int) -> None:
    shaded = shared_cells(kind)
    assert (shaded.n1 - shaded.n0, shaded.c1 - shaded.c0) == (samples, channels)


def test_one_panel_per_norm_titled() -> None:
    titles = [axes.get_title() for axes in normalization_axes().axes]
    assert titles == ["Batch Norm", "Layer Norm", "Instance Norm", f"Group Norm (G={GROUPS})"]


@pytest.mark.parametrize("kind", ["BN", "LN", "IN", "GN"])
def test_shaded_cells_are_what_torch_normalises_together(kind: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the norms")
    # A nudge to cell (n=0, c=0, first pixel) changes exactly the outputs that share its
    # mean and variance (and itself).
    layer = {
        "BN": lambda: torch.nn.BatchNorm2d(CHANNELS),
        "LN": lambda: torch.nn.LayerNorm([CHANNELS, SPATIAL, 1]),
        "IN": lambda: torch.nn.InstanceNorm2d(CHANNELS),
        "GN": lambda: torch.nn.GroupNorm(2, CHANNELS),
    }[kind]().double()
    x = torch.randn(
        SAMPLES,
        CHANNELS,
        SPATIAL,
        1,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(0),
    )
    nudged = x.clone()
    nudged[0, 0, 0, 0] += 0.5
    changed = (layer(nudged) - layer(x)).abs().amax(dim=(2, 3)) > 1e-9  # (N, C)
    s = shared_cells(kind, groups=2)
    expected = torch.zeros(SAMPLES, CHANNELS, dtype=torch.bool)
    expected[s.n0 : s.n1, s.c0 : s.c1] = True
    assert torch.equal(changed, expected)
