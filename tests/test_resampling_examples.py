"""PixelShuffle, align_corners, RoI Align and pooling-under-shift recipes: hand-checked
numbers the cards show, cross-checked against PyTorch (nn.PixelShuffle, F.interpolate,
an independent RoI Align built on F.grid_sample, F.max_pool1d and conv1d)."""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from worked_examples.resampling import (
    FEATURE,
    blur_pool_1d,
    max_pool_1d,
    pixel_shuffle,
    roi_align_bin,
    source_coordinate,
)

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def test_pixel_shuffle_hand_checked() -> None:
    # Channel k holds 10(k+1) + position; output row 0 interleaves channels 0 and 1 at row 0.
    html = render("pixel-shuffle")
    assert (
        "\\begin{pmatrix} 10 &amp; 20 &amp; 11 &amp; 21 \\\\ 30 &amp; 40 &amp; 31 &amp; 41" in html
    )
    assert refused_parameter("pixel-shuffle", r=4) == "r"


def test_pixel_shuffle_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check PixelShuffle")
    for r, channels, height, width in product((2, 3), (1, 2), (1, 3), (2, 4)):
        x = torch.randn(1, channels * r * r, height, width, dtype=torch.float64)
        expected = torch.nn.PixelShuffle(r)(x)[0].numpy()
        assert np.array_equal(pixel_shuffle(x[0].numpy(), r), expected)


def test_align_corners_hand_checked() -> None:
    # 4 -> 8: True: 7 * 3/7 = 3; False: (0 + 0.5) * 0.5 - 0.5 = -0.25, clamped to 0.
    html = render("align-corners")
    assert "\\(-0.25\\)" in html and "\\(0.429\\)" in html
    assert source_coordinate(7, 4, 8, True) == 3
    assert source_coordinate(0, 4, 8, False) == 0
    assert source_coordinate(1, 4, 8, False) == 0.25
    assert refused_parameter("align-corners", out_size=9) == "out_size"


def test_align_corners_matches_interpolate() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check interpolate")
    for in_size, out_size, corners in product(range(2, 9), range(2, 9), (True, False)):
        # Interpolating the ramp 0, 1, ..., n-1 returns the source coordinate itself
        # (PyTorch clamps it into [0, n-1]).
        ramp = torch.arange(in_size, dtype=torch.float64).view(1, 1, -1)
        out = torch.nn.functional.interpolate(
            ramp, size=out_size, mode="linear", align_corners=corners
        )[0, 0]
        for dst in range(out_size):
            expected = min(source_coordinate(dst, in_size, out_size, corners), in_size - 1)
            assert float(out[dst]) == pytest.approx(expected, abs=1e-12)


def test_roi_align_bin_hand_checked() -> None:
    # Bin 1.6 x 1.6 from (0.6, 1.2); samples at x = 1.0, 1.8 and y = 1.6, 2.4;
    # f = 10y + x: 17, 17.8, 25, 25.8, mean 21.4. RoIPool would round the box to (1, 1, 4, 4).
    html = render("roi-align-bin")
    assert "\\(= 1.6,\\ 1.6\\)" in html
    assert "\\(= \\frac{17 + 17.8 + 25 + 25.8}{4}\\)" in html and "\\(= 21.4\\)" in html
    assert "\\(= (1, 1, 4, 4)\\)" in html
    assert refused_parameter("roi-align-bin", roi=[3.0, 1.0, 2.0, 4.0]) == "roi"


def _roi_align_grid_sample(
    torch: Any, feature: Any, roi: tuple[float, float, float, float], pooled: int, ratio: int
) -> Any:
    """RoI Align written independently: every sample point of every bin at once, read with
    F.grid_sample (align_corners=True puts pixel i at coordinate i), averaged per bin."""
    x1, y1, x2, y2 = roi
    steps = (torch.arange(pooled * ratio, dtype=torch.float64) + 0.5) / (pooled * ratio)
    ys, xs = y1 + steps * (y2 - y1), x1 + steps * (x2 - x1)
    height, width = feature.shape
    gy, gx = torch.meshgrid(2 * ys / (height - 1) - 1, 2 * xs / (width - 1) - 1, indexing="ij")
    grid = torch.stack((gx, gy), dim=-1)[None]
    sampled = torch.nn.functional.grid_sample(
        torch.tensor(feature)[None, None], grid, mode="bilinear", align_corners=True
    )[0, 0]
    return sampled.view(pooled, ratio, pooled, ratio).mean(dim=(1, 3))


def test_roi_align_matches_grid_sample() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check RoI Align")
    rng = np.random.default_rng(3)
    feature = rng.normal(size=(6, 6))
    for roi, pooled, ratio in (
        ((0.6, 1.2, 3.8, 4.4), 2, 2),
        ((0.3, 0.2, 4.9, 4.7), 3, 2),
        ((1.1, 0.5, 2.3, 4.9), 2, 1),
        ((0.0, 0.0, 5.0, 5.0), 4, 2),
    ):
        expected = _roi_align_grid_sample(torch, feature, roi, pooled, ratio)
        for row, col in product(range(pooled), range(pooled)):
            ours = roi_align_bin(feature, roi, pooled, ratio, row, col).value
            assert ours == pytest.approx(float(expected[row, col]), abs=1e-12)
        # On the ramp f = 10y + x bilinear interpolation is exact.
        ramp = _roi_align_grid_sample(torch, FEATURE, roi, pooled, ratio)
        assert roi_align_bin(FEATURE, roi, pooled, ratio, 0, 0).value == pytest.approx(
            float(ramp[0, 0])
        )


def test_pool_shift_hand_checked() -> None:
    # (0,0,1,1,0,0,1,1) -> max pool (0,1,0,1); shifted (1,0,0,1,1,0,0,1) -> (1,1,1,1): L1 2.
    html = render("pool-shift")
    assert "\\(= (0,\\ 1,\\ 0,\\ 1)\\)" in html and "\\(= (1,\\ 1,\\ 1,\\ 1)\\)" in html
    assert html.rstrip().count("\\(= 2\\)") == 1
    # MaxBlurPool: dense max (0,1,1,1,0,1,1,1), blur [1,2,1]/4 at even positions: .5 1 .5 1;
    # shifted: .75 .75 .75 .75; L1 change 1.
    html = render("pool-shift", blur=True)
    assert (
        "\\(= (0.5,\\ 1,\\ 0.5,\\ 1)\\)" in html
        and "\\(= (0.75,\\ 0.75,\\ 0.75,\\ 0.75)\\)" in html
    )
    # L1 change 1 with the blur, against 2 for plain max pooling of the same shift.
    assert "\\(= 1\\)" in html and html.rstrip().count("\\(= 2\\)") == 1
    assert refused_parameter("pool-shift", signal=[1.0, 2.0, 3.0]) == "signal"


def test_pool_shift_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check pooling")
    functional = torch.nn.functional
    rng = np.random.default_rng(4)
    blur = torch.tensor([[[1.0, 2.0, 1.0]]], dtype=torch.float64) / 4
    for length in (4, 6, 8, 10):
        x_np = rng.integers(0, 5, length).astype(float)
        x = torch.tensor(x_np).view(1, 1, -1)
        assert np.array_equal(max_pool_1d(x_np, 2, 2), functional.max_pool1d(x, 2, 2)[0, 0])
        dense = functional.max_pool1d(functional.pad(x, (0, 1), mode="circular"), 2, 1)
        blurred = functional.conv1d(functional.pad(dense, (1, 1), mode="circular"), blur, stride=2)
        assert np.allclose(blur_pool_1d(x_np, 2), blurred[0, 0].numpy())
