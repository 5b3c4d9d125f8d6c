"""Normalisation formulas, by hand and against PyTorch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from dlmath.normalization import (
    NORM_EPS,
    NormKind,
    batch_statistics,
    batchnorm_backward,
    batchnorm_eval,
    batchnorm_forward,
    feature_scaling,
    fold_batchnorm,
    norm_statistics,
    numerical_gradients,
    rms_norm,
    running_means,
    unbiased_variance,
)


def test_bn_fold_hand_checked() -> None:
    # gamma 1.5, var 0.25 (+ eps 0): scale 3; w' = 3w, b' = 3 (0.2 - 0.4) + 0.1 = -0.5.
    bias, gamma, beta, mean, var = (np.array([v]) for v in (0.2, 1.5, 0.1, 0.4, 0.25))
    f = fold_batchnorm(np.array([[0.5, -1.0]]), bias, gamma, beta, mean, var, eps=0.0)
    assert f.scale.tolist() == [3.0]
    assert f.weight.tolist() == [[1.5, -3.0]]
    assert f.bias.tolist() == pytest.approx([-0.5])


def test_bn_fold_matches_pytorch_conv_bn_eval() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BN folding")
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, padding=1, dtype=torch.float64)
    bn = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    conv.eval()
    bn.eval()
    w, b, g, beta, mean, var = (
        t.detach().numpy()
        for t in (conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var)
    )
    f = fold_batchnorm(w, b, g, beta, mean, var, bn.eps)
    folded = torch.nn.Conv2d(3, 4, 3, padding=1, dtype=torch.float64)
    with torch.no_grad():
        folded.weight.copy_(torch.from_numpy(f.weight))
        folded.bias.copy_(torch.from_numpy(f.bias))
        x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
        expected = bn(conv(x))
        np.testing.assert_allclose(folded(x).numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
        fused = fuse_conv_bn_eval(conv, bn)
        np.testing.assert_allclose(fused.weight.numpy(), f.weight, rtol=1e-12)
        np.testing.assert_allclose(fused.bias.numpy(), f.bias, rtol=1e-12)


def test_eps_is_torch_default() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    for layer in (torch.nn.BatchNorm2d(1), torch.nn.LayerNorm(1), torch.nn.GroupNorm(1, 1)):
        assert layer.eps == NORM_EPS


# --- batch statistics, feature scaling -------------------------------------------------------


def test_feature_scaling_hand_checked() -> None:
    # x = 2, 4, 6, 8, 10: mean 30/5 = 6; squared deviations 16+4+0+4+16 = 40, /5 = 8;
    # sigma = sqrt(8) = 2.828. x = 4: min-max (4-2)/(10-2) = 0.25, z = (4-6)/2.828 = -0.7071.
    assert batch_statistics(np.array([2.0, 4.0, 6.0, 8.0, 10.0])) == (6.0, 8.0)
    assert unbiased_variance(8.0, 5) == 10.0
    s = feature_scaling([2.0, 4.0, 6.0, 8.0, 10.0])
    assert (s.low, s.high, s.mean, s.variance) == (2.0, 10.0, 6.0, 8.0)
    assert s.min_max.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s.z_score[1] == pytest.approx(-1 / math.sqrt(2))


@pytest.mark.parametrize(
    "values", [[2.0, 4.0, 6.0, 8.0, 10.0], [-3.0, 0.5, 7.0], [1e3, -2e3, 5.0, 0.0, 12.0, 7.5]]
)
def test_feature_scaling_matches_pytorch(values: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    s = feature_scaling(values)
    x = torch.tensor(values, dtype=torch.float64)
    # Population variance (correction=0); layer_norm with eps=0 is exactly the z-score.
    assert s.variance == pytest.approx(float(torch.var(x, correction=0)))
    assert unbiased_variance(s.variance, len(values)) == pytest.approx(float(torch.var(x)))
    z = torch.nn.functional.layer_norm(x, (len(values),), eps=0.0)
    np.testing.assert_allclose(s.z_score, z.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s.min_max, ((x - x.min()) / (x.max() - x.min())).numpy())


# --- batch norm in training --------------------------------------------------------------------


def test_batchnorm_forward_hand_checked() -> None:
    # x = 1, 2, 3, 6: mean 3; deviations -2, -1, 0, 3, squares 4+1+0+9 = 14, /4 = 3.5 (biased).
    # Unbiased 14/3 = 4.667. running_mean = 0.9*0 + 0.1*3 = 0.3;
    # running_var = 0.9*1 + 0.1*4.667 = 1.367. Eval: 2 (1 - 0.3) / sqrt(1.367) + 0.5 = 1.698.
    r = batchnorm_forward([1.0, 2.0, 3.0, 6.0], 2.0, 0.5, 1e-5, 0.1, 1.0)
    assert (r.mean, r.variance) == (3.0, 3.5)
    assert r.unbiased_variance == pytest.approx(14 / 3)
    assert r.x_hat[3] == pytest.approx(3 / math.sqrt(3.5 + 1e-5))
    assert r.y[0] == pytest.approx(2 * -2 / math.sqrt(3.5 + 1e-5) + 0.5)
    assert r.running_mean == pytest.approx(0.3)
    assert r.running_var == pytest.approx(0.9 + 1.4 / 3)
    assert r.eval_output == pytest.approx(2 * 0.7 / math.sqrt(0.9 + 1.4 / 3 + 1e-5) + 0.5)
    assert batchnorm_eval(1.0, 2.0, 0.5, 0.3, 0.75, eps=0.25) == pytest.approx(1.9)


@pytest.mark.parametrize(
    ("batch", "gamma", "beta", "eps", "momentum", "x_eval"),
    [
        ([1.0, 2.0, 3.0, 6.0], 2.0, 0.5, 1e-5, 0.1, 1.0),
        ([-0.5, 4.0, 2.5], -1.5, 0.0, 1e-3, 0.3, 10.0),
        ([0.1, 0.2, 0.3, 0.4, 0.5, 2.0, -3.0, 1.0], 0.7, -2.0, 0.1, 1.0, -1.0),
    ],
)
def test_batchnorm_forward_matches_pytorch(
    batch: list[float], gamma: float, beta: float, eps: float, momentum: float, x_eval: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    r = batchnorm_forward(batch, gamma, beta, eps, momentum, x_eval)
    layer = torch.nn.BatchNorm1d(1, eps=eps, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(gamma)
        layer.bias.fill_(beta)
        y = layer.train()(torch.tensor(batch, dtype=torch.float64)[:, None])
        np.testing.assert_allclose(r.y, y[:, 0].numpy(), rtol=1e-12, atol=1e-12)
        assert r.running_mean == pytest.approx(float(layer.running_mean[0]), rel=1e-12)
        assert r.running_var == pytest.approx(float(layer.running_var[0]), rel=1e-12)
        out = layer.eval()(torch.tensor([[x_eval]], dtype=torch.float64))
        assert r.eval_output == pytest.approx(float(out[0, 0]), rel=1e-12)


def test_running_means_hand_checked() -> None:
    # momentum 0.1 from 0: 0.3; 0.9*0.3 + 0.5 = 0.77; 0.693 + 0.4 = 1.093; 0.9837 + 0.4 = 1.3837.
    # None: the plain averages 3, 4, 4, 4.
    np.testing.assert_allclose(running_means([3, 5, 4, 4], 0.1), [0.3, 0.77, 1.093, 1.3837])
    np.testing.assert_allclose(running_means([3, 5, 4, 4], None), [3, 4, 4, 4])


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_running_means_match_pytorch(momentum: float | None) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    means = [3.0, 5.0, 4.0, 4.0, -2.0]
    layer = torch.nn.BatchNorm1d(1, momentum=momentum, dtype=torch.float64).train()
    seen = []
    with torch.no_grad():
        for m in means:
            layer(torch.tensor([[m - 1.0], [m + 1.0]], dtype=torch.float64))
            seen.append(float(layer.running_mean[0]))
    np.testing.assert_allclose(running_means(means, momentum), seen, rtol=1e-12)


def test_batchnorm_backward_hand_checked() -> None:
    # x_hat = (-2, -1, 0, 3)/s with s = sqrt(3.50001) = 1.871. g = (0.1, -0.2, 0.3, 0.4):
    # dL/dbeta = 0.6; dL/dgamma = (-0.2 + 0.2 + 0 + 1.2)/s = 0.6414.
    # dL/dx_hat = 2g = (0.2, -0.4, 0.6, 0.8); sum 1.2, so dL/dmu = -1.2/s = -0.6414;
    # sum dL/dx_hat (x-mu) = -0.4 + 0.4 + 0 + 2.4 = 2.4, so dL/dvar = -2.4/(2 s^3) = -0.1833.
    # dL/dx_4 = 0.8/s + 2*3/4*(-0.1833) - 0.6414/4 = 0.4276 - 0.2750 - 0.1604 = -0.0076.
    r = batchnorm_backward([1.0, 2.0, 3.0, 6.0], [0.1, -0.2, 0.3, 0.4], 2.0, 1e-5)
    s = math.sqrt(3.5 + 1e-5)
    assert r.d_beta == pytest.approx(0.6)
    assert r.d_gamma == pytest.approx(1.2 / s)
    assert r.d_mean == pytest.approx(-1.2 / s)
    assert r.d_variance == pytest.approx(-2.4 / (2 * s**3))
    assert r.d_x[3] == pytest.approx(0.8 / s - 1.5 * 2.4 / (2 * s**3) - 0.3 / s)
    assert float(r.d_x.sum()) == pytest.approx(0.0, abs=1e-12)  # shifting x changes nothing
    d_x, d_gamma, d_beta = numerical_gradients(
        [1.0, 2.0, 3.0, 6.0], [0.1, -0.2, 0.3, 0.4], 2.0, 1e-5
    )
    np.testing.assert_allclose(d_x, r.d_x, atol=1e-8)
    assert d_gamma == pytest.approx(r.d_gamma)
    assert d_beta == pytest.approx(r.d_beta)


@pytest.mark.parametrize(
    ("batch", "upstream", "gamma", "eps"),
    [
        ([1.0, 2.0, 3.0, 6.0], [0.1, -0.2, 0.3, 0.4], 2.0, 1e-5),
        ([-1.0, 0.5, 2.0], [1.0, 2.0, -3.0], -1.5, 1e-5),
        ([0.3, -2.0, 4.0, 4.5, 1.0, 0.0], [0.5, 0.5, -1.0, 2.0, 0.0, -0.3], 0.8, 0.01),
    ],
)
def test_batchnorm_backward_matches_pytorch_autograd(
    batch: list[float], upstream: list[float], gamma: float, eps: float
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    r = batchnorm_backward(batch, upstream, gamma, eps)
    layer = torch.nn.BatchNorm1d(1, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(gamma)
    x = torch.tensor(batch, dtype=torch.float64)[:, None].requires_grad_()
    g = torch.tensor(upstream, dtype=torch.float64)[:, None]
    (layer.train()(x) * g).sum().backward()
    assert x.grad is not None and layer.weight.grad is not None and layer.bias.grad is not None
    np.testing.assert_allclose(r.d_x, x.grad[:, 0].numpy(), rtol=1e-10, atol=1e-12)
    assert r.d_gamma == pytest.approx(float(layer.weight.grad[0]), rel=1e-10)
    assert r.d_beta == pytest.approx(float(layer.bias.grad[0]), rel=1e-10)
    d_x, _, _ = numerical_gradients(batch, upstream, gamma, eps)
    np.testing.assert_allclose(d_x, x.grad[:, 0].numpy(), atol=1e-7)


# --- BN / LN / IN / GN statistics, RMSNorm -----------------------------------------------------


def test_norm_statistics_hand_checked() -> None:
    # x[n, c, :, 0] for (N, C, H, W) = (2, 2, 2, 1): sample 0 = (8, 2), (1, 3); sample 1 =
    # (4, 0), (6, 6). BN, channel 0: 8, 2, 4, 0 -> mean 3.5, 84/4 - 3.5^2 = 8.75.
    # LN, sample 0: 8, 2, 1, 3 -> mean 3.5, 78/4 - 12.25 = 7.25. IN, (0, 0): (8, 2) -> 5, 9.
    # GN with 2 groups is IN here (one channel a group).
    x = np.array([[[8.0, 2.0], [1.0, 3.0]], [[4.0, 0.0], [6.0, 6.0]]])[..., None]
    mean, var, _ = norm_statistics(x, "bn", 1)
    assert (mean[0], var[0]) == (3.5, 8.75)
    mean, var, out = norm_statistics(x, "ln", 1)
    assert (mean[0], var[0]) == (3.5, 7.25)
    assert out[0, 0, 0, 0] == pytest.approx(4.5 / math.sqrt(7.25 + NORM_EPS))
    mean, var, _ = norm_statistics(x, "in", 1)
    assert (mean[0, 0], var[0, 0]) == (5.0, 9.0)
    gn_mean, gn_var, _ = norm_statistics(x, "gn", 2)
    np.testing.assert_array_equal(gn_mean, mean)
    np.testing.assert_array_equal(gn_var, var)


@pytest.mark.parametrize("shape", [(2, 4, 2, 1), (3, 6, 4, 5), (1, 8, 3, 3)])
def test_norm_statistics_match_pytorch(shape: tuple[int, int, int, int]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    x = np.random.default_rng(sum(shape)).normal(1.0, 3.0, size=shape)
    t = torch.tensor(x)
    c = shape[1]
    layers: dict[tuple[NormKind, int], Any] = {
        ("bn", 1): torch.nn.BatchNorm2d(c, affine=False, dtype=torch.float64).train(),
        ("ln", 1): torch.nn.LayerNorm(shape[1:], elementwise_affine=False, dtype=torch.float64),
        ("in", 1): torch.nn.InstanceNorm2d(c, affine=False, dtype=torch.float64),
    }
    for groups in (g for g in (1, 2, 4, c) if c % g == 0):
        layers[("gn", groups)] = torch.nn.GroupNorm(groups, c, affine=False, dtype=torch.float64)
    for (kind, groups), layer in layers.items():
        _, _, out = norm_statistics(x, kind, groups)
        with torch.no_grad():
            expected = layer(t).numpy()
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-9, err_msg=f"{kind} {groups}")


def test_rms_norm_hand_checked() -> None:
    # x = (1, -2, 3, 2): mean of squares (1 + 4 + 9 + 4)/4 = 4.5, RMS = sqrt(4.5) = 2.121;
    # y = x / 2.121 = (0.4714, -0.9428, 1.414, 0.9428); a gain of 2 doubles it.
    rms, y = rms_norm(np.array([1.0, -2.0, 3.0, 2.0]), np.array([1.0, 1.0, 1.0, 2.0]), 0.0)
    assert rms == pytest.approx(math.sqrt(4.5))
    np.testing.assert_allclose(y, np.array([1.0, -2.0, 3.0, 4.0]) / math.sqrt(4.5))


@pytest.mark.parametrize("values", [[1.0, -2.0, 3.0, 2.0], [0.1, 0.2, -5.0], [7.0, 7.5, 8.0, -1.0]])
def test_rms_norm_matches_pytorch(values: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for the cross-check")
    gain = np.linspace(0.5, 1.5, len(values))
    layer = torch.nn.RMSNorm(len(values), eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gain))
        expected = layer(torch.tensor(values, dtype=torch.float64)).numpy()
    _, y = rms_norm(np.asarray(values), gain, 1e-6)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
