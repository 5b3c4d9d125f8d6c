"""Backward pass, im2col and Winograd recipes: hand-checked numbers the cards show, and
cross-checks against PyTorch's autograd, unfold and conv2d."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from dlmath.convolution import correlate
from dlmath.resampling import zero_insert
from worked_examples.conv_backward import (
    DEFAULT_GRAD,
    DEFAULT_INPUT,
    DEFAULT_KERNEL,
    conv_gradients,
    im2col_shape,
    winograd_f2x2_3x3,
    winograd_multiplications,
)

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def test_conv_backward_hand_checked() -> None:
    # Y = X * W: y00 = 1*1 + 2*(-1) + 3*2 + 1*0 = 5.
    html = render("conv-backward")
    assert "\\(= \\begin{pmatrix} 5 &amp; 4 \\\\ 2 &amp; 1 \\end{pmatrix}\\)" in html
    # rot180 of [[1, -1], [2, 0]] is [[0, 2], [-1, 1]].
    assert "\\begin{pmatrix} 0 &amp; 2 \\\\ -1 &amp; 1 \\end{pmatrix}" in html
    # dL/dx11 = g00 w11 + g01 w10 + g10 w01 + g11 w00 = 0 + 4 + 1 + 1 = 6.
    assert "1\\times0 \\\\ {}+ 2\\times2 \\\\ {}- 1\\times(-1) \\\\ {}+ 1\\times1" in html
    assert "\\(= 6\\)" in html
    grads = conv_gradients(
        np.array(DEFAULT_INPUT), np.array(DEFAULT_KERNEL), np.array(DEFAULT_GRAD)
    )
    assert grads.grad_input.tolist() == [[1, 1, -2], [1, 6, -1], [-2, 2, 0]]
    # dL/dw00 = 1*1 + 2*2 + (-1)*3 + 1*1 = 3; dL/db = 1 + 2 - 1 + 1 = 3.
    html = render("conv-backward", part="weight")
    assert "1\\times1 \\\\ {}+ 2\\times2 \\\\ {}- 1\\times3 \\\\ {}+ 1\\times1" in html
    assert grads.grad_weight.tolist() == [[3, 3], [6, 7]]
    assert grads.grad_bias == 3
    assert refused_parameter("conv-backward", grad=[[1.0]]) == "grad"
    assert refused_parameter("conv-backward", w=[[1.0, 2.0], [3.0]]) == "w"


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


def test_strided_input_gradient_is_zero_inserted_full_convolution() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check gradients")
    rng = np.random.default_rng(1)
    for size, kernel, stride in ((5, 3, 2), (7, 3, 2), (8, 2, 3), (9, 3, 3)):
        assert (size - kernel) % stride == 0
        out = (size - kernel) // stride + 1
        x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
        w_np = rng.normal(size=(kernel, kernel))
        g_np = rng.normal(size=(out, out))
        y = torch.nn.functional.conv2d(x, torch.tensor(w_np[None, None]), stride=stride)
        (y * torch.tensor(g_np[None, None])).sum().backward()
        # s-1 zeros between the gradients, k-1 zeros around, then rot180(W): the card's rule.
        spread = zero_insert(g_np, stride, kernel)
        assert np.allclose(correlate(spread, np.rot90(w_np, 2)), x.grad[0, 0].numpy())


def test_im2col_hand_checked() -> None:
    # 64 * 3^2 = 576 rows, 56^2 = 3136 columns, 1,806,336 elements = 9x the 200,704 inputs;
    # 4 bytes each: 7,225,344 B = 6.89 MiB.
    html = render("im2col")
    for text in ("576", "3136", "7\\,225\\,344\\ \\text{B} \\approx 6.89\\ \\text{MiB}"):
        assert f"\\(= {text}" in html
    assert "\\(= \\frac{1\\,806\\,336}{200\\,704}\\)" in html and "\\(= 9\\)" in html
    assert "\\(= (128,\\ 3136)\\)" in html
    assert refused_parameter("im2col", kernel=9, size=4, padding=0) == "kernel"


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


def test_winograd_hand_checked() -> None:
    # Direct: 2^2 * 3^2 = 36 multiplications; Winograd: (2+3-1)^2 = 16; 36/16 = 2.25.
    html = render("winograd-count")
    assert "\\(= 36\\)" in html and "\\(= 16\\)" in html and "\\(= 2.25\\)" in html
    assert winograd_multiplications(4, 3) == (144, 36)
    assert refused_parameter("winograd-count", m=0) == "m"


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
