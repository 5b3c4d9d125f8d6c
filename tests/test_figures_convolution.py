"""Convolution and sampling figures: the numbers they draw are hand-checked and
cross-checked against PyTorch; bad parameters are refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from ankigen.svg import figure_to_svg
from figures.convolution import conv_output_size, dilated_field, receptive_fields
from figures.sampling import (
    CORNER_VALUES,
    POOL_INPUT,
    UNPOOL_INPUT,
    average_pool,
    bilinear,
    max_pool,
    max_unpool,
    zero_insert,
)

load_recipe_folders([REPO / "figures"])


def draw(name: str, **params: Any) -> bytes:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    return figure_to_svg(recipe.call(params), salt=name)


def test_receptive_fields_hand_checked() -> None:
    # Stride 1: each 3x3 layer adds k-1 = 2 -> 3, 5, 7, 9.
    assert receptive_fields([3] * 4, [1] * 4) == [3, 5, 7, 9]
    # Stride 2 first: r1 = 3, jump 2; then +2*2 per layer -> 7, 11, 15.
    assert receptive_fields([3] * 4, [2, 1, 1, 1]) == [3, 7, 11, 15]
    # A dilated 3x3 spans r(k-1)+1: 3, 5, 7 (rate 3 gives 7, not 8).
    assert [dilated_field(rate) for rate in (1, 2, 3)] == [3, 5, 7]


def test_conv_output_size_hand_checked() -> None:
    # floor((5 + 2 - 3) / 2) + 1 = 2 + 1 = 3
    assert conv_output_size(5, 3, 2, 1) == 3


def test_pooling_hand_checked() -> None:
    maxima, _ = max_pool(POOL_INPUT)
    # Windows [1,3,5,6] [2,4,1,2] [7,2,3,4] [9,0,1,6]: max 6 4 7 9, mean 3.75 2.25 4 4.
    assert maxima.tolist() == [[6, 4], [7, 9]]
    assert average_pool(POOL_INPUT).tolist() == [[3.75, 2.25], [4, 4]]
    assert POOL_INPUT.mean() == 3.5  # 56 / 16
    pooled, indices = max_pool(UNPOOL_INPUT)
    # Maxima 5 at (0,1), 8 at (1,2), 7 at (2,0), 9 at (3,2): flat 1, 6, 8, 14.
    assert pooled.tolist() == [[5, 8], [7, 9]]
    assert indices.tolist() == [[1, 6], [8, 14]]
    restored = max_unpool(pooled, indices, (4, 4))
    assert restored.sum() == 29 and np.count_nonzero(restored) == 4


def test_bilinear_hand_checked() -> None:
    # Weights 0.7*0.4, 0.3*0.4, 0.7*0.6, 0.3*0.6 = 0.28, 0.12, 0.42, 0.18;
    # f = 2.8 + 2.4 + 12.6 + 9 = 26.8.
    weights, value = bilinear(CORNER_VALUES, 0.3, 0.6)
    assert weights == pytest.approx(np.array([[0.28, 0.12], [0.42, 0.18]]))
    assert value == pytest.approx(26.8)


def test_transposed_conv_zero_insertion_hand_checked() -> None:
    # 3 inputs, stride 2 -> 1 zero between: 5 cells; pad k-1 = 2 each side: 9; out 9-3+1 = 7.
    spread = zero_insert(np.arange(1.0, 10.0).reshape(3, 3), 2, 3)
    assert spread.shape == (9, 9)
    assert spread[2, 2:7].tolist() == [1, 0, 2, 0, 3]
    assert spread[0].sum() == 0 and spread[:, 1].sum() == 0


def _nonzero_span(gradient: Any) -> int:
    rows = gradient.abs().sum(dim=1).nonzero()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize(
    ("kernels", "strides", "dilations"),
    [
        ([3, 3, 3, 3], [1, 1, 1, 1], [1, 1, 1, 1]),
        ([3, 3, 3, 3], [2, 1, 1, 1], [1, 1, 1, 1]),
        ([5, 3, 3], [2, 2, 1], [1, 1, 1]),
        ([3], [1], [3]),
        ([3, 3], [1, 1], [2, 4]),
    ],
)
def test_receptive_field_matches_pytorch_gradients(
    kernels: list[int], strides: list[int], dilations: list[int]
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check receptive fields")
    layers = []
    for kernel, stride, dilation in zip(kernels, strides, dilations, strict=True):
        layer = torch.nn.Conv2d(1, 1, kernel, stride=stride, dilation=dilation, bias=False)
        torch.nn.init.ones_(layer.weight)
        layers.append(layer)
    image = torch.ones(1, 1, 48, 48, requires_grad=True)
    torch.nn.Sequential(*layers)(image)[0, 0, 0, 0].backward()
    assert image.grad is not None
    effective = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    assert _nonzero_span(image.grad[0, 0]) == receptive_fields(effective, strides)[-1]


def test_dilated_taps_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check dilation")
    for rate in (1, 2, 3, 5):
        layer = torch.nn.Conv2d(1, 1, 3, dilation=rate, bias=False)
        torch.nn.init.ones_(layer.weight)
        image = torch.ones(1, 1, 15, 15, requires_grad=True)
        layer(image)[0, 0, 0, 0].backward()
        assert image.grad is not None
        assert int((image.grad != 0).sum()) == 9
        assert _nonzero_span(image.grad[0, 0]) == dilated_field(rate)


def test_conv_output_size_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check conv shapes")
    for size, kernel, stride, padding in [(5, 3, 2, 1), (7, 3, 1, 0), (10, 7, 3, 3), (1, 3, 4, 1)]:
        layer = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
        out = layer(torch.zeros(1, 1, size, size))
        assert out.shape[-1] == conv_output_size(size, kernel, stride, padding)


def test_pooling_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check pooling")
    functional = torch.nn.functional
    rng = np.random.default_rng(0)
    for array in (POOL_INPUT, UNPOOL_INPUT, rng.permutation(36).astype(float).reshape(6, 6)):
        tensor = torch.tensor(array)[None, None]
        expected, expected_indices = functional.max_pool2d(tensor, 2, return_indices=True)
        pooled, indices = max_pool(array)
        assert np.array_equal(pooled, expected[0, 0].numpy())
        assert np.array_equal(indices, expected_indices[0, 0].numpy())
        unpooled = functional.max_unpool2d(expected, expected_indices, 2)
        assert np.array_equal(max_unpool(pooled, indices, array.shape), unpooled[0, 0].numpy())
        assert np.allclose(average_pool(array), functional.avg_pool2d(tensor, 2)[0, 0].numpy())
        gap = functional.adaptive_avg_pool2d(tensor, 1)
        assert float(gap) == pytest.approx(array.mean())


@pytest.mark.parametrize(("size", "stride", "kernel"), [(3, 2, 3), (2, 3, 2), (4, 1, 3), (3, 2, 4)])
def test_zero_insertion_equals_pytorch_transposed_conv(size: int, stride: int, kernel: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check ConvTranspose2d")
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


@pytest.mark.parametrize(("x", "y"), [(0.3, 0.6), (0.0, 0.0), (1.0, 0.25), (0.75, 1.0)])
def test_bilinear_matches_pytorch_grid_sample(x: float, y: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check bilinear")
    image = torch.tensor(CORNER_VALUES)[None, None]  # rows are y, columns x
    grid = torch.tensor([[[[2 * x - 1, 2 * y - 1]]]], dtype=image.dtype)
    expected = torch.nn.functional.grid_sample(image, grid, mode="bilinear", align_corners=True)
    assert bilinear(CORNER_VALUES, x, y)[1] == pytest.approx(float(expected))


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
