"""dlmath.convolution: each formula checked by hand and against what PyTorch computes."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from dlmath.convolution import (
    conv2d,
    conv_cost,
    conv_output_size,
    conv_params,
    correlate,
    effective_kernel_size,
    receptive_field,
    separable_cost,
    transposed_conv_output_size,
)


def test_effective_kernel_size_hand_checked() -> None:
    # A dilated 3x3 spans d(k-1)+1: 3, 5, 7 (rate 3 gives 7, not 8).
    assert [effective_kernel_size(3, rate) for rate in (1, 2, 3)] == [3, 5, 7]


@pytest.mark.parametrize("rate", [1, 2, 3, 5])
def test_effective_kernel_size_matches_pytorch_taps(rate: int) -> None:
    layer = torch.nn.Conv2d(1, 1, 3, dilation=rate, bias=False)
    torch.nn.init.ones_(layer.weight)
    image = torch.ones(1, 1, 15, 15, requires_grad=True)
    layer(image)[0, 0, 0, 0].backward()
    assert image.grad is not None
    assert int((image.grad != 0).sum()) == 9  # the taps do not grow, only their span
    assert _span(image.grad[0, 0]) == effective_kernel_size(3, rate)


def test_conv_output_size_hand_checked() -> None:
    # floor((5 + 2 - 3) / 2) + 1 = 3; ResNet's stem floor((224 + 6 - 7) / 2) + 1 = 112;
    # dilation 2 makes a 3x3 span 5: 32 - 5 + 1 = 28.
    assert conv_output_size(5, 3, 2, 1) == 3
    assert conv_output_size(224, 7, 2, 3) == 112
    assert conv_output_size(32, 3, dilation=2) == 28


@pytest.mark.parametrize("dilation", [1, 2])
def test_conv_output_size_matches_pytorch(dilation: int) -> None:
    for size, kernel, stride, padding in product(
        (1, 5, 7, 16, 33), (1, 3, 5, 7), (1, 2, 3, 4), (0, 1, 2, 3)
    ):
        if effective_kernel_size(kernel, dilation) > size + 2 * padding:
            continue
        layer = torch.nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
        out = layer(torch.zeros(1, 1, size, size))
        assert out.shape[-1] == conv_output_size(size, kernel, stride, padding, dilation)


def test_transposed_conv_output_size_hand_checked() -> None:
    # DCGAN-style: (4-1)*2 - 2 + 3 + 0 + 1 = 8; k=3, s=2, p=1, output_padding=1:
    # (3-1)*2 - 2 + 2 + 1 + 1 = 6.
    assert transposed_conv_output_size(4, 4, 2, 1, 0, 1) == 8
    assert transposed_conv_output_size(3, 3, 2, 1, 1, 1) == 6


def test_transposed_conv_output_size_matches_pytorch() -> None:
    checked = 0
    for size, kernel, stride, padding, output_padding, dilation in product(
        (1, 4, 7), (1, 3, 4), (1, 2, 3), (0, 1, 2), (0, 1, 2), (1, 2)
    ):
        if output_padding >= max(stride, dilation):
            continue
        expected = transposed_conv_output_size(
            size, kernel, stride, padding, output_padding, dilation
        )
        if expected < 1:
            continue
        layer = torch.nn.ConvTranspose2d(
            1, 1, kernel, stride, padding, output_padding=output_padding, dilation=dilation
        )
        assert layer(torch.zeros(1, 1, size, size)).shape[-1] == expected
        checked += 1
    assert checked > 100
    # PyTorch refuses an output_padding of at least max(stride, dilation).
    with pytest.raises(RuntimeError):
        torch.nn.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2)(torch.zeros(1, 1, 4, 4))


def test_receptive_field_hand_checked() -> None:
    # Stride 1: each 3x3 layer adds k-1 = 2 -> 3, 5, 7, 9.
    assert [layer.field for layer in receptive_field([3] * 4, [1] * 4)] == [3, 5, 7, 9]
    # Stride 2 first: r1 = 3, jump 2; then +2*2 per layer -> 7, 11, 15.
    assert [layer.field for layer in receptive_field([3] * 4, [2, 1, 1, 1])] == [3, 7, 11, 15]
    # 7x7/2, 3x3/2, 3x3 dilation 2 (k' = 5): r = 1 + 6*1 = 7; 7 + 2*2 = 11; 11 + 4*4 = 27;
    # jumps 2, 4, 4.
    layers = receptive_field([7, 3, 3], [2, 2, 1], [1, 1, 2])
    assert [(layer.effective, layer.jump, layer.field) for layer in layers] == [
        (7, 2, 7),
        (3, 4, 11),
        (5, 4, 27),
    ]


def _span(gradient: torch.Tensor) -> int:
    """Rows between the first and the last that the gradient reaches."""
    rows = torch.nonzero(gradient.abs().sum(dim=1)).flatten()
    return int(rows[-1] - rows[0]) + 1


def _autograd_field(kernels: list[int], strides: list[int], dilations: list[int]) -> int:
    """Extent of the input pixels that reach one output unit of an all-ones conv stack."""
    size = receptive_field(kernels, strides, dilations)[-1].field + 5
    layers = [
        torch.nn.Conv2d(1, 1, k, stride=s, dilation=d, bias=False, dtype=torch.float64)
        for k, s, d in zip(kernels, strides, dilations, strict=True)
    ]
    for layer in layers:
        torch.nn.init.ones_(layer.weight)
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    torch.nn.Sequential(*layers)(x)[0, 0, 0, 0].backward()
    assert x.grad is not None
    assert _span(x.grad[0, 0]) == _span(x.grad[0, 0].T)
    return _span(x.grad[0, 0])


@pytest.mark.parametrize(
    ("kernels", "strides", "dilations"),
    [
        ([3, 3, 3], [1, 1, 1], [1, 1, 1]),
        ([3, 3, 3, 3], [1, 1, 1, 1], [1, 1, 1, 1]),
        ([3, 3, 3, 3], [2, 1, 1, 1], [1, 1, 1, 1]),
        ([5, 3, 3], [2, 2, 1], [1, 1, 1]),
        ([7, 3, 3], [2, 2, 1], [1, 1, 2]),
        ([3, 3, 3, 3], [2, 1, 2, 1], [1, 2, 1, 3]),
        ([3], [1], [3]),
        ([5], [1], [3]),
        ([3, 3], [1, 1], [2, 4]),
        ([1, 3, 2], [1, 3, 2], [1, 1, 1]),
    ],
)
def test_receptive_field_matches_autograd(
    kernels: list[int], strides: list[int], dilations: list[int]
) -> None:
    field = receptive_field(kernels, strides, dilations)[-1].field
    assert _autograd_field(kernels, strides, dilations) == field


def test_stacked_3x3_matches_one_large_kernel_in_pytorch() -> None:
    # n stacked 3x3 layers see what one (2n+1)x(2n+1) layer sees, with 9n/k^2 of its weights.
    for channels, large in product((1, 16, 64), (5, 7, 9)):
        depth = (large - 1) // 2
        stack = torch.nn.Sequential(
            *(torch.nn.Conv2d(channels, channels, 3, bias=False) for _ in range(depth))
        )
        single = torch.nn.Conv2d(channels, channels, large, bias=False)
        stacked = depth * conv_params(channels, channels, 3, 1, bias=False)
        assert sum(p.numel() for p in stack.parameters()) == stacked
        assert stacked / conv_params(channels, channels, large, 1, False) == pytest.approx(
            9 * depth / large**2
        )
        assert _autograd_field([3] * depth, [1] * depth, [1] * depth) == large
        x = torch.zeros(1, channels, 20, 20)
        assert stack(x).shape == single(x).shape


CONV_SHAPES = (  # (C_in, C_out, k, groups)
    (64, 128, 3, 1),
    (3, 64, 7, 1),
    (32, 32, 3, 32),
    (64, 256, 1, 4),
    (12, 18, 5, 6),
)


def test_conv_params_hand_checked() -> None:
    # 3*3*64*128 = 73,728 weights + 128 biases; depthwise 3x3 on 32 channels: 3*3*1*32 = 288.
    assert conv_params(64, 128, 3, 1, bias=True) == 73_856
    assert conv_params(32, 32, 3, 32, bias=False) == 288


def test_conv_params_match_pytorch() -> None:
    for (c_in, c_out, kernel, groups), bias in product(CONV_SHAPES, (True, False)):
        layer = torch.nn.Conv2d(c_in, c_out, kernel, groups=groups, bias=bias)
        counted = sum(p.numel() for p in layer.parameters())
        assert counted == conv_params(c_in, c_out, kernel, groups, bias)


def test_conv_cost_hand_checked() -> None:
    # 3*3*64 = 576 MACs per output, 128*56*56 = 401,408 outputs: 231,211,008 MACs; with bias
    # 2*231,211,008 + 401,408 = 462,823,424 FLOPs.
    cost = conv_cost(64, 128, 3, 56, 1, bias=True)
    assert (cost.macs, cost.bias_adds, cost.flops) == (231_211_008, 401_408, 462_823_424)


def test_conv_cost_matches_pytorch_flop_counter() -> None:
    for (c_in, c_out, kernel, groups), size in product(CONV_SHAPES, (7, 14)):
        layer = torch.nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, groups=groups, bias=False)
        with FlopCounterMode(display=False) as counter:
            out = layer(torch.zeros(1, c_in, size, size))
        assert out.shape[-1] == size
        # FlopCounterMode counts 2 FLOPs per multiply-add and ignores bias.
        cost = conv_cost(c_in, c_out, kernel, size, groups, bias=False)
        assert counter.get_total_flops() == cost.flops == 2 * cost.macs


def test_separable_cost_hand_checked() -> None:
    # 9*64*128*56^2 = 231,211,008; depthwise 9*64*3136 = 1,806,336; pointwise
    # 64*128*3136 = 25,690,112; ratio 1/N + 1/D_K^2 = 1/128 + 1/9.
    cost = separable_cost(64, 128, 3, 56)
    assert (cost.standard, cost.depthwise, cost.pointwise) == (231_211_008, 1_806_336, 25_690_112)
    assert cost.separable / cost.standard == pytest.approx(1 / 128 + 1 / 9, rel=1e-12)
    # At one position they are weight counts: 4*3^2*3 = 108 vs 3*9 + 3*4 = 39.
    one = separable_cost(3, 4, 3)
    assert (one.standard, one.separable) == (108, 39)


def test_separable_cost_matches_pytorch() -> None:
    for c_in, c_out, kernel, size in ((64, 128, 3, 14), (32, 64, 5, 9), (3, 16, 3, 8)):
        x = torch.zeros(1, c_in, size, size)
        standard = torch.nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False)
        separable = torch.nn.Sequential(
            torch.nn.Conv2d(c_in, c_in, kernel, padding=kernel // 2, groups=c_in, bias=False),
            torch.nn.Conv2d(c_in, c_out, 1, bias=False),
        )
        counts = []
        for module in (standard, separable):
            with FlopCounterMode(display=False) as counter:
                assert module(x).shape[-1] == size
            counts.append(counter.get_total_flops() // 2)  # 2 FLOPs per multiply-add
        cost = separable_cost(c_in, c_out, kernel, size)
        assert counts == [cost.standard, cost.separable]
        weights = separable_cost(c_in, c_out, kernel)
        assert sum(p.numel() for p in separable.parameters()) == weights.separable


def test_correlate_hand_checked() -> None:
    # y00 = 1*1 + 2*(-1) + 3*2 + 1*0 = 5, y01 = 2 - 0 + 2 + 0 = 4, y10 = 3 - 1 + 0 + 0 = 2,
    # y11 = 1 - 2 + 2 + 0 = 1: no kernel flip (cross-correlation, as in Conv2d).
    x = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 2.0], [0.0, 1.0, 3.0]])
    w = np.array([[1.0, -1.0], [2.0, 0.0]])
    assert correlate(x, w).tolist() == [[5.0, 4.0], [2.0, 1.0]]


def test_conv2d_hand_checked() -> None:
    # A centred 3x3 "plus" kernel, padding 1: the corner sees itself and two neighbours, + bias.
    x = np.arange(9.0).reshape(1, 3, 3)
    plus = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])[None, None]
    out = conv2d(x, plus, np.array([0.5]), padding=1)
    assert out.shape == (1, 3, 3)
    assert out[0, 0, 0] == 0 + 1 + 3 + 0.5 and out[0, 1, 1] == 1 + 3 + 4 + 5 + 7 + 0.5


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_matches_pytorch(padding: int) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 6, 5))
    weight = rng.normal(size=(4, 3, 3, 2))
    bias = rng.normal(size=4)
    expected = torch.nn.functional.conv2d(
        torch.tensor(x)[None], torch.tensor(weight), torch.tensor(bias), padding=padding
    )[0]
    assert np.allclose(conv2d(x, weight, bias, padding), expected.numpy())
