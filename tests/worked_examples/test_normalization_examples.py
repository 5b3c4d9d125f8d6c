"""worked_examples/normalization.py: feature-scaling, batchnorm-forward, batchnorm-backward,
norm-layer-stats, bn-fold, bn-cumulative-average and rmsnorm, hand-checked, and
cross-checked against PyTorch; and the freeze_bn code on card norm-bn-freeze-finetune."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import card_code, column, numbers, result, row, step, table

from dlmath.normalization import (
    NormKind,
    batchnorm_backward,
    batchnorm_forward,
    feature_scaling,
    norm_statistics,
    numerical_gradients,
    rms_norm,
    running_means,
)
from worked_examples.normalization import norm_input


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("feature-scaling", {"values": [3.0, 3.0]}, "values"),  # constant: no spread
        ("feature-scaling", {"values": [1.0]}, "values"),
        ("batchnorm-forward", {"momentum": 1.5}, "momentum"),
        ("batchnorm-forward", {"batch": [1.0]}, "batch"),
        ("batchnorm-forward", {"batch": [2.0, 2.0], "eps": 0.0}, "eps"),
        ("batchnorm-backward", {"upstream": [1.0, 2.0]}, "upstream"),
        ("norm-layer-stats", {"groups": 3}, "groups"),
        ("bn-fold", {"patch": [1.0, 2.0]}, "patch"),
        ("bn-fold", {"var": 0.0}, "var"),
        ("bn-cumulative-average", {"momentum": 0.0}, "momentum"),
        ("rmsnorm", {"x": [2.0, 2.0]}, "x"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- feature-scaling -------------------------------------------------------------------------


def test_feature_scaling_hand_checked(recipes: DeckRecipes) -> None:
    # x = 2, 4, 6, 8, 10: mean 30/5 = 6; squared deviations 16+4+0+4+16 = 40, /5 = 8;
    # sigma = sqrt(8) = 2.828. x = 4: min-max (4-2)/(10-2) = 0.25, z = (4-6)/2.828 = -0.7071.
    s = feature_scaling([2.0, 4.0, 6.0, 8.0, 10.0])
    assert (s.mean, s.variance) == (6.0, 8.0)
    assert s.min_max.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert s.z_score[0] == pytest.approx(-math.sqrt(2))
    example = recipes.example("feature-scaling")
    variance = step(example, "(population variance")
    assert numbers(variance.substituted) == [16, 4, 0, 4, 16, 5] and numbers(variance.result) == [8]
    assert result(example, "(std)") == 2.828
    assert result(example, "(min-max)") == 0.25
    assert result(example, "(z-score)") == -0.7071
    assert column(table(example), "z-score $z$") == [-1.414, -0.7071, 0, 0.7071, 1.414]


@pytest.mark.parametrize(
    "values", [[2.0, 4.0, 6.0, 8.0, 10.0], [-3.0, 0.5, 7.0], [1e3, -2e3, 5.0, 0.0, 12.0, 7.5]]
)
def test_feature_scaling_matches_pytorch(values: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check feature scaling")
    s = feature_scaling(values)
    x = torch.tensor(values, dtype=torch.float64)
    # Population std (correction=0); layer_norm with eps=0 is exactly the z-score.
    assert s.std == pytest.approx(float(torch.std(x, correction=0)))
    z = torch.nn.functional.layer_norm(x, (len(values),), eps=0.0)
    np.testing.assert_allclose(s.z_score, z.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s.min_max, ((x - x.min()) / (x.max() - x.min())).numpy())


# --- batchnorm-forward -----------------------------------------------------------------------


def test_batchnorm_forward_hand_checked(recipes: DeckRecipes) -> None:
    # x = 1, 2, 3, 6: mean 3; deviations -2, -1, 0, 3, squares 4+1+0+9 = 14, /4 = 3.5 (biased).
    # Unbiased 14/3 = 4.667. running_mean = 0.9*0 + 0.1*3 = 0.3;
    # running_var = 0.9*1 + 0.1*4.667 = 1.367.
    # y_1 = 2 * (1-3)/sqrt(3.50001) + 0.5 = -1.638; eval: 2 * (1-0.3)/sqrt(1.36668) + 0.5 = 1.698.
    r = batchnorm_forward([1.0, 2.0, 3.0, 6.0], 2.0, 0.5, 1e-5, 0.1, 1.0)
    assert (r.mean, r.variance) == (3.0, 3.5)
    assert r.unbiased_variance == pytest.approx(14 / 3)
    assert r.running_mean == pytest.approx(0.3)
    assert r.running_var == pytest.approx(0.9 + 1.4 / 3)
    assert r.eval_output == pytest.approx(2 * 0.7 / math.sqrt(0.9 + 1.4 / 3 + 1e-5) + 0.5)
    example = recipes.example("batchnorm-forward")
    assert result(example, "(biased variance") == 3.5
    assert result(example, "(unbiased variance") == 4.667
    assert result(example, "更新 running_mean") == 0.3
    assert result(example, "更新 running_var") == 1.367
    assert result(example, "(eval mode)") == 1.698
    assert column(table(example), "$y_i$")[0] == -1.638


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
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BatchNorm1d")
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


# --- batchnorm-backward ----------------------------------------------------------------------


def test_batchnorm_backward_hand_checked(recipes: DeckRecipes) -> None:
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
    example = recipes.example("batchnorm-backward")
    assert result(example, "对 $\\beta$") == 0.6
    assert result(example, "对 $\\gamma$") == 0.6414
    assert result(example, "对方差") == -0.1833
    assert result(example, "对均值") == -0.6414
    assert result(example, "对输入的梯度") == -0.007635


def test_batchnorm_backward_gradient_check_is_tiny(recipes: DeckRecipes) -> None:
    batch, upstream = [1.0, 2.0, 3.0, 6.0], [0.1, -0.2, 0.3, 0.4]
    r = batchnorm_backward(batch, upstream, 2.0, 1e-5)
    d_x, d_gamma, d_beta = numerical_gradients(batch, upstream, 2.0, 1e-5)
    np.testing.assert_allclose(d_x, r.d_x, atol=1e-8)
    assert d_gamma == pytest.approx(r.d_gamma)
    assert d_beta == pytest.approx(r.d_beta)
    example = recipes.example("batchnorm-backward")
    gradients = table(example)
    assert column(gradients, "解析梯度") == column(gradients, "数值梯度")
    assert 0 < result(example, "(gradient check)") < 1e-9  # about 1e-11: float64 noise


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
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BN gradients")
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


# --- norm-layer-stats ------------------------------------------------------------------------


def test_norm_layer_stats_hand_checked(recipes: DeckRecipes) -> None:
    # The fixed tensor: x[0, :, :, 0] = (8, 2), (1, 2), (4, 8), (4, 0); x[1, 0] = (3, 6).
    x = norm_input()
    assert x[0, :, :, 0].tolist() == [[8, 2], [1, 2], [4, 8], [4, 0]]
    # LN, sample 0: sum 29, mean 3.625; sum of squares 169, 169/8 - 3.625^2 = 7.984.
    mean, var, _ = norm_statistics(x, "ln", 1)
    assert (mean[0], var[0]) == (3.625, 7.984375)
    # IN, (n=0, c=0): (8, 2) -> mean 5, variance 9.
    mean, var, _ = norm_statistics(x, "in", 1)
    assert (mean[0, 0], var[0, 0]) == (5.0, 9.0)
    # BN, channel 0: 8, 2, 3, 6 -> mean 4.75, 113/4 - 4.75^2 = 5.6875.
    mean, var, _ = norm_statistics(x, "bn", 1)
    assert (mean[0], var[0]) == (4.75, 5.6875)
    # GN with 2 groups, (n=0, g=0): 8, 2, 1, 2 -> mean 3.25, 73/4 - 3.25^2 = 7.6875.
    mean, var, _ = norm_statistics(x, "gn", 2)
    assert mean.shape == (2, 2) and (mean[0, 0], var[0, 0]) == (3.25, 7.6875)
    layer_norm = recipes.example("norm-layer-stats")
    assert row(table(layer_norm, "$\\mu$"), "$n=0$") == [3.625, 7.984]
    # LN: (8 - 3.625)/sqrt(7.984375 + 1e-5) = 1.548; GN: (8 - 3.25)/sqrt(7.6875 + 1e-5) = 1.713.
    assert result(layer_norm, "(normalise") == 1.548
    group_norm = recipes.example("norm-layer-stats", kind="gn", groups=2)
    assert result(group_norm, "(normalise") == 1.713


@pytest.mark.parametrize("shape", [(2, 4, 2, 1), (3, 6, 4, 5), (1, 8, 3, 3)])
def test_norm_layer_stats_match_pytorch(shape: tuple[int, int, int, int]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check norm layers")
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


# --- bn-fold ---------------------------------------------------------------------------------


def test_bn_fold_hand_checked(recipes: DeckRecipes) -> None:
    # s = 1.5 / sqrt(0.25 + 1e-5) ~ 3; w' = 3 (0.5, -1, 2) = (1.5, -3, 6); b' = 3 (0.2 - 0.4) + 0.1
    # = -0.5. Check on x = (1, 2, 0.5): z = 0.5 - 2 + 1 + 0.2 = -0.3, BN: 1.5 (-0.7)/0.5 + 0.1 = -2.
    example = recipes.example("bn-fold")
    assert result(example, "(scale)") == 3
    assert numbers(step(example, "(folded weight)").result) == [1.5, -3, 6]
    assert result(example, "(folded bias)") == -0.5
    assert result(example, "先卷积") == -0.3
    assert result(example, "推理模式的 BN") == result(example, "(one conv)") == -2


# --- bn-cumulative-average -------------------------------------------------------------------


def test_bn_cumulative_average_hand_checked(recipes: DeckRecipes) -> None:
    # momentum 0.1 from 0: 0.3; 0.9*0.3 + 0.5 = 0.77; 0.693 + 0.4 = 1.093; 0.9837 + 0.4 = 1.3837.
    # None: averages 3, 4, 4, 4. The start keeps weight 0.9^4 = 0.6561.
    np.testing.assert_allclose(running_means([3, 5, 4, 4], 0.1), [0.3, 0.77, 1.093, 1.3837])
    np.testing.assert_allclose(running_means([3, 5, 4, 4], None), [3, 4, 4, 4])
    example = recipes.example("bn-cumulative-average")
    averages = table(example)
    assert column(averages, "$\\alpha = 0.1$") == [0.3, 0.77, 1.093, 1.384]
    assert column(averages, "None") == [3, 4, 4, 4]
    assert result(example, "(weight of the start)") == 0.6561


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_bn_running_mean_matches_pytorch(momentum: float | None) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check running stats")
    means = [3.0, 5.0, 4.0, 4.0, -2.0]
    layer = torch.nn.BatchNorm1d(1, momentum=momentum, dtype=torch.float64).train()
    seen = []
    with torch.no_grad():
        for m in means:
            layer(torch.tensor([[m - 1.0], [m + 1.0]], dtype=torch.float64))
            seen.append(float(layer.running_mean[0]))
    np.testing.assert_allclose(running_means(means, momentum), seen, rtol=1e-12)


# --- rmsnorm ---------------------------------------------------------------------------------


def test_rmsnorm_hand_checked(recipes: DeckRecipes) -> None:
    # x = (1, -2, 3, 2): mean of squares (1 + 4 + 9 + 4)/4 = 4.5, RMS = 2.121;
    # y_1 = 1/2.121 = 0.4714.
    # LayerNorm: mean 1, deviations (0, -3, 2, 1), variance 14/4 = 3.5, std 1.871.
    example = recipes.example("rmsnorm")
    assert result(example, "(root mean square)") == 2.121
    assert numbers(step(example, "y_i = ").result) == [0.4714, -0.9428, 1.414, 0.9428]
    assert result(example, "(mean)") == 1
    layer_norm = step(example, "LayerNorm 除以标准差")
    assert numbers(layer_norm.substituted) == [1, 1.871]
    assert numbers(layer_norm.result) == [0, -1.604, 1.069, 0.5345]


@pytest.mark.parametrize("values", [[1.0, -2.0, 3.0, 2.0], [0.1, 0.2, -5.0], [7.0, 7.5, 8.0, -1.0]])
def test_rmsnorm_matches_pytorch(values: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check RMSNorm")
    gain = np.linspace(0.5, 1.5, len(values))
    layer = torch.nn.RMSNorm(len(values), eps=1e-6, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gain))
        expected = layer(torch.tensor(values, dtype=torch.float64)).numpy()
    _, y = rms_norm(np.asarray(values), gain, 1e-6)
    np.testing.assert_allclose(y, expected, rtol=1e-12)


# --- the freeze_bn code of card norm-bn-freeze-finetune (no recipe) ---------------------------


def test_freeze_bn_card_code_runs() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    namespace: dict[str, Any] = {}
    exec(card_code("normalization-layers.md", "norm-bn-freeze-finetune"), namespace)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU()
    )
    model.train()
    namespace["freeze_bn"](model)
    bn = model[1]
    before = bn.running_mean.clone()
    model(torch.randn(2, 3, 6, 6) + 5.0)
    assert model.training and not bn.training
    assert torch.equal(bn.running_mean, before)
    assert not bn.weight.requires_grad and not bn.bias.requires_grad
    assert model[0].weight.requires_grad
