"""dlmath.resampling: each formula checked by hand and against what PyTorch computes."""

from __future__ import annotations

from itertools import product

import numpy as np
import numpy.typing as npt
import pytest
import torch

from dlmath.convolution import correlate
from dlmath.resampling import (
    average_pool,
    bilinear,
    bilinear_at,
    blur_pool_1d,
    max_pool,
    max_pool_1d,
    max_unpool,
    pixel_shuffle,
    roi_align_bin,
    source_coordinate,
    zero_insert,
)

Array = npt.NDArray[np.float64]

# Every 2x2 window has a single maximum.
POOL_INPUT = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [3, 4, 1, 6]], dtype=float)
UNPOOL_INPUT = np.array([[1, 5, 2, 0], [3, 2, 8, 4], [7, 0, 1, 3], [2, 6, 9, 2]], dtype=float)
CORNERS = np.array([[10.0, 20.0], [30.0, 50.0]])  # [y][x] at (0,0), (1,0), (0,1), (1,1)
RAMP = np.add.outer(10.0 * np.arange(6), np.arange(6.0))  # f(x, y) = 10y + x


def test_pooling_hand_checked() -> None:
    maxima, _ = max_pool(POOL_INPUT)
    # Windows [1,3,5,6] [2,4,1,2] [7,2,3,4] [9,0,1,6]: max 6 4 7 9, mean 3.75 2.25 4 4.
    assert maxima.tolist() == [[6, 4], [7, 9]]
    assert average_pool(POOL_INPUT).tolist() == [[3.75, 2.25], [4, 4]]
    pooled, indices = max_pool(UNPOOL_INPUT)
    # Maxima 5 at (0,1), 8 at (1,2), 7 at (2,0), 9 at (3,2): flat 1, 6, 8, 14.
    assert pooled.tolist() == [[5, 8], [7, 9]]
    assert indices.tolist() == [[1, 6], [8, 14]]
    restored = max_unpool(pooled, indices, (4, 4))
    assert restored.sum() == 29 and np.count_nonzero(restored) == 4


@pytest.mark.parametrize("case", ["pool", "unpool", "random"])
def test_pooling_matches_pytorch(case: str) -> None:
    random = np.random.default_rng(0).permutation(36).astype(float).reshape(6, 6)
    array = {"pool": POOL_INPUT, "unpool": UNPOOL_INPUT, "random": random}[case]
    functional = torch.nn.functional
    tensor = torch.tensor(array)[None, None]
    expected, expected_indices = functional.max_pool2d(tensor, 2, return_indices=True)
    pooled, indices = max_pool(array)
    assert np.array_equal(pooled, expected[0, 0].numpy())
    assert np.array_equal(indices, expected_indices[0, 0].numpy())
    unpooled = functional.max_unpool2d(expected, expected_indices, (2, 2))
    shape = (array.shape[0], array.shape[1])
    assert np.array_equal(max_unpool(pooled, indices, shape), unpooled[0, 0].numpy())
    assert np.allclose(average_pool(array), functional.avg_pool2d(tensor, 2)[0, 0].numpy())
    # Global average pooling is the plain mean.
    assert float(functional.adaptive_avg_pool2d(tensor, 1)) == pytest.approx(array.mean())


def test_zero_insert_hand_checked() -> None:
    # 3 inputs, stride 2 -> 1 zero between: 5 cells; pad k-1 = 2 each side: 9; out 9-3+1 = 7.
    spread = zero_insert(np.arange(1.0, 10.0).reshape(3, 3), 2, 3)
    assert spread.shape == (9, 9)
    assert spread[2, 2:7].tolist() == [1, 0, 2, 0, 3]
    assert spread[0].sum() == 0 and spread[:, 1].sum() == 0


@pytest.mark.parametrize(("size", "stride", "kernel"), [(3, 2, 3), (2, 3, 2), (4, 1, 3), (3, 2, 4)])
def test_zero_insert_equals_pytorch_transposed_conv(size: int, stride: int, kernel: int) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(size, size))
    weight = torch.tensor(rng.normal(size=(1, 1, kernel, kernel)))
    expected = torch.nn.functional.conv_transpose2d(
        torch.tensor(x)[None, None], weight, stride=stride
    )
    spread = torch.tensor(zero_insert(x, stride, kernel))[None, None]
    got = torch.nn.functional.conv2d(spread, weight.flip(-1, -2))
    assert expected.shape[-1] == (size - 1) * stride + kernel
    assert torch.allclose(got, expected)


def test_strided_input_gradient_is_zero_inserted_full_convolution() -> None:
    rng = np.random.default_rng(1)
    for size, kernel, stride in ((5, 3, 2), (7, 3, 2), (8, 2, 3), (9, 3, 3)):
        assert (size - kernel) % stride == 0
        out = (size - kernel) // stride + 1
        x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
        w_np = rng.normal(size=(kernel, kernel))
        g_np = rng.normal(size=(out, out))
        y = torch.nn.functional.conv2d(x, torch.tensor(w_np[None, None]), stride=stride)
        (gradient,) = torch.autograd.grad((y * torch.tensor(g_np[None, None])).sum(), x)
        # s-1 zeros between the gradients, k-1 zeros around, then rot180(W): the card's rule.
        spread = zero_insert(g_np, stride, kernel)
        assert np.allclose(correlate(spread, np.rot90(w_np, 2)), gradient[0, 0].numpy())


def test_bilinear_hand_checked() -> None:
    # Weights 0.7*0.4, 0.3*0.4, 0.7*0.6, 0.3*0.6 = 0.28, 0.12, 0.42, 0.18;
    # f = 2.8 + 2.4 + 12.6 + 9 = 26.8.
    weights, value = bilinear(CORNERS, 0.3, 0.6)
    assert weights == pytest.approx(np.array([[0.28, 0.12], [0.42, 0.18]]))
    assert value == pytest.approx(26.8)
    # On the ramp 10y + x bilinear interpolation is exact, also in the last cell.
    assert bilinear_at(RAMP, 2.4, 1.25) == pytest.approx(25.25)
    assert bilinear_at(RAMP, 5.0, 4.5) == pytest.approx(54.5)


@pytest.mark.parametrize(("x", "y"), [(0.3, 0.6), (0.0, 0.0), (1.0, 0.25), (0.75, 1.0)])
def test_bilinear_matches_pytorch_grid_sample(x: float, y: float) -> None:
    image = torch.tensor(CORNERS)[None, None]  # rows are y, columns x
    grid = torch.tensor([[[[2 * x - 1, 2 * y - 1]]]], dtype=image.dtype)
    expected = torch.nn.functional.grid_sample(image, grid, mode="bilinear", align_corners=True)
    assert bilinear(CORNERS, x, y)[1] == pytest.approx(float(expected))


def test_pixel_shuffle_hand_checked() -> None:
    # Four 1x1 channels a, b, c, d become the 2x2 block [[a, b], [c, d]].
    assert pixel_shuffle(np.arange(4.0).reshape(4, 1, 1), 2).tolist() == [[[0, 1], [2, 3]]]


def test_pixel_shuffle_matches_pytorch() -> None:
    for r, channels, height, width in product((2, 3), (1, 2), (1, 3), (2, 4)):
        x = torch.randn(1, channels * r * r, height, width, dtype=torch.float64)
        expected = torch.nn.PixelShuffle(r)(x)[0].numpy()
        assert np.array_equal(pixel_shuffle(x[0].numpy(), r), expected)


def test_source_coordinate_hand_checked() -> None:
    # 4 -> 8: True: 7 * 3/7 = 3; False: (0 + 0.5) * 0.5 - 0.5 = -0.25, clamped to 0.
    assert source_coordinate(7, 4, 8, True) == 3
    assert source_coordinate(0, 4, 8, False) == 0
    assert source_coordinate(1, 4, 8, False) == 0.25


def test_source_coordinate_matches_interpolate() -> None:
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
    # f = 10y + x: 17, 17.8, 25, 25.8, mean 21.4.
    b = roi_align_bin(RAMP, (0.6, 1.2, 3.8, 4.4), 2, 2, 0, 0)
    assert (b.bin_width, b.bin_height) == pytest.approx((1.6, 1.6))
    assert [s.value for s in b.samples] == pytest.approx([17, 17.8, 25, 25.8])
    assert b.value == pytest.approx(21.4)


def _roi_align_grid_sample(
    feature: Array, roi: tuple[float, float, float, float], pooled: int, ratio: int
) -> torch.Tensor:
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
    feature = np.random.default_rng(3).normal(size=(6, 6))
    for roi, pooled, ratio in (
        ((0.6, 1.2, 3.8, 4.4), 2, 2),
        ((0.3, 0.2, 4.9, 4.7), 3, 2),
        ((1.1, 0.5, 2.3, 4.9), 2, 1),
        ((0.0, 0.0, 5.0, 5.0), 4, 2),
    ):
        expected = _roi_align_grid_sample(feature, roi, pooled, ratio)
        for row, col in product(range(pooled), range(pooled)):
            ours = roi_align_bin(feature, roi, pooled, ratio, row, col).value
            assert ours == pytest.approx(float(expected[row, col]), abs=1e-12)
        ramp = _roi_align_grid_sample(RAMP, roi, pooled, ratio)
        assert roi_align_bin(RAMP, roi, pooled, ratio, 0, 0).value == pytest.approx(
            float(ramp[0, 0])
        )


def test_pool_1d_hand_checked() -> None:
    # (0,0,1,1,0,0,1,1) -> max pool (0,1,0,1); MaxBlurPool: dense max (0,1,1,1,0,1,1,1),
    # blur [1,2,1]/4 at even positions: .5 1 .5 1.
    x = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    assert max_pool_1d(x, 2, 2).tolist() == [0, 1, 0, 1]
    assert blur_pool_1d(x, 2).tolist() == [0.5, 1, 0.5, 1]


def test_pool_1d_matches_pytorch() -> None:
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
