"""worked_examples/conv_backward.py: conv-backward, im2col and winograd-count, hand-checked
numbers the cards show, and the recipe's own gradients, im2col shapes and Winograd tiles
against PyTorch's autograd, unfold and conv2d (the strided input gradient as a zero-inserted
full convolution is checked in tests/dlmath/test_resampling_math.py)."""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import numbers, result, step

from dlmath.convolution import correlate
from worked_examples.conv_backward import (
    DEFAULT_GRAD,
    DEFAULT_INPUT,
    DEFAULT_KERNEL,
    conv_gradients,
    im2col_shape,
    winograd_f2x2_3x3,
    winograd_multiplications,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("conv-backward", {"grad": [[1.0]]}, "grad"),
        ("conv-backward", {"w": [[1.0, 2.0], [3.0]]}, "w"),
        ("im2col", {"kernel": 9, "size": 4, "padding": 0}, "kernel"),
        ("winograd-count", {"m": 0}, "m"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- conv-backward -------------------------------------------------------------------------


def test_conv_backward_hand_checked(recipes: DeckRecipes) -> None:
    grads = conv_gradients(
        np.array(DEFAULT_INPUT), np.array(DEFAULT_KERNEL), np.array(DEFAULT_GRAD)
    )
    assert grads.grad_input.tolist() == [[1, 1, -2], [1, 6, -1], [-2, 2, 0]]
    assert grads.grad_weight.tolist() == [[3, 3], [6, 7]]
    assert grads.grad_bias == 3
    example = recipes.example("conv-backward")
    # Y = X * W: y00 = 1*1 + 2*(-1) + 3*2 + 1*0 = 5.
    assert numbers(step(example, "(forward").result) == [5, 4, 2, 1]
    # rot180 of [[1, -1], [2, 0]] is [[0, 2], [-1, 1]].
    assert numbers(step(example, "(rotate the kernel)").result) == [0, 2, -1, 1]
    input_gradient = step(example, "(input gradient")
    assert numbers(input_gradient.result) == grads.grad_input.flatten().tolist()
    # dL/dx11 = g00 w11 + g01 w10 + g10 w01 + g11 w00 = 1*0 + 2*2 - 1*(-1) + 1*1 = 6.
    check = step(example, "(check one entry)")
    assert numbers(check.substituted) == [1, 0, 2, 2, 1, -1, 1, 1]
    assert numbers(check.result) == [6]
    # dL/dw00 = 1*1 + 2*2 + (-1)*3 + 1*1 = 3; dL/db = 1 + 2 - 1 + 1 = 3.
    weight = recipes.example("conv-backward", part="weight")
    assert numbers(step(weight, "(weight gradient)").result) == [3, 3, 6, 7]
    check = step(weight, "(check one entry)")
    assert numbers(check.substituted) == [1, 1, 2, 2, 1, 3, 1, 1]
    assert numbers(check.result) == [3]
    assert result(weight, "(bias gradient)") == 3


def test_conv_backward_matches_autograd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check gradients")
    rng = np.random.default_rng(0)
    for size, kernel in product((3, 4, 5), (1, 2, 3)):
        if kernel > size:
            continue
        x_np = rng.integers(-3, 4, (size, size)).astype(float)
        w_np = rng.integers(-3, 4, (kernel, kernel)).astype(float)
        g_np = rng.integers(-3, 4, (size - kernel + 1,) * 2).astype(float)
        x = torch.tensor(x_np[None, None], requires_grad=True)
        w = torch.tensor(w_np[None, None], requires_grad=True)
        b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        y = torch.nn.functional.conv2d(x, w, b)
        (y * torch.tensor(g_np[None, None])).sum().backward()
        grads = conv_gradients(x_np, w_np, g_np)
        assert np.allclose(grads.output, y.detach()[0, 0].numpy())
        assert np.allclose(grads.grad_input, x.grad[0, 0].numpy())
        assert np.allclose(grads.grad_weight, w.grad[0, 0].numpy())
        assert grads.grad_bias == pytest.approx(float(b.grad[0]))
        # The input gradient is the transposed convolution of G with the same kernel.
        transposed = torch.nn.functional.conv_transpose2d(
            torch.tensor(g_np[None, None]), torch.tensor(w_np[None, None])
        )
        assert np.allclose(transposed[0, 0].numpy(), grads.grad_input)


# --- im2col --------------------------------------------------------------------------------


def test_im2col_hand_checked(recipes: DeckRecipes) -> None:
    # 64 * 3^2 = 576 rows, 56^2 = 3136 columns, 1,806,336 elements = 9x the 200,704 inputs;
    # 4 bytes each: 7,225,344 B = 6.89 MiB.
    example = recipes.example("im2col")
    assert result(example, "(rows)") == 576
    assert result(example, "(columns)") == 3136
    assert numbers(step(example, "(GEMM)").result) == [128, 3136]
    assert numbers(step(example, "(unfolded, fp32)").result) == [7_225_344, 6.89]
    blow_up = step(example, "(blow-up)")
    assert numbers(blow_up.substituted) == [1_806_336, 200_704]
    assert numbers(blow_up.result) == [9]


def test_im2col_matches_unfold_and_conv2d() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check im2col")
    for channels, size, kernel, stride, padding in product((1, 3), (5, 8), (1, 3), (1, 2), (0, 1)):
        x = torch.randn(1, channels, size, size, dtype=torch.float64)
        cols = torch.nn.functional.unfold(x, kernel, padding=padding, stride=stride)
        shape = im2col_shape(channels, size, kernel, stride, padding)
        assert tuple(cols.shape) == (1, shape.rows, shape.columns)
        assert cols.numel() == shape.unfolded
        weight = torch.randn(4, channels, kernel, kernel, dtype=torch.float64)
        gemm = (weight.view(4, -1) @ cols[0]).view(4, shape.out_size, shape.out_size)
        direct = torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding)[0]
        assert torch.allclose(gemm, direct)


# --- winograd-count ------------------------------------------------------------------------


def test_winograd_hand_checked(recipes: DeckRecipes) -> None:
    # Direct: 2^2 * 3^2 = 36 multiplications; Winograd: (2+3-1)^2 = 16; 36/16 = 2.25.
    example = recipes.example("winograd-count")
    assert result(example, "(direct)") == 36
    assert result(example, "Winograd 的乘法") == 16
    assert result(example, "(reduction)") == 2.25
    assert winograd_multiplications(4, 3) == (144, 36)


def test_winograd_matches_conv2d() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check Winograd")
    rng = np.random.default_rng(2)
    for _ in range(20):
        tile, kernel = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
        out, multiplications = winograd_f2x2_3x3(tile, kernel)
        direct = torch.nn.functional.conv2d(
            torch.tensor(tile[None, None]), torch.tensor(kernel[None, None])
        )[0, 0].numpy()
        assert np.allclose(out, direct)
        assert np.allclose(out, correlate(tile, kernel))
        assert multiplications == winograd_multiplications(2, 3)[1]
