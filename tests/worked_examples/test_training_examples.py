"""Weight penalties, inverted dropout and initialisation scales: hand-checked numbers, and the
same behaviour from torch.optim (weight_decay, AdamW), nn.Dropout and nn.init."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from conftest import REPO
from conftest import refused_parameter as refused
from conftest import render_example as render

from ankigen.recipes import load_recipe_folders
from dlmath.initialization import init_scales
from worked_examples.regularization import (
    ADAM_BETAS,
    ADAM_EPS,
    adam_first_steps,
    dropout_mask,
    empirical_mean,
    inverted_dropout,
    penalties,
    sgd_updates,
)

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


# --- weight-penalty -----------------------------------------------------------------------


def test_weight_penalty_hand_checked() -> None:
    # w = (0.5, -1, 2), lambda 0.01: L1 = 0.01 * 3.5 = 0.035, grad (0.01, -0.01, 0.01);
    # L2 = 0.005 * (0.25 + 1 + 4) = 0.02625, grad (0.005, -0.01, 0.02).
    # SGD lr 0.1, g = 0: L2 step and decay both give 0.999 w = (0.4995, -0.999, 1.998);
    # L1 step subtracts 0.1*0.01 = 0.001 * sign(w): (0.499, -0.999, 1.999).
    w = np.array([0.5, -1.0, 2.0])
    l1, l1_grad, l2, l2_grad = penalties(w, 0.01)
    assert l1 == pytest.approx(0.035) and l2 == pytest.approx(0.02625)
    assert l1_grad == pytest.approx([0.01, -0.01, 0.01])
    assert l2_grad == pytest.approx([0.005, -0.01, 0.02])
    sgd_l1, sgd_l2, decay = sgd_updates(w, np.zeros(3), 0.01, 0.1)
    assert sgd_l1 == pytest.approx([0.499, -0.999, 1.999])
    assert sgd_l2 == pytest.approx([0.4995, -0.999, 1.998]) and decay == pytest.approx(sgd_l2)
    html = render("weight-penalty")
    assert "\\(= 0.01 \\times (0.5 + 1 + 2)\\)" in html and "\\(= 0.035\\)" in html
    assert "\\(= 0.02625\\)" in html and "\\(= 0.999\\, w - 0.1\\, g\\)" in html
    # Adam's first step is about lr * sign(g + lambda w) = 0.1 for every weight when g = 0,
    # while AdamW only decays by lr * lambda * w = 0.0005, -0.001, 0.002.
    assert "<td>\\(0.1\\)</td><td>\\(0.0005\\)</td>" in html


def test_weight_penalty_refuses_bad_values() -> None:
    assert refused("weight-penalty", gradients=[0.1]) == "gradients"
    assert refused("weight-penalty", lam=-0.1) == "lam"
    assert refused("weight-penalty", weights=[]) == "weights"


PENALTY_SETS = [
    ([0.5, -1.0, 2.0], [0.0, 0.0, 0.0], 0.01, 0.1),
    ([0.5, -1.0, 2.0, 0.0], [0.3, -0.2, 0.1, 0.4], 0.1, 0.05),
    ([3.0, -0.25], [-1.0, 2.0], 0.5, 1.0),
]


def test_sgd_weight_decay_equals_manual_l2_in_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check weight decay")
    for weights, grads, lam, lr in PENALTY_SETS:
        w = np.array(weights)
        g = torch.tensor(grads, dtype=torch.float64)
        # Autograd of the penalties gives lambda sign(w) (0 at w = 0) and lambda w.
        p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        (lam * p.abs().sum()).backward()
        _, l1_grad, _, l2_grad = penalties(w, lam)
        assert p.grad.numpy() == pytest.approx(l1_grad)
        p.grad = None
        (lam / 2 * (p**2).sum()).backward()
        assert p.grad.numpy() == pytest.approx(l2_grad)
        # SGD(weight_decay=lam) on the data loss g.w == plain SGD on g.w + lam/2 |w|^2.
        decayed = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([decayed], lr=lr, weight_decay=lam)
        (g @ decayed).backward()
        optimizer.step()
        manual = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.SGD([manual], lr=lr)
        (g @ manual + lam / 2 * (manual**2).sum()).backward()
        optimizer.step()
        _, sgd_l2, decay = sgd_updates(w, np.array(grads), lam, lr)
        assert decayed.detach().numpy() == pytest.approx(manual.detach().numpy(), rel=1e-12)
        assert decayed.detach().numpy() == pytest.approx(decay, rel=1e-12)
        assert manual.detach().numpy() == pytest.approx(sgd_l2, rel=1e-12)


def test_adam_l2_and_adamw_first_steps_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check Adam/AdamW")
    for weights, grads, lam, lr in PENALTY_SETS:
        coupled, decoupled = adam_first_steps(np.array(weights), np.array(grads), lam, lr)
        for optimizer_class, expected in (
            (torch.optim.Adam, coupled),
            (torch.optim.AdamW, decoupled),
        ):
            p = torch.tensor(weights, dtype=torch.float64, requires_grad=True)
            optimizer = optimizer_class(
                [p], lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=lam
            )
            (torch.tensor(grads, dtype=torch.float64) @ p).backward()
            optimizer.step()
            change = np.array(weights) - p.detach().numpy()
            assert change == pytest.approx(expected, rel=1e-9, abs=1e-15), optimizer_class


# --- inverted-dropout -----------------------------------------------------------------------


def test_inverted_dropout_hand_checked() -> None:
    # seed 0 draws u = (0.637, 0.270, 0.041, 0.017); a unit is kept when u >= p = 0.5,
    # so the mask is (1, 0, 0, 0) and the training output (1/0.5, 0, 0, 0) = (2, 0, 0, 0).
    # E[y_i] = q * x_i / q + (1 - q) * 0 = x_i: 0.5 * 1/0.5 + 0.5 * 0 = 1.
    x = np.array([1.0, 2.0, 3.0, 4.0])
    mask = dropout_mask(4, 0.5, 0)
    assert mask.tolist() == [True, False, False, False]
    assert inverted_dropout(x, mask, 0.5).tolist() == [2.0, 0.0, 0.0, 0.0]
    html = render("inverted-dropout")
    assert "\\(= (2,\\ 0,\\ 0,\\ 0)\\)" in html
    assert "\\(= 0.5 \\times \\frac{1}{0.5} + 0.5 \\times 0\\)" in html and "\\(= 1\\)" in html
    assert "\\(= 1 - 0.5\\)" in html
    for p, samples in ((0.5, 10_000), (0.2, 4_000), (0.9, 50_000)):
        # One output has standard deviation x sqrt(p / (1 - p)); its mean over N masks is
        # within five standard errors of x.
        mean = empirical_mean(x, p, 3, samples)
        error = x * math.sqrt(p / (1 - p)) / math.sqrt(samples)
        assert np.all(np.abs(mean - x) < 5 * error)
    assert refused("inverted-dropout", p=1.0) == "p"


def test_inverted_dropout_matches_torch_dropout() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check nn.Dropout")
    torch.manual_seed(0)
    for p in (0.1, 0.5, 0.8):
        x = torch.arange(1.0, 200_001.0, dtype=torch.float64)
        layer = torch.nn.Dropout(p)
        out = layer.train()(x)
        kept = out != 0
        scaled = inverted_dropout(x.numpy(), np.ones(x.numel(), dtype=bool), p)
        # Every output is 0 or x / (1 - p), as in the recipe; p is the DROP probability.
        assert out[kept].numpy() == pytest.approx(scaled[kept.numpy()], rel=1e-12)
        assert (1 - kept.double().mean().item()) == pytest.approx(p, abs=0.01)
        assert torch.equal(layer.eval()(x), x)


# --- init-scale -----------------------------------------------------------------------------


def test_init_scale_hand_checked() -> None:
    # fan_in 256, fan_out 512: Xavier std sqrt(2/768) = 0.051031, bound sqrt(6/768) = 0.088388;
    # He std sqrt(2/256) = 0.088388, bound sqrt(6/256) = 0.153093; Linear default 1/16 = 0.0625.
    s = init_scales(256, 512)
    assert s.xavier_std == pytest.approx(0.051031, abs=1e-6)
    assert s.xavier_bound == pytest.approx(0.088388, abs=1e-6)
    assert s.he_std == pytest.approx(0.088388, abs=1e-6)
    assert s.he_bound == pytest.approx(0.153093, abs=1e-6)
    assert s.linear_default_bound == 0.0625
    html = render("init-scale")
    assert "\\(= \\sqrt{\\frac{2}{256 + 512}}\\)" in html and "\\(= 0.05103\\)" in html
    assert "\\(= 0.1531\\)" in html and "\\(= 0.0625\\)" in html
    assert refused("init-scale", fan_in=0) == "fan_in"


def test_init_scale_matches_torch_nn_init() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check nn.init")
    init = torch.nn.init
    generator = torch.Generator().manual_seed(0)
    for fan_in, fan_out in ((256, 512), (1000, 300), (64, 4096), (3000, 100)):
        s = init_scales(fan_in, fan_out)
        weight = torch.empty(fan_out, fan_in, dtype=torch.float64)  # a Linear weight (out, in)
        assert init._calculate_fan_in_and_fan_out(weight) == (fan_in, fan_out)
        relu: dict[str, Any] = {"mode": "fan_in", "nonlinearity": "relu"}
        for fill, options, bound in (
            (init.xavier_uniform_, {}, s.xavier_bound),
            (init.kaiming_uniform_, relu, s.he_bound),
        ):
            fill(weight, generator=generator, **options)
            assert weight.abs().max().item() <= bound
            assert weight.abs().max().item() == pytest.approx(bound, rel=1e-3)
            assert weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.01)
        init.xavier_normal_(weight, generator=generator)
        assert weight.std().item() == pytest.approx(s.xavier_std, rel=0.01)
        init.kaiming_normal_(weight, generator=generator, **relu)
        assert weight.std().item() == pytest.approx(s.he_std, rel=0.01)
        linear = torch.nn.Linear(fan_in, fan_out)
        assert linear.weight.abs().max().item() <= s.linear_default_bound + 1e-7
        assert linear.weight.abs().max().item() == pytest.approx(s.linear_default_bound, rel=1e-3)


# --- gradient accumulation (the code on card train-grad-accum) ------------------------------


def card_code(card_id: str) -> str:
    """The first ```python block of the card whose heading ends with {#card_id}."""
    text = (REPO / "content" / "training.md").read_text(encoding="utf-8")
    card = text.split(f"{{#{card_id}}}", 1)[1].split("\n## ", 1)[0]
    return card.split("```python\n", 1)[1].split("```", 1)[0]


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
    exec(card_code("train-grad-accum"), namespace)
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
