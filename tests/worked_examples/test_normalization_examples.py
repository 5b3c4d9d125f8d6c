"""worked_examples/normalization.py: feature-scaling, batchnorm-forward, batchnorm-backward,
norm-layer-stats, bn-fold, bn-cumulative-average and rmsnorm, hand-checked (the formulas of
dlmath.normalization are checked against PyTorch in tests/dlmath/test_normalization_math.py);
and the freeze_bn code on card norm-bn-freeze-finetune."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import card_code, column, numbers, result, row, step, table

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
    example = recipes.example("feature-scaling")
    variance = step(example, "(population variance")
    assert numbers(variance.substituted) == [16, 4, 0, 4, 16, 5] and numbers(variance.result) == [8]
    assert result(example, "(std)") == 2.828
    assert result(example, "(min-max)") == 0.25
    assert result(example, "(z-score)") == -0.7071
    assert column(table(example), "z-score $z$") == [-1.414, -0.7071, 0, 0.7071, 1.414]


# --- batchnorm-forward -----------------------------------------------------------------------


def test_batchnorm_forward_hand_checked(recipes: DeckRecipes) -> None:
    # x = 1, 2, 3, 6: mean 3; deviations -2, -1, 0, 3, squares 4+1+0+9 = 14, /4 = 3.5 (biased).
    # Unbiased 14/3 = 4.667. running_mean = 0.9*0 + 0.1*3 = 0.3;
    # running_var = 0.9*1 + 0.1*4.667 = 1.367.
    # y_1 = 2 * (1-3)/sqrt(3.50001) + 0.5 = -1.638; eval: 2 * (1-0.3)/sqrt(1.36668) + 0.5 = 1.698.
    example = recipes.example("batchnorm-forward")
    assert result(example, "(biased variance") == 3.5
    assert result(example, "(unbiased variance") == 4.667
    assert result(example, "更新 running_mean") == 0.3
    assert result(example, "更新 running_var") == 1.367
    assert result(example, "(eval mode)") == 1.698
    assert column(table(example), "$y_i$")[0] == -1.638


# --- batchnorm-backward ----------------------------------------------------------------------


def test_batchnorm_backward_hand_checked(recipes: DeckRecipes) -> None:
    # x_hat = (-2, -1, 0, 3)/s with s = sqrt(3.50001) = 1.871. g = (0.1, -0.2, 0.3, 0.4):
    # dL/dbeta = 0.6; dL/dgamma = (-0.2 + 0.2 + 0 + 1.2)/s = 0.6414.
    # dL/dx_hat = 2g = (0.2, -0.4, 0.6, 0.8); sum 1.2, so dL/dmu = -1.2/s = -0.6414;
    # sum dL/dx_hat (x-mu) = -0.4 + 0.4 + 0 + 2.4 = 2.4, so dL/dvar = -2.4/(2 s^3) = -0.1833.
    # dL/dx_4 = 0.8/s + 2*3/4*(-0.1833) - 0.6414/4 = 0.4276 - 0.2750 - 0.1604 = -0.0076.
    example = recipes.example("batchnorm-backward")
    assert result(example, "对 $\\beta$") == 0.6
    assert result(example, "对 $\\gamma$") == 0.6414
    assert result(example, "对方差") == -0.1833
    assert result(example, "对均值") == -0.6414
    assert result(example, "对输入的梯度") == -0.007635


def test_batchnorm_backward_gradient_check_is_tiny(recipes: DeckRecipes) -> None:
    example = recipes.example("batchnorm-backward")
    gradients = table(example)
    assert column(gradients, "解析梯度") == column(gradients, "数值梯度")
    assert 0 < result(example, "(gradient check)") < 1e-9  # about 1e-11: float64 noise


# --- norm-layer-stats ------------------------------------------------------------------------


def test_norm_layer_stats_hand_checked(recipes: DeckRecipes) -> None:
    # The fixed tensor: x[0, :, :, 0] = (8, 2), (1, 2), (4, 8), (4, 0); x[1, 0] = (3, 6).
    x = norm_input()
    assert x[0, :, :, 0].tolist() == [[8, 2], [1, 2], [4, 8], [4, 0]]
    # LN, sample 0: sum 29, mean 3.625; sum of squares 169, 169/8 - 3.625^2 = 7.984.
    layer_norm = recipes.example("norm-layer-stats")
    assert row(table(layer_norm, "$\\mu$"), "$n=0$") == [3.625, 7.984]
    # IN, (n=0, c=0): (8, 2) -> mean 5, variance 9.
    instance_norm = recipes.example("norm-layer-stats", kind="in")
    assert row(table(instance_norm, "$\\mu$"), "$n=0$, $c=0$") == [5, 9]
    # BN, channel 0: 8, 2, 3, 6 -> mean 4.75, 113/4 - 4.75^2 = 5.6875.
    batch_norm = recipes.example("norm-layer-stats", kind="bn")
    assert row(table(batch_norm, "$\\mu$"), "$c=0$") == [4.75, 5.688]
    # GN with 2 groups, (n=0, g=0): 8, 2, 1, 2 -> mean 3.25, 73/4 - 3.25^2 = 7.6875.
    group_norm = recipes.example("norm-layer-stats", kind="gn", groups=2)
    group_stats = table(group_norm, "$\\mu$")
    assert len(group_stats.rows) == 4
    assert row(group_stats, "$n=0$, $g=0$ ($c \\in \\{0, 1\\}$)") == [3.25, 7.688]
    # LN: (8 - 3.625)/sqrt(7.984375 + 1e-5) = 1.548; GN: (8 - 3.25)/sqrt(7.6875 + 1e-5) = 1.713.
    assert result(layer_norm, "(normalise") == 1.548
    assert result(group_norm, "(normalise") == 1.713


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
    example = recipes.example("bn-cumulative-average")
    averages = table(example)
    assert column(averages, "$\\alpha = 0.1$") == [0.3, 0.77, 1.093, 1.384]
    assert column(averages, "None") == [3, 4, 4, 4]
    assert result(example, "(weight of the start)") == 0.6561


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
