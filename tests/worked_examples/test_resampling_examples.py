"""worked_examples/resampling.py: pixel-shuffle, align-corners, roi-align-bin and pool-shift,
the numbers the cards show, hand-checked (the formulas are checked against PyTorch in
tests/dlmath/test_resampling_math.py)."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("pixel-shuffle", {"r": 4}, "r"),
        ("align-corners", {"out_size": 9}, "out_size"),
        ("roi-align-bin", {"roi": [3.0, 1.0, 2.0, 4.0]}, "roi"),
        ("pool-shift", {"signal": [1.0, 2.0, 3.0]}, "signal"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


def test_pixel_shuffle_hand_checked(recipes: DeckRecipes) -> None:
    # Channel k holds 10(k+1) + position; output row 0 interleaves channels 0 and 1 at row 0,
    # row 1 channels 2 and 3.
    output = numbers(step(recipes.example("pixel-shuffle"), "(output)").result)
    assert output[:8] == [10, 20, 11, 21, 30, 40, 31, 41]
    assert len(output) == 16


def test_align_corners_hand_checked(recipes: DeckRecipes) -> None:
    # 4 -> 8: True: 1 * 3/7 = 0.429, 7 * 3/7 = 3; False: (0 + 0.5) * 0.5 - 0.5 = -0.25,
    # clamped to 0.
    coordinates = table(recipes.example("align-corners"))
    assert row(coordinates, 0) == [0, -0.25, 0]
    assert row(coordinates, 1) == [0.429, 0.25, 0.25]
    assert row(coordinates, 7)[0] == 3


def test_roi_align_bin_hand_checked(recipes: DeckRecipes) -> None:
    # Bin 1.6 x 1.6 from (0.6, 1.2); samples at x = 1.0, 1.8 and y = 1.6, 2.4;
    # f = 10y + x: 17, 17.8, 25, 25.8, mean 21.4. RoIPool would round the box to (1, 1, 4, 4).
    example = recipes.example("roi-align-bin")
    assert numbers(step(example, "(bin size").result) == [1.6, 1.6]
    assert column(table(example), "双线性值") == [17, 17.8, 25, 25.8]
    average = step(example, "(average)")
    assert numbers(average.substituted) == [17, 17.8, 25, 25.8, 4]
    assert numbers(average.result) == [21.4]
    assert numbers(step(example, "(quantise)").result) == [1, 1, 4, 4]


def test_pool_shift_hand_checked(recipes: DeckRecipes) -> None:
    # (0,0,1,1,0,0,1,1) -> max pool (0,1,0,1); shifted (1,0,0,1,1,0,0,1) -> (1,1,1,1): L1 2.
    plain = recipes.example("pool-shift")
    assert numbers(step(plain, "(pooled)").result) == [0, 1, 0, 1]
    assert numbers(step(plain, "(pooled, shifted)").result) == [1, 1, 1, 1]
    assert result(plain, "(L1 change)") == 2
    # MaxBlurPool: dense max (0,1,1,1,0,1,1,1), blur [1,2,1]/4 at even positions: .5 1 .5 1;
    # shifted: .75 .75 .75 .75; L1 change 1, against 2 for plain max pooling of the same shift.
    blurred = recipes.example("pool-shift", blur=True)
    assert numbers(step(blurred, "(pooled)").result) == [0.5, 1, 0.5, 1]
    assert numbers(step(blurred, "(pooled, shifted)").result) == [0.75] * 4
    assert result(blurred, "(L1 change)") == 1
    assert result(blurred, "(plain max pool)") == 2
