"""worked_examples/convolution.py: output sizes, receptive fields, parameter and cost counts,
activation memory and 1x1 reduction, hand-checked, and cross-checked against PyTorch."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import DeckRecipes
from example_values import column, numbers, result, row, step, table

from worked_examples.convolution import (
    NETWORKS,
    activation_bytes,
    head_params,
    network_fields,
)


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("transposed-conv-output-size", {"stride": 2, "output_padding": 2}, "output_padding"),
        ("transposed-conv-output-size", {"size": 1, "kernel": 1, "padding": 1}, "padding"),
        ("receptive-field", {"kernels": [3, 3], "strides": [1], "dilations": [1, 1]}, "strides"),
        ("receptive-field", {"dilations": [1, 0, 1]}, "dilations"),
        ("conv-params", {"in_channels": 64, "out_channels": 100, "groups": 8}, "groups"),
        ("conv-flops", {"out_size": 0}, "out_size"),
        ("stacked-vs-large-kernel", {"large_kernel": 4}, "large_kernel"),
        ("gap-vs-fc-params", {"classes": 0}, "classes"),
        ("activation-memory", {"batch": 0}, "batch"),
        ("reduce-then-conv", {"reduced": 192}, "reduced"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- conv-output-size, transposed-conv-output-size -------------------------------------------


def test_conv_output_size_hand_checked(recipes: DeckRecipes) -> None:
    # ResNet's stem: (224 + 2*3 - 7) / 2 = 111.5, floor 111, plus 1 = 112.
    stem = recipes.example("conv-output-size", size=224, kernel=7, stride=2, padding=3)
    assert numbers(step(stem, "(output size)").result) == [111.5, 1, 112]
    # Dilation 2 turns a 3x3 kernel into an effective 5x5: 32 - 5 + 1 = 28.
    dilated = recipes.example("conv-output-size", size=32, kernel=3, dilation=2)
    effective = step(dilated, "(effective kernel size)")
    assert numbers(effective.substituted) == [2, 3, 1, 1] and numbers(effective.result) == [5]
    assert numbers(step(dilated, "(output size)").result)[-1] == 28


def test_transposed_conv_output_size_hand_checked(recipes: DeckRecipes) -> None:
    # DCGAN-style upsampling: (4-1)*2 + 4 = 10 before cropping, 10 - 2*1 + 0 = 8 (doubles 4).
    example = recipes.example("transposed-conv-output-size")
    spread = step(example, "(spread and stamp)")
    assert numbers(spread.substituted) == [4, 1, 2, 4] and numbers(spread.result) == [10]
    crop = step(example, "(crop padding")
    assert numbers(crop.substituted) == [10, 2, 1, 0] and numbers(crop.result) == [8]
    # Conv2d(k=4, s=2, p=1) maps 8 back to floor((8 + 2 - 4)/2) + 1 = 4.
    assert result(example, "(Conv2d with the same") == 4


# --- receptive-field, network-receptive-field ------------------------------------------------


def test_receptive_field_hand_checked(recipes: DeckRecipes) -> None:
    # Three 3x3, stride 1: r = 1 + 2 + 2 + 2 = 7, jump stays 1.
    example = recipes.example("receptive-field")
    layers = table(example)
    assert column(layers, "$r_l$") == [1, 3, 5, 7] and column(layers, "$j_l$") == [1, 1, 1, 1]
    final = step(example, "(final receptive field)")
    assert numbers(final.substituted) == [5, 3, 1, 1] and numbers(final.result) == [7]
    assert "$7\\times7$" in final.label


def test_network_receptive_field_hand_checked(recipes: DeckRecipes) -> None:
    # VGG-16: conv5_3 196, pool5 212 (the 212 of Araujo et al.'s table, effective stride 32).
    vgg = table(recipes.example("network-receptive-field"))
    assert row(vgg, "conv5_3") == [16, 196] and row(vgg, "pool5") == [32, 212]
    assert network_fields(NETWORKS["vgg16"])[-1] == ("pool5", 32, 212)
    # ResNet-50: 483 with the paper's strided 1x1 (Araujo et al.: resnet_v1_50, 483),
    # 427 with torchvision's strided 3x3.
    assert network_fields(NETWORKS["resnet50"])[-1] == ("conv5_x", 32, 483)
    assert network_fields(NETWORKS["resnet50-torchvision"])[-1] == ("conv5_x", 32, 427)
    resnet = table(recipes.example("network-receptive-field", network="resnet50"))
    assert row(resnet, "conv5_x") == [32, 483, 427]
    assert len(NETWORKS["resnet50"]) == 2 + 3 * 16


def autograd_field(torch: Any, kernels: list[int], strides: list[int], size: int) -> int:
    """Extent of the input pixels that reach one output unit of an all-ones conv stack."""
    layers = [
        torch.nn.Conv2d(1, 1, k, stride=s, bias=False, dtype=torch.float64)
        for k, s in zip(kernels, strides, strict=True)
    ]
    for layer in layers:
        torch.nn.init.ones_(layer.weight)
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    torch.nn.Sequential(*layers)(x)[0, 0, 0, 0].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
    return int(rows[-1] - rows[0]) + 1


def test_network_receptive_field_matches_autograd() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check receptive fields")
    for layers in NETWORKS.values():
        kernels = [k for _, k, _ in layers]
        strides = [s for _, _, s in layers]
        field = network_fields(layers)[-1][2]
        assert autograd_field(torch, kernels, strides, field + 5) == field


# --- conv-params, conv-flops ----------------------------------------------------------------


def test_conv_params_hand_checked(recipes: DeckRecipes) -> None:
    # 3*3*64 = 576 weights per filter, *128 = 73,728, + 128 biases = 73,856.
    example = recipes.example("conv-params")
    weights = step(example, "(weights)")
    assert numbers(weights.substituted) == [576, 128] and numbers(weights.result) == [73_728]
    assert result(example, "(parameters)") == 73_856
    # Depthwise: groups = 32 divides the 9216 weights of a plain conv by 32.
    grouped = recipes.example("conv-params", in_channels=32, out_channels=32, groups=32, bias=False)
    per_group = step(grouped, "(vs groups=1)")
    assert numbers(per_group.substituted) == [9216, 32] and numbers(per_group.result) == [288]


def test_conv_flops_hand_checked(recipes: DeckRecipes) -> None:
    # 3*3*64 = 576 MACs per output, 128*56*56 = 401,408 outputs: 231,211,008 MACs,
    # 462,422,016 FLOPs (2 per multiply-add).
    example = recipes.example("conv-flops")
    assert result(example, "(MACs)") == 231_211_008
    assert result(example, "(FLOPs)") == 462_422_016


# --- stacked-vs-large-kernel, depthwise-separable-cost ----------------------------------------


def test_stacked_vs_large_kernel_hand_checked(recipes: DeckRecipes) -> None:
    # 5x5: 25 C^2 vs two 3x3: 18 C^2, ratio 18/25 = 0.72; field 1 + 2*2 = 5.
    example = recipes.example("stacked-vs-large-kernel")
    assert result(example, "(one layer)") == 102_400
    assert result(example, "(stacked)") == 73_728
    ratio = step(example, "(ratio)")
    assert numbers(ratio.substituted) == [18, 25] and numbers(ratio.result) == [0.72]
    assert result(example, "(receptive field") == 5
    # 7x7: 49 C^2 vs three 3x3: 27 C^2, ratio 27/49 = 0.5510; field 1 + 3*2 = 7.
    larger = recipes.example("stacked-vs-large-kernel", large_kernel=7)
    ratio = step(larger, "(ratio)")
    assert numbers(ratio.substituted) == [27, 49] and numbers(ratio.result) == [0.551]
    assert result(larger, "(receptive field") == 7


def test_two_3x3_without_activation_is_one_5x5() -> None:
    # Card conv-stacked-3x3-field: the composition is a 5x5 conv whose kernel is the full
    # convolution of the two kernels (single channel, stride 1).
    torch = pytest.importorskip("torch", reason="PyTorch is needed to compose convolutions")
    functional = torch.nn.functional
    a, b = (
        torch.randn(1, 1, 3, 3, dtype=torch.float64),
        torch.randn(1, 1, 3, 3, dtype=torch.float64),
    )
    x = torch.randn(1, 1, 12, 12, dtype=torch.float64)
    merged = functional.conv_transpose2d(b, a)  # correlations compose: a then b
    assert merged.shape[-1] == 5
    assert torch.allclose(
        functional.conv2d(functional.conv2d(x, a), b), functional.conv2d(x, merged)
    )


def test_depthwise_separable_cost_hand_checked(recipes: DeckRecipes) -> None:
    # 9*64*128*56^2 = 231,211,008; depthwise 9*64*3136 = 1,806,336; pointwise
    # 64*128*3136 = 25,690,112; ratio 27,496,448 / 231,211,008 = 1/128 + 1/9 = 0.1189.
    example = recipes.example("depthwise-separable-cost")
    assert result(example, "(standard conv)") == 231_211_008
    assert result(example, "(depthwise)") == 1_806_336
    assert result(example, "(pointwise") == 25_690_112
    assert result(example, "(depthwise separable)") == 27_496_448
    assert result(example, "(ratio, exact)") == result(example, "(ratio, formula)") == 0.1189


# --- gap-vs-fc-params -----------------------------------------------------------------------


def test_gap_vs_fc_params_hand_checked(recipes: DeckRecipes) -> None:
    # 512*7*7 = 25,088 inputs: 25,088*1000 + 1000 = 25,089,000 vs 512*1000 + 1000 = 513,000;
    # ratio 48.906...
    example = recipes.example("gap-vs-fc-params")
    assert result(example, "(flatten + FC)") == 25_089_000
    assert result(example, "(GAP + FC)") == 513_000
    assert result(example, "(ratio)") == 48.91


def test_gap_vs_fc_params_match_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check head parameters")
    for channels, height, width, classes in ((512, 7, 7, 1000), (64, 4, 3, 10), (2048, 7, 7, 5)):
        x = torch.zeros(1, channels, height, width)
        fc = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(channels * height * width, classes)
        )
        gap = torch.nn.Sequential(
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(channels, classes)
        )
        assert fc(x).shape == gap(x).shape == (1, classes)
        heads = head_params(channels, height, width, classes)
        assert sum(p.numel() for p in fc.parameters()) == heads.fc
        assert sum(p.numel() for p in gap.parameters()) == heads.gap


# --- activation-memory ----------------------------------------------------------------------


def test_activation_memory_hand_checked(recipes: DeckRecipes) -> None:
    # 32*64*224*224 = 102,760,448 elements * 4 B = 411,041,792 B = 392 MiB exactly.
    example = recipes.example("activation-memory")
    assert result(example, "(elements)") == 102_760_448
    assert result(example, "(bytes)") == 411_041_792
    assert result(example, "(in MiB)") == 392
    assert activation_bytes(1, 3, 2, 2, 2) == 24


@pytest.mark.parametrize("name", ["fp32", "fp16", "bf16"])
def test_activation_memory_matches_pytorch(recipes: DeckRecipes, name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check tensor sizes")
    dtype = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[name]
    t = torch.empty(32, 64, 224, 224, dtype=dtype, device="meta")
    example = recipes.example("activation-memory", dtype=name)
    assert result(example, "(bytes)") == t.numel() * t.element_size()


# --- reduce-then-conv -----------------------------------------------------------------------


def test_reduce_then_conv_hand_checked(recipes: DeckRecipes) -> None:
    # Inception (3a) 5x5 branch: 1x1 192->16: 3,072 weights, 2,408,448 MACs; 5x5 16->32:
    # 12,800 weights, 10,035,200 MACs; total 12,443,648 vs direct 120,422,400: 0.103.
    example = recipes.example("reduce-then-conv")
    layers = table(example)
    assert column(layers, "乘加 (MACs)") == [2_408_448, 10_035_200, 12_443_648, 120_422_400]
    assert column(layers, "权重")[:2] == [3072, 12_800]
    assert result(example, "(ratio)") == 0.103
    # ResNet bottleneck 256 -> 64 -> 64 -> 256: 16,384 + 36,864 + 16,384 = 69,632 weights.
    bottleneck = recipes.example(
        "reduce-then-conv", in_channels=256, reduced=64, out_channels=256, kernel=3, expand=True
    )
    weights = column(table(bottleneck), "权重")
    assert weights == [16_384, 36_864, 16_384, 69_632, 589_824]


@pytest.mark.parametrize(
    ("c_in", "c_r", "c_out", "k", "expand"), [(192, 16, 32, 5, False), (256, 64, 256, 3, True)]
)
def test_reduce_then_conv_matches_pytorch(
    recipes: DeckRecipes, c_in: int, c_r: int, c_out: int, k: int, expand: bool
) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check conv cost")
    from torch.utils.flop_counter import FlopCounterMode

    nn = torch.nn
    layers = [nn.Conv2d(c_in, c_r, 1, bias=False)]
    layers.append(nn.Conv2d(c_r, c_r if expand else c_out, k, padding=k // 2, bias=False))
    if expand:
        layers.append(nn.Conv2d(c_r, c_out, 1, bias=False))
    path = nn.Sequential(*layers)
    with FlopCounterMode(display=False) as counter:
        path(torch.zeros(1, c_in, 28, 28))
    weights = sum(p.numel() for p in path.parameters())
    example = recipes.example(
        "reduce-then-conv",
        in_channels=c_in,
        reduced=c_r,
        out_channels=c_out,
        kernel=k,
        out_size=28,
        expand=expand,
    )
    assert row(table(example), "合计 (total)") == [weights, counter.get_total_flops() // 2]
