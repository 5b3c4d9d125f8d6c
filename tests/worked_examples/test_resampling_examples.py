"""PixelShuffle, align_corners, RoI Align and pooling-under-shift recipes: the numbers the
cards show, hand-checked (the formulas are checked against PyTorch in tests/dlmath)."""

from __future__ import annotations

from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def test_pixel_shuffle_hand_checked() -> None:
    # Channel k holds 10(k+1) + position; output row 0 interleaves channels 0 and 1 at row 0.
    html = render("pixel-shuffle")
    assert (
        "\\begin{pmatrix} 10 &amp; 20 &amp; 11 &amp; 21 \\\\ 30 &amp; 40 &amp; 31 &amp; 41" in html
    )
    assert refused_parameter("pixel-shuffle", r=4) == "r"


def test_align_corners_hand_checked() -> None:
    # 4 -> 8: True: 7 * 3/7 = 3; False: (0 + 0.5) * 0.5 - 0.5 = -0.25, clamped to 0.
    html = render("align-corners")
    assert "\\(-0.25\\)" in html and "\\(0.429\\)" in html
    assert refused_parameter("align-corners", out_size=9) == "out_size"


def test_roi_align_bin_hand_checked() -> None:
    # Bin 1.6 x 1.6 from (0.6, 1.2); samples at x = 1.0, 1.8 and y = 1.6, 2.4;
    # f = 10y + x: 17, 17.8, 25, 25.8, mean 21.4. RoIPool would round the box to (1, 1, 4, 4).
    html = render("roi-align-bin")
    assert "\\(= 1.6,\\ 1.6\\)" in html
    assert "\\(= \\frac{17 + 17.8 + 25 + 25.8}{4}\\)" in html and "\\(= 21.4\\)" in html
    assert "\\(= (1, 1, 4, 4)\\)" in html
    assert refused_parameter("roi-align-bin", roi=[3.0, 1.0, 2.0, 4.0]) == "roi"


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
