"""The computations behind the saturation, softmax, loss and training figures: checked by
hand and against PyTorch; out-of-range parameters are refused by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import REPO

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from figures.losses import focal_loss, logit_gradients, smooth_l1, smooth_l1_gradient
from figures.saturation import gradient_bound, sigmoid_slope
from figures.softmax import softmax_with_temperature
from figures.training import (
    NETWORK,
    activation_stds,
    dropped_units,
    init_std,
    learning_curve_models,
)

load_recipe_folders([REPO / "figures"])


@pytest.mark.parametrize(
    ("name", "params", "refused"),
    [
        ("sigmoid-saturation", {"layers": 1}, "layers"),
        ("sigmoid-saturation", {"layers": 41}, "layers"),
        ("softmax-temperature", {"logits": [1.0]}, "logits"),
        ("softmax-temperature", {"temperatures": [0.0]}, "temperatures"),
        ("softmax-temperature", {"temperatures": []}, "temperatures"),
        ("regression-losses", {"delta": 0.0}, "delta"),
        ("regression-losses", {"delta": -1.0}, "delta"),
        ("focal-loss", {"gammas": [-1.0]}, "gammas"),
        ("focal-loss", {"gammas": []}, "gammas"),
        ("init-activation-stats", {"layers": 0}, "layers"),
        ("init-activation-stats", {"activation": "sigmoid"}, "activation"),
        ("dropout-network", {"p": 1.0}, "p"),
        ("dropout-network", {"p": -0.1}, "p"),
        ("dropout-network", {"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    name: str, params: dict[str, Any], refused: str
) -> None:
    recipe = REGISTRY.get("figure", name)
    assert recipe is not None
    with pytest.raises(RecipeError) as error:
        recipe.call(params)
    assert error.value.parameter == refused


def test_sigmoid_saturation_hand_checked() -> None:
    # σ(0) = 1/2, so σ'(0) = 1/2 * 1/2 = 1/4, the maximum; 0.25^10 = 1/1048576 ≈ 9.54e-7.
    x = np.linspace(-6, 6, 1201)
    assert sigmoid_slope(x).max() == pytest.approx(0.25)
    assert x[np.argmax(sigmoid_slope(x))] == 0.0
    assert gradient_bound(10)[-1] == pytest.approx(1 / 1048576)
    assert gradient_bound(3).tolist() == pytest.approx([0.25, 0.0625, 0.015625])


def test_sigmoid_slope_matches_autograd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check σ'")
    x = torch.linspace(-6, 6, 101, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(x).sum().backward()
    assert x.grad is not None
    expected = x.grad.numpy()
    np.testing.assert_allclose(sigmoid_slope(x.detach().numpy()), expected, rtol=1e-12)


def test_softmax_temperature_hand_checked() -> None:
    # z = [2, 0], T = 2: softmax([1, 0]) = [e/(e+1), 1/(e+1)] = [0.7311, 0.2689].
    np.testing.assert_allclose(
        softmax_with_temperature(np.array([2.0, 0.0]), 2.0), [0.731059, 0.268941], atol=1e-6
    )
    z = np.array([2.0, 1.0, 0.1])
    peaks = [softmax_with_temperature(z, t).max() for t in (0.5, 1.0, 2.0, 5.0)]
    assert peaks == sorted(peaks, reverse=True)  # higher T, flatter
    # Huge logits must not overflow thanks to the max shift.
    assert np.isfinite(softmax_with_temperature(np.array([1000.0, 1001.0]), 0.01)).all()


def test_softmax_temperature_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check softmax")
    for logits, temperature in [
        ([2.0, 1.0, 0.1], 0.5),
        ([2.0, 1.0, 0.1], 5.0),
        ([-3.0, 0.0, 4.5, 1.0], 1.0),
        ([10.0, -10.0], 0.1),
        ([0.3, 0.2, 0.1, 0.0, -0.1, -0.2], 100.0),
    ]:
        expected = torch.softmax(torch.tensor(logits, dtype=torch.float64) / temperature, dim=0)
        np.testing.assert_allclose(
            softmax_with_temperature(np.array(logits), temperature), expected.numpy(), rtol=1e-12
        )


def test_smooth_l1_hand_checked() -> None:
    # beta = 1: x = 0.5 -> 0.5 * 0.25 = 0.125 (slope 0.5); x = -3 -> 3 - 0.5 = 2.5 (slope -1).
    x = np.array([0.5, -3.0])
    np.testing.assert_allclose(smooth_l1(x, 1.0), [0.125, 2.5])
    np.testing.assert_allclose(smooth_l1_gradient(x, 1.0), [0.5, -1.0])


def test_smooth_l1_and_gradient_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check SmoothL1Loss")
    x = np.linspace(-4, 4, 161)
    for beta in (0.1, 0.3, 1.0, 2.5):
        error = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        loss = torch.nn.SmoothL1Loss(reduction="none", beta=beta)(error, torch.zeros_like(error))
        loss.sum().backward()
        assert error.grad is not None
        np.testing.assert_allclose(smooth_l1(x, beta), loss.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(smooth_l1_gradient(x, beta), error.grad.numpy(), atol=1e-12)


def test_focal_loss_hand_checked() -> None:
    # p_t = 0.9, γ = 2: -(0.1)^2 ln 0.9 = 0.01 * 0.10536 = 0.0010536, 100x less than CE.
    assert focal_loss(np.array([0.9]), 2.0)[0] == pytest.approx(0.0010536, rel=1e-4)
    assert focal_loss(np.array([0.9]), 0.0)[0] == pytest.approx(0.1053605, rel=1e-6)


def test_focal_loss_with_gamma_zero_is_pytorch_cross_entropy() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check the CE case")
    p = np.linspace(0.01, 0.99, 50)
    targets = torch.ones(p.size, dtype=torch.float64)
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(p), targets, reduction="none")
    np.testing.assert_allclose(focal_loss(p, 0.0), expected.numpy(), rtol=1e-12)


def test_logit_gradients_hand_checked_and_vanish_for_mse() -> None:
    # z = 0: a = 1/2, CE gradient 1/2 - 1 = -1/2; MSE -1/2 * 1/2 * 1/2 = -1/8.
    ce, mse = logit_gradients(np.array([0.0, -8.0]))
    assert ce[0] == pytest.approx(-0.5) and mse[0] == pytest.approx(-0.125)
    assert ce[1] < -0.99 and abs(mse[1]) < 1e-3  # confidently wrong: only CE still pushes


def test_logit_gradients_match_autograd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check gradients")
    functional = torch.nn.functional
    for low, high in ((-8.0, 8.0), (-3.0, 1.0), (2.0, 20.0)):
        z = torch.linspace(low, high, 41, dtype=torch.float64, requires_grad=True)
        target = torch.ones_like(z)
        functional.binary_cross_entropy_with_logits(z, target, reduction="sum").backward()
        assert z.grad is not None
        ce_grad = z.grad.clone()
        z.grad = None
        (0.5 * functional.mse_loss(torch.sigmoid(z), target, reduction="sum")).backward()
        ce, mse = logit_gradients(z.detach().numpy())
        np.testing.assert_allclose(ce, ce_grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(mse, z.grad.numpy(), atol=1e-12)


def test_init_std_hand_checked() -> None:
    # Xavier: sqrt(2 / (256 + 512)) = sqrt(1/384) = 0.05103; He: sqrt(2 / 256) = 0.08839.
    assert init_std("xavier", 256, 512) == pytest.approx(0.0510310, rel=1e-5)
    assert init_std("he", 256, 512) == pytest.approx(0.0883883, rel=1e-5)
    assert init_std("small", 256, 512) == 0.01


def test_init_std_matches_torch_nn_init() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check nn.init")
    torch.manual_seed(0)
    for fan_in, fan_out in ((256, 256), (128, 512), (1024, 64)):
        weight = torch.empty(fan_out, fan_in, dtype=torch.float64)  # Linear: (out, in)
        torch.nn.init.xavier_normal_(weight)
        assert weight.std().item() == pytest.approx(init_std("xavier", fan_in, fan_out), rel=0.02)
        torch.nn.init.kaiming_normal_(weight)
        assert weight.std().item() == pytest.approx(init_std("he", fan_in, fan_out), rel=0.02)


def test_activation_stats_show_the_known_behaviour() -> None:
    # Small init shrinks tanh signals by about 0.01 * sqrt(256) = 0.16 per layer.
    assert activation_stds("tanh", 10, "small")[-1] < 1e-6
    assert activation_stds("tanh", 10, "xavier")[-1] > 0.1
    he_relu = activation_stds("relu", 10, "he")
    assert he_relu.max() / he_relu.min() < 2
    # Xavier halves the ReLU variance per layer: std x 1/sqrt(2) each time.
    xavier_relu = activation_stds("relu", 10, "xavier")
    assert xavier_relu[-1] / xavier_relu[0] == pytest.approx(2 ** (-9 / 2), rel=0.3)
    np.testing.assert_array_equal(he_relu, activation_stds("relu", 10, "he"))


def test_learning_curves_early_stop_is_inside_the_run() -> None:
    epochs = np.linspace(0.0, 100.0, 201)
    train, validation = learning_curve_models(epochs)["overfit"]
    best = int(np.argmin(validation))
    assert 0 < best < epochs.size - 1 and validation[-1] > validation[best]
    assert np.all(np.diff(train) < 0)  # training loss keeps falling while validation rises


def test_dropout_masks() -> None:
    assert [mask.size for mask in dropped_units(0.5, 3)] == list(NETWORK[1:-1])
    assert not any(mask.any() for mask in dropped_units(0.0, 3))
    first, second = dropped_units(0.5, 3), dropped_units(0.5, 3)
    assert all((a == b).all() for a, b in zip(first, second, strict=True))
