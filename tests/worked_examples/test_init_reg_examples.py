"""Initialisation and regularisation examples (norm's recipes): hand-checked, and cross-checked
against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import REPO
from conftest import refused_parameter as refused
from conftest import render_example as example

from ankigen.recipes import load_recipe_folders
from dlmath.losses import soft_cross_entropy
from worked_examples.initialization import relu_second_moments
from worked_examples.regularization import (
    cutmix_box,
    mixup,
    survival_probabilities,
)

load_recipe_folders([REPO / "worked_examples"])


# --- he-vs-xavier-relu -------------------------------------------------------------------------


def test_he_vs_xavier_relu_hand_checked() -> None:
    # Square layers: Xavier Var(w) = 2/(2n) = 1/n, gain n (1/n) / 2 = 1/2 a layer; He gain 1.
    assert relu_second_moments(256, 1 / 256, 10)[-1] == pytest.approx(2.0**-10)
    assert relu_second_moments(256, 2 / 256, 10) == pytest.approx([1.0] * 10)
    html = example("he-vs-xavier-relu")
    assert "\\(= 0.5\\)" in html and "\\(= 0.0009766\\)" in html and "\\(0.03125\\)" in html
    assert refused("he-vs-xavier-relu", layers=0) == "layers"


def test_he_vs_xavier_relu_matches_a_pytorch_network() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to simulate the ReLU network")
    width, layers, seeds = 512, 10, 6
    for init, gain in ((torch.nn.init.xavier_normal_, 0.5), (torch.nn.init.kaiming_normal_, 1.0)):
        measured = []
        for seed in range(seeds):  # one network drifts (ReLU outputs share a mean direction)
            torch.manual_seed(seed)
            a = torch.randn(1024, width, dtype=torch.float64)
            for _ in range(layers):
                w = torch.empty(width, width, dtype=torch.float64)
                init(w)
                a = torch.relu(a @ w.T)
            measured.append(float((a**2).mean()))
        assert float(np.mean(measured)) == pytest.approx(gain**layers, rel=0.3)


# --- torch-default-init ------------------------------------------------------------------------


def test_torch_default_init_hand_checked() -> None:
    # gain sqrt(2/6) = 0.5774; bound 0.5774 sqrt(3/256) = 1/16 = 0.0625; std 0.0625/sqrt3 = 0.03608.
    html = example("torch-default-init")
    for shown in ("\\(= 0.5774\\)", "\\(= 0.0625\\)", "\\(= 0.03608\\)", "\\(= 0.08839\\)"):
        assert shown in html
    assert refused("torch-default-init", fan_in=0) == "fan_in"


def test_torch_default_init_bound_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check its default init")
    torch.manual_seed(0)
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    assert gain * math.sqrt(3 / 256) == pytest.approx(1 / 16)
    for layer, fan_in in ((torch.nn.Linear(256, 512), 256), (torch.nn.Conv2d(16, 8, 3), 144)):
        bound = 1 / math.sqrt(fan_in)
        weight, bias = layer.weight.detach(), layer.bias.detach()
        assert float(bias.abs().max()) <= bound
        assert 0.97 * bound < float(weight.abs().max()) <= bound  # it fills the interval
        assert float(weight.std()) == pytest.approx(bound / math.sqrt(3), rel=0.05)


# --- orthogonal initialisation (card init-orthogonal) --------------------------------------------


def test_orthogonal_init_keeps_lengths() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check orthogonal_")
    torch.manual_seed(0)
    w = torch.nn.init.orthogonal_(torch.empty(64, 64, dtype=torch.float64))
    np.testing.assert_allclose((w.T @ w).numpy(), np.eye(64), atol=1e-12)
    x = torch.randn(64, dtype=torch.float64)
    assert float((w @ x).norm()) == pytest.approx(float(x.norm()))


# --- weight-penalty without the Adam table -------------------------------------------------------


def test_weight_penalty_can_leave_out_adam() -> None:
    assert "AdamW" in example("weight-penalty")
    assert "AdamW" not in example("weight-penalty", adam=False)


# --- mixup -------------------------------------------------------------------------------------


def test_mixup_hand_checked() -> None:
    # 0.7 (0.2, 0.8) + 0.3 (0.6, 0.4) = (0.32, 0.68); target (0.7, 0.3, 0).
    # log softmax(2, 0.5, -1): logsumexp = 2 + log(1 + e^-1.5 + e^-3) = 2.2413,
    # CE_0 = 0.2413, CE_1 = 1.7413; 0.7 * 0.2413 + 0.3 * 1.7413 = 0.6913.
    x, y = mixup(np.array([0.2, 0.8]), np.array([0.6, 0.4]), np.eye(3)[0], np.eye(3)[1], 0.7)
    np.testing.assert_allclose(x, [0.32, 0.68])
    np.testing.assert_allclose(y, [0.7, 0.3, 0.0])
    lse = 2 + math.log(1 + math.exp(-1.5) + math.exp(-3))
    assert soft_cross_entropy(np.array([2.0, 0.5, -1.0]), y) == pytest.approx(lse - 2 + 0.3 * 1.5)
    html = example("mixup")
    assert "(0.32,\\ 0.68)" in html and "\\(= 0.6913\\)" in html and "1.741" in html
    assert refused("mixup", lam=1.5) == "lam"
    assert refused("mixup", class_j=3) == "class_j"


def test_mixup_loss_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the mixup loss")
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.3, -0.2, 1.1]], dtype=torch.float64)
    a, b, lam = torch.tensor([0, 2]), torch.tensor([1, 1]), 0.7
    f = torch.nn.functional
    hot = [f.one_hot(t, 3).to(torch.float64) for t in (a, b)]
    soft = f.cross_entropy(logits, lam * hot[0] + (1 - lam) * hot[1])
    split = lam * f.cross_entropy(logits, a) + (1 - lam) * f.cross_entropy(logits, b)
    assert float(soft) == pytest.approx(float(split), rel=1e-12)
    target = np.eye(3)[0] * lam + np.eye(3)[1] * (1 - lam)
    assert soft_cross_entropy(logits[0].numpy(), target) == pytest.approx(
        float(f.cross_entropy(logits[:1], torch.from_numpy(target)[None])), rel=1e-12
    )


def test_mixup_loss_card_code_runs() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    text = (REPO / "content/regularization.md").read_text(encoding="utf-8")
    card = text[text.index("{#reg-mixup-loss}") :]
    start = card.index("```python\n") + len("```python\n")
    code = card[start : card.index("\n```", start)]
    f = torch.nn.functional
    out = torch.tensor([[2.0, 0.5, -1.0], [0.3, -0.2, 1.1]], dtype=torch.float64)
    y_a, y_b, lam = torch.tensor([0, 2]), torch.tensor([1, 1]), 0.7
    namespace = {"F": f, "out": out, "y_a": y_a, "y_b": y_b, "lam": lam}
    exec(code, namespace)
    hot_a, hot_b = (f.one_hot(y, 3).to(torch.float64) for y in (y_a, y_b))
    expected = f.cross_entropy(out, lam * hot_a + (1 - lam) * hot_b)  # the soft target
    assert float(namespace["loss"]) == pytest.approx(float(expected), rel=1e-12)


# --- cutmix-box --------------------------------------------------------------------------------


def test_cutmix_box_hand_checked() -> None:
    # sqrt(1 - 0.75) = 0.5: a 16 x 16 box around (28, 10): x 20..36 -> 20..32, y 2..18;
    # area 12 * 16 = 192, lambda' = 1 - 192/1024 = 0.8125.
    assert cutmix_box(32, 32, 0.75, 28, 10) == (20, 2, 32, 18, 0.8125)
    assert cutmix_box(32, 32, 0.75, 16, 16)[4] == pytest.approx(0.75)  # unclipped: exactly lambda
    html = example("cutmix-box")
    assert "\\(= 192\\)" in html and "\\(= 0.8125\\)" in html and "0.1875" in html
    assert refused("cutmix-box", cx=32) == "cx"


def test_cutmix_label_weight_is_the_pasted_pixel_share() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to paste the box")
    a, b = torch.zeros(3, 32, 32), torch.ones(3, 32, 32)
    for lam, cx, cy in ((0.75, 28, 10), (0.3, 0, 31), (0.9, 15, 15)):
        x1, y1, x2, y2, lam_adj = cutmix_box(32, 32, lam, cx, cy)
        mixed = a.clone()
        mixed[:, y1:y2, x1:x2] = b[:, y1:y2, x1:x2]
        assert float(mixed.mean()) == pytest.approx(1 - lam_adj)


# --- stochastic-depth --------------------------------------------------------------------------


def test_stochastic_depth_hand_checked() -> None:
    # p_l = 1 - l/54 * 0.5: p_1 = 0.9907, p_27 = 0.75, p_54 = 0.5;
    # sum = 54 - 0.5 * 55/2 = 40.25 = (3L - 1)/4.
    p = survival_probabilities(54, 0.5)
    assert (p[26], p[53]) == (0.75, 0.5)
    assert float(p.sum()) == pytest.approx((3 * 54 - 1) / 4)
    html = example("stochastic-depth")
    assert "\\(0.9907\\)" in html and "\\(= 40.25\\)" in html and "\\(= 0.7454\\)" in html
    assert refused("stochastic-depth", p_last=0.0) == "p_last"


def test_stochastic_depth_expected_depth_by_sampling() -> None:
    p = survival_probabilities(54, 0.5)
    kept = np.random.default_rng(0).random((20_000, 54)) < p
    assert float(kept.sum(axis=1).mean()) == pytest.approx(40.25, abs=0.05)
