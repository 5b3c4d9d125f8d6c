"""worked_examples/backprop.py: backprop-two-layer, gradient-check, checkpoint-memory and
adam-memory, hand-checked, and the same numbers from torch autograd, gradcheck, checkpointing
and optimizer state; and the gradient accumulation loop on card train-grad-accum."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import card_code, numbers, result, row, step, table

from dlmath.gradient_check import numeric_derivative, relative_error
from worked_examples.backprop import (
    EXAMPLE_LR,
    EXAMPLE_NET,
    FP32_ADAM,
    MIXED_PRECISION_ADAM,
    Loss,
    TwoLayerNet,
    backprop_two_layer,
    bytes_per_parameter,
    checkpoint_peak,
    loss_of_first_weight,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("backprop-two-layer", {"w1": [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]}, "w1"),
        ("backprop-two-layer", {"b1": [0.1]}, "b1"),
        ("backprop-two-layer", {"y": 2.0}, "y"),
        ("gradient-check", {"steps_h": [0.0]}, "steps_h"),
        ("checkpoint-memory", {"segments": [101]}, "segments"),
        ("adam-memory", {"params": 10.0}, "params"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- backprop-two-layer --------------------------------------------------------------------


def test_backprop_hand_checked(recipes: DeckRecipes) -> None:
    # z1 = (0.5*1 - 0.4*0.5 + 0.1, 0.3*1 + 0.8*0.5 - 0.2) = (0.4, 0.5)
    # a1 = (sigma(0.4), sigma(0.5)) = (0.59869, 0.62246)
    # z2 = 0.6*0.59869 - 0.5*0.62246 + 0.2 = 0.24798, a2 = sigma(0.24798) = 0.56168
    # L = (0.56168 - 1)^2 / 2 = 0.09606
    # delta2 = (a2 - y) a2 (1 - a2) = -0.43832 * 0.56168 * 0.43832 = -0.10791
    # dL/dw2 = delta2 a1 = (-0.06461, -0.06717); new b2 = 0.2 + 0.5*0.10791 = 0.25396
    # delta1 = w2 delta2 a1 (1 - a1) = (0.6*-0.10791*0.59869*0.40131, ...) = (-0.015556, 0.012679)
    r = backprop_two_layer(EXAMPLE_LR, **EXAMPLE_NET)
    assert r.z1 == pytest.approx([0.4, 0.5])
    assert r.a1 == pytest.approx([0.59869, 0.62246], abs=1e-5)
    assert r.z2 == pytest.approx(0.24798, abs=1e-5)
    assert r.a2 == pytest.approx(0.56168, abs=1e-5)
    assert r.loss == pytest.approx(0.09606, abs=1e-5)
    assert r.delta2 == pytest.approx(-0.10791, abs=1e-5)
    assert r.grad_w2 == pytest.approx([-0.06461, -0.06717], abs=1e-5)
    assert r.delta1 == pytest.approx([-0.015556, 0.012679], abs=1e-6)
    assert r.new_b2 == pytest.approx(0.25396, abs=1e-5)
    assert r.loss_after < r.loss
    example = recipes.example("backprop-two-layer")
    assert numbers(step(example, "(hidden pre-activation)").result) == [0.4, 0.5]
    assert result(example, "(squared error)") == 0.09606
    assert result(example, "(output delta)") == -0.1079
    assert numbers(step(example, "(output gradients)").result) == [-0.06461, -0.06717]
    assert numbers(step(example, "(hidden bias gradients)").result) == [-0.01556, 0.01268]
    assert row(table(example, "$\\theta'$"), "$b^{(2)}$") == [0.2, -0.1079, 0.254]
    assert numbers(step(example, "(loss after the step)").result) == [0.0858, 0.09606]


def test_backprop_bce_delta_is_output_minus_target() -> None:
    # With cross-entropy the sigmoid's derivative cancels: delta2 = a2 - y = 0.56168 - 0.
    net = EXAMPLE_NET.copy()
    net["y"] = 0.0
    r = backprop_two_layer(EXAMPLE_LR, "bce", **net)
    assert r.delta2 == pytest.approx(0.56168, abs=1e-5)
    assert r.loss == pytest.approx(-math.log(1 - 0.56168), abs=1e-5)


@pytest.mark.parametrize(
    ("inputs", "hidden", "loss"),
    [(2, 2, "mse"), (2, 2, "bce"), (3, 2, "mse"), (1, 3, "bce"), (4, 4, "mse")],
)
def test_backprop_matches_torch_autograd(inputs: int, hidden: int, loss: Loss) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check backprop")
    rng = np.random.default_rng(7 + 10 * inputs + hidden)
    net: TwoLayerNet = {
        "x": rng.normal(size=inputs).tolist(),
        "y": float(rng.uniform()),
        "w1": rng.normal(size=(hidden, inputs)).tolist(),
        "b1": rng.normal(size=hidden).tolist(),
        "w2": rng.normal(size=hidden).tolist(),
        "b2": float(rng.normal()),
    }
    lr = 0.3
    r = backprop_two_layer(lr, loss, **net)
    params = [
        torch.tensor(value, dtype=torch.float64, requires_grad=True)
        for value in (net["w1"], net["b1"], net["w2"], net["b2"])
    ]
    w1, b1, w2, b2 = params
    x = torch.tensor(net["x"], dtype=torch.float64)
    y = torch.tensor(net["y"], dtype=torch.float64)
    functional = torch.nn.functional

    def forward(w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        z1 = w1 @ x + b1
        a1 = torch.sigmoid(z1)
        a2 = torch.sigmoid(w2 @ a1 + b2)
        if loss == "mse":
            return z1, a1, a2, 0.5 * functional.mse_loss(a2, y)
        return z1, a1, a2, functional.binary_cross_entropy(a2, y)

    z1, a1, a2, value = forward(*params)
    value.backward()
    assert z1.detach().numpy() == pytest.approx(r.z1)
    assert a1.detach().numpy() == pytest.approx(r.a1)
    assert a2.item() == pytest.approx(r.a2)
    assert value.item() == pytest.approx(r.loss)
    assert w1.grad.numpy() == pytest.approx(r.grad_w1)
    assert b1.grad.numpy() == pytest.approx(r.grad_b1)
    assert w2.grad.numpy() == pytest.approx(r.grad_w2)
    assert b2.grad.item() == pytest.approx(r.grad_b2)
    torch.optim.SGD(params, lr=lr).step()
    assert w1.detach().numpy() == pytest.approx(r.new_w1)
    assert b1.detach().numpy() == pytest.approx(r.new_b1)
    assert w2.detach().numpy() == pytest.approx(r.new_w2)
    assert b2.item() == pytest.approx(r.new_b2)
    with torch.no_grad():
        assert forward(*params)[3].item() == pytest.approx(r.loss_after)


# --- gradient-check ------------------------------------------------------------------------


def test_gradient_check_hand_checked(recipes: DeckRecipes) -> None:
    # The analytic dL/dW1_11 of the two-layer example is delta1_1 * x_1 = -0.015556 * 1.
    # Forward differences lose one digit per decade of h (error O(h)), central ones two (O(h^2)).
    f = loss_of_first_weight(**EXAMPLE_NET)
    analytic = backprop_two_layer(EXAMPLE_LR, **EXAMPLE_NET).grad_w1[0, 0]
    assert analytic == pytest.approx(-0.015556, abs=1e-6)
    errors = {
        central: [
            relative_error(analytic, numeric_derivative(f, 0.5, h, central))
            for h in (1e-1, 1e-2, 1e-3)
        ]
        for central in (False, True)
    }
    assert errors[False][0] / errors[False][1] == pytest.approx(10, rel=0.1)
    assert errors[True][0] / errors[True][1] == pytest.approx(100, rel=0.1)
    assert relative_error(analytic, numeric_derivative(f, 0.5, 1e-5, True)) < 1e-7
    example = recipes.example("gradient-check")
    assert result(example, "(analytic)") == -0.0155563
    assert row(table(example), 0.01) == [0.0015, 6.5e-6]


def test_gradient_check_agrees_with_torch_gradcheck() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check gradcheck")
    x = torch.tensor(EXAMPLE_NET["x"], dtype=torch.float64)
    b1, w2, b2 = (torch.tensor(EXAMPLE_NET[k], dtype=torch.float64) for k in ("b1", "w2", "b2"))

    def loss(w1: Any) -> Any:
        a1 = torch.sigmoid(w1 @ x + b1)
        return 0.5 * (torch.sigmoid(w2 @ a1 + b2) - EXAMPLE_NET["y"]) ** 2

    w1 = torch.tensor(EXAMPLE_NET["w1"], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(loss, (w1,))
    loss(w1).backward()
    assert w1.grad[0, 0].item() == pytest.approx(
        backprop_two_layer(EXAMPLE_LR, **EXAMPLE_NET).grad_w1[0, 0], rel=1e-12
    )

    class WrongSigmoid(torch.autograd.Function):  # type: ignore[misc,name-defined]
        """A sigmoid whose backward forgets the factor (1 - s): the bug a check must catch."""

        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            s = torch.sigmoid(z)
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (s,) = ctx.saved_tensors
            return grad * s

    z = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    assert not torch.autograd.gradcheck(WrongSigmoid.apply, (z,), raise_exception=False)
    # Our measure flags the same bug far above the 1e-2 "probably wrong" line.
    s = 1 / (1 + math.exp(-0.3))
    wrong, numeric = s, numeric_derivative(lambda v: 1 / (1 + math.exp(-v)), 0.3, 1e-5, True)
    assert relative_error(wrong, numeric) > 1e-2
    # The card's two-line example runs and passes.
    xs = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(torch.sigmoid, (xs,))


# --- checkpoint-memory ---------------------------------------------------------------------


def test_checkpoint_memory_hand_checked(recipes: DeckRecipes) -> None:
    # n = 100: a checkpoint every 10 layers keeps 10 checkpoints + 10 recomputed = 20 (vs 100);
    # every 2 layers: 50 + 2 = 52; every 50: 2 + 50 = 52. sqrt(n) is the best length.
    assert checkpoint_peak(100, 10) == 20
    assert checkpoint_peak(100, 2) == checkpoint_peak(100, 50) == 52
    assert min(range(1, 101), key=lambda s: checkpoint_peak(100, s)) == 10
    assert checkpoint_peak(10, 3) == 4 + 3
    example = recipes.example("checkpoint-memory")
    assert numbers(step(example, "(best segment length)").result) == [10, 20]
    assert row(table(example), 5) == [25]


def test_checkpoint_sequential_costs_about_one_more_forward() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check checkpointing")
    from torch.utils.checkpoint import checkpoint_sequential

    layers, segment = 100, 10
    calls = [0]
    torch.manual_seed(0)
    blocks = [torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()) for _ in range(layers)]
    for block in blocks:
        block.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    model = torch.nn.Sequential(*blocks).double()
    x = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    model(x).sum().backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    calls[0] = 0
    out = checkpoint_sequential(  # type: ignore[no-untyped-call]
        model, layers // segment, x, use_reentrant=False
    )
    out.sum().backward()
    # Same gradients; the backward pass recomputes at most the layers outside the last segment
    # (torch stops a segment's recomputation early once it has every tensor it needs): the
    # extra cost is at most one more forward pass.
    for p, g in zip(model.parameters(), plain, strict=True):
        assert torch.allclose(p.grad, g)
    assert layers < calls[0] <= 2 * layers - segment


# --- adam-memory ---------------------------------------------------------------------------


def test_adam_memory_hand_checked(recipes: DeckRecipes) -> None:
    # 2 + 2 + 4 + 4 + 4 = 16 bytes; fp32 Adam 4 + 4 + 4 + 4 = 16 too.
    # ZeRO section 3.1: GPT-2 with 1.5B parameters needs at least 16 * 1.5e9 = 24 GB.
    assert bytes_per_parameter(MIXED_PRECISION_ADAM) == 16
    assert bytes_per_parameter(FP32_ADAM) == 16
    assert bytes_per_parameter(MIXED_PRECISION_ADAM) * 1.5e9 == 24e9
    example = recipes.example("adam-memory")
    states = step(example, "(model states)")
    assert numbers(states.substituted) == [16, 1e9] and numbers(states.result) == [16]  # GB
    assert result(example, "纯 FP32") == 16
    assert result(example, "(inference)") == 2


def test_adam_memory_matches_torch_tensor_sizes() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to measure optimizer state")
    model = torch.nn.Linear(100, 10)
    n = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters())
    model(torch.randn(4, 100)).sum().backward()
    optimizer.step()
    state = sum(
        t.numel() * t.element_size()
        for s in optimizer.state.values()
        for t in s.values()
        if t.dim() > 0
    )
    master = sum(p.numel() * p.element_size() for p in model.parameters())
    half = model.half()
    half(torch.randn(4, 100).half()).float().sum().backward()
    weights16 = sum(p.numel() * p.element_size() for p in half.parameters())
    grads16 = sum(p.grad.numel() * p.grad.element_size() for p in half.parameters())
    sizes = dict(MIXED_PRECISION_ADAM)
    assert weights16 == n * sizes["FP16 权重 (weights)"]
    assert grads16 == n * sizes["FP16 梯度 (gradients)"]
    assert master == n * sizes["FP32 主权重 (master weights)"]
    assert state == n * (sizes["FP32 一阶矩 $m$ (Adam)"] + sizes["FP32 二阶矩 $v$ (Adam)"])


# --- gradient accumulation (the loop on card train-grad-accum: no recipe) ---------------------


def run_accumulation(torch: Any, model: Any, xs: Any, ys: Any, k: int) -> list[Any]:
    """The card's loop over k micro-batches, with SGD; returns the parameters afterwards."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = list(zip(xs.chunk(k), ys.chunk(k), strict=True))
    namespace = {
        "model": model,
        "optimizer": optimizer,
        "data": loader,
        "criterion": torch.nn.functional.mse_loss,
        "k": k,
    }
    # The card is our own file; running its code is the point of this test.
    exec(card_code("training.md", "train-grad-accum"), namespace)
    return [p.detach().clone() for p in model.parameters()]


def one_big_batch(torch: Any, model: Any, xs: Any, ys: Any) -> list[Any]:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(xs), ys).backward()
    optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


def test_gradient_accumulation_card_equals_one_big_batch_without_bn() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's loop")
    torch.manual_seed(0)
    xs, ys = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
    for k in (2, 4, 8):
        net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
        net = net.double()
        accumulated = run_accumulation(torch, copy.deepcopy(net), xs, ys, k)
        big = one_big_batch(torch, copy.deepcopy(net), xs, ys)
        for a, b in zip(accumulated, big, strict=True):
            assert torch.allclose(a, b, rtol=1e-12, atol=1e-14)


def test_gradient_accumulation_differs_from_big_batch_with_batch_norm() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's loop")
    torch.manual_seed(0)
    xs, ys = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, 1, dtype=torch.float64)
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.BatchNorm1d(5), torch.nn.Tanh(), torch.nn.Linear(5, 1)
    ).double()
    accumulated = run_accumulation(torch, copy.deepcopy(net), xs, ys, 4)
    big = one_big_batch(torch, copy.deepcopy(net), xs, ys)
    # BN normalises each micro-batch of 2 with its own mean and variance: a different update.
    assert not torch.allclose(accumulated[0], big[0], rtol=1e-6, atol=1e-8)
