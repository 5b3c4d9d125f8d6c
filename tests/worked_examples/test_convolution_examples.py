"""The project's figure and worked-example recipes: deterministic, correct, and
checked against PyTorch where PyTorch computes the same thing."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import REGISTRY, RecipeError, load_recipe_folders
from ankigen.worked import render_worked_example
from dlmath.losses import smoothed_targets
from worked_examples.classification import label_smoothing_loss
from worked_examples.convolution import (
    NETWORKS,
    activation_bytes,
    head_params,
    network_fields,
)

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def refused(name: str, parameter: str, **params: object) -> None:
    assert refused_parameter(name, **params) == parameter


def test_bad_figure_parameter_is_refused_by_name() -> None:
    recipe = REGISTRY.get("figure", "activation")
    assert recipe is not None
    with pytest.raises(RecipeError) as error:
        recipe.call({"name": "relu", "alpha": 2.0})
    assert error.value.parameter == "alpha"


def conv_example(**params: int) -> str:
    recipe = REGISTRY.get("example", "conv-output-size")
    assert recipe is not None
    return render_worked_example("conv-output-size", recipe.call(params))


def test_conv_output_size_hand_checked() -> None:
    # ResNet's stem: (224 + 2*3 - 7) / 2 = 111.5, floor 111, plus 1 = 112.
    html = conv_example(size=224, kernel=7, stride=2, padding=3)
    assert "\\(= \\lfloor 111.5 \\rfloor + 1 = 112\\)" in html
    # Dilation 2 turns a 3x3 kernel into an effective 5x5: 32 - 5 + 1 = 28.
    html = conv_example(size=32, kernel=3, dilation=2)
    assert "\\(k' = d(k-1)+1\\)" in html and "\\(= 2\\times(3-1)+1\\)" in html
    assert "\\(= 5\\)" in html
    assert "= 28\\)" in html


def test_transposed_conv_output_size_hand_checked() -> None:
    # DCGAN-style upsampling: (4-1)*2 + 4 = 10 before cropping, 10 - 2*1 + 0 = 8 (doubles 4).
    html = render("transposed-conv-output-size")
    assert "\\(= (4-1)\\times2 + 4\\)" in html and "\\(= 10\\)" in html
    assert "\\(= 10 - 2\\times1 + 0\\)" in html
    assert "\\(= 8\\)" in html
    # Conv2d(k=4, s=2, p=1) maps 8 back to floor((8 + 2 - 4)/2) + 1 = 4.
    assert "\\(= 4\\)" in html
    refused("transposed-conv-output-size", "output_padding", stride=2, output_padding=2)
    refused("transposed-conv-output-size", "padding", size=1, kernel=1, padding=1)


def test_receptive_field_hand_checked() -> None:
    # Three 3x3, stride 1: r = 1 + 2 + 2 + 2 = 7, jump stays 1.
    html = render("receptive-field")
    assert "\\(r_{3} = r_{2} + (k'-1)\\,j_{2}\\)" in html and "\\(= 5 + (3-1)\\times1\\)" in html
    assert "\\(= 7\\)" in html and "输入上 \\(7\\times7\\) 的区域" in html
    refused("receptive-field", "strides", kernels=[3, 3], strides=[1], dilations=[1, 1])
    refused("receptive-field", "dilations", dilations=[1, 0, 1])


def test_conv_params_hand_checked() -> None:
    # 3*3*64 = 576 weights per filter, *128 = 73,728, + 128 biases = 73,856.
    html = render("conv-params")
    assert "\\(= 576\\times128\\)" in html and "\\(= 73\\,856\\)" in html
    html = render("conv-params", in_channels=32, out_channels=32, groups=32, bias=False)
    assert "\\(= \\frac{9216}{32}\\)" in html
    refused("conv-params", "groups", in_channels=64, out_channels=100, groups=8)


def test_conv_flops_hand_checked() -> None:
    # 3*3*64 = 576 MACs per output, 128*56*56 = 401,408 outputs: 231,211,008 MACs,
    # 462,422,016 FLOPs (2 per multiply-add).
    html = render("conv-flops")
    assert "\\(= 231\\,211\\,008\\)" in html and "\\(= 462\\,422\\,016\\)" in html
    refused("conv-flops", "out_size", out_size=0)


def test_stacked_vs_large_kernel_hand_checked() -> None:
    # 5x5: 25 C^2 vs two 3x3: 18 C^2, ratio 18/25 = 0.72; field 1 + 2*2 = 5.
    html = render("stacked-vs-large-kernel")
    assert "\\(= \\frac{18}{25}\\)" in html and "\\(= 0.72\\)" in html
    assert "\\(= 102\\,400\\)" in html and "\\(= 73\\,728\\)" in html
    # 7x7: 49 C^2 vs three 3x3: 27 C^2, ratio 27/49 = 0.5510; field 1 + 3*2 = 7.
    html = render("stacked-vs-large-kernel", large_kernel=7)
    assert "\\(= \\frac{27}{49}\\)" in html and "\\(= 0.551\\)" in html and "\\(= 7\\)" in html
    refused("stacked-vs-large-kernel", "large_kernel", large_kernel=4)


def test_depthwise_separable_cost_hand_checked() -> None:
    # 9*64*128*56^2 = 231,211,008; depthwise 9*64*3136 = 1,806,336; pointwise
    # 64*128*3136 = 25,690,112; ratio 27,496,448 / 231,211,008 = 1/128 + 1/9 = 0.1189.
    html = render("depthwise-separable-cost")
    for text in ("231\\,211\\,008", "1\\,806\\,336", "25\\,690\\,112", "27\\,496\\,448"):
        assert f"\\(= {text}\\)" in html
    assert html.count("\\(= 0.1189\\)") == 2


def test_gap_vs_fc_params_hand_checked() -> None:
    # 512*7*7 = 25,088 inputs: 25,088*1000 + 1000 = 25,089,000 vs 512*1000 + 1000 = 513,000;
    # ratio 48.906...
    html = render("gap-vs-fc-params")
    assert "\\(= 25\\,089\\,000\\)" in html and "\\(= 513\\,000\\)" in html
    assert "\\(= 48.91\\)" in html
    refused("gap-vs-fc-params", "classes", classes=0)


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


def test_label_smoothing_hand_checked() -> None:
    # K=5, eps=0.1: target 1 - 0.1 + 0.02 = 0.92, others 0.1/5 = 0.02.
    # Logits 3 at the target, 0 elsewhere: p_t = e^3/(e^3 + 4) = 20.0855/24.0855 = 0.8339,
    # one-hot CE = -ln 0.8339 = 0.1816; smoothed CE = 0.92*0.1816 + 4*0.02*ln(24.0855) = 0.4216.
    html = render("label-smoothing")
    assert "\\(= 0.92\\)" in html and "\\(= 0.02\\)" in html
    assert "\\(= 0.1816\\)" in html and "\\(= 0.4216\\)" in html
    # The two terms: 0.9*0.18161 = 0.1635 and 0.02*(5*ln 24.0855 - 3) = 0.02*12.91 = 0.2582.
    assert "\\(= 0.1635 + 0.2582\\)" in html
    # The optimal logit gap ln(0.92/0.02) = ln 46 = 3.829.
    assert "\\(= 3.829\\)" in html
    assert smoothed_targets(4, 0.2, 1).tolist() == pytest.approx([0.05, 0.85, 0.05, 0.05])
    refused("label-smoothing", "target", target=5)
    refused("label-smoothing", "epsilon", epsilon=1.5)
    refused("label-smoothing", "logits", logits=[1.0, 2.0])


def test_label_smoothing_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check label smoothing")
    cases = (
        ([0.0, 0.0, 3.0, 0.0, 0.0], 0.1, 2),
        ([1.0, 2.0, -1.5], 0.2, 0),
        ([5.0, -3.0, 0.5, 2.0, 2.0, -1.0, 0.0], 0.3, 6),
        ([0.3, -0.3], 0.0, 1),
        ([2.0, 1.0, 0.1, -4.0], 1.0, 3),
    )
    for logits, epsilon, target in cases:
        loss = torch.nn.CrossEntropyLoss(label_smoothing=epsilon)
        expected = loss(torch.tensor([logits], dtype=torch.float64), torch.tensor([target]))
        result = label_smoothing_loss(logits, epsilon, target)
        assert result.smoothed_loss == pytest.approx(float(expected), rel=1e-12)
        plain = torch.nn.functional.cross_entropy(
            torch.tensor([logits], dtype=torch.float64), torch.tensor([target])
        )
        assert result.onehot_loss == pytest.approx(float(plain), rel=1e-12)
        # The same loss against the smoothed distribution given as probabilities.
        soft = torch.nn.functional.cross_entropy(
            torch.tensor([logits], dtype=torch.float64),
            torch.tensor([result.targets.tolist()], dtype=torch.float64),
        )
        assert result.smoothed_loss == pytest.approx(float(soft), rel=1e-12)


def test_network_receptive_field_hand_checked() -> None:
    # VGG-16: conv5_3 196, pool5 212 (the 212 of Araujo et al.'s table, effective stride 32).
    html = render("network-receptive-field")
    assert "<td>conv5_3</td><td>\\(16\\)</td><td>\\(196\\)</td>" in html.replace("\n", "")
    assert network_fields(NETWORKS["vgg16"])[-1] == ("pool5", 32, 212)
    # ResNet-50: 483 with the paper's strided 1x1 (Araujo et al.: resnet_v1_50, 483),
    # 427 with torchvision's strided 3x3.
    assert network_fields(NETWORKS["resnet50"])[-1] == ("conv5_x", 32, 483)
    assert network_fields(NETWORKS["resnet50-torchvision"])[-1] == ("conv5_x", 32, 427)
    html = render("network-receptive-field", network="resnet50")
    assert "\\(483\\)" in html and "\\(427\\)" in html
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


def test_activation_memory_hand_checked() -> None:
    # 32*64*224*224 = 102,760,448 elements * 4 B = 411,041,792 B = 392 MiB exactly.
    html = render("activation-memory")
    assert "\\(= 102\\,760\\,448\\)" in html and "\\(= 411\\,041\\,792\\)" in html
    assert "\\(= 392\\ \\text{MiB}\\)" in html
    assert activation_bytes(1, 3, 2, 2, 2) == 24
    refused("activation-memory", "batch", batch=0)


def test_activation_memory_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check tensor sizes")
    for dtype, name in ((torch.float32, "fp32"), (torch.float16, "fp16"), (torch.bfloat16, "bf16")):
        t = torch.empty(32, 64, 224, 224, dtype=dtype, device="meta")
        expected = t.numel() * t.element_size()
        html = render("activation-memory", dtype=name)
        assert f"\\(= {expected:,}\\)".replace(",", "\\,") in html


def test_reduce_then_conv_hand_checked() -> None:
    # Inception (3a) 5x5 branch: 1x1 192->16: 3,072 weights, 2,408,448 MACs; 5x5 16->32:
    # 12,800 weights, 10,035,200 MACs; total 12,443,648 vs direct 120,422,400: 0.103.
    html = render("reduce-then-conv")
    for text in ("2\\,408\\,448", "10\\,035\\,200", "12\\,443\\,648", "120\\,422\\,400"):
        assert f"\\({text}\\)" in html
    assert "\\(= 0.103\\)" in html
    # ResNet bottleneck 256 -> 64 -> 64 -> 256: 16,384 + 36,864 + 16,384 = 69,632 weights.
    html = render(
        "reduce-then-conv", in_channels=256, reduced=64, out_channels=256, kernel=3, expand=True
    )
    assert "\\(69\\,632\\)" in html and "\\(589\\,824\\)" in html
    refused("reduce-then-conv", "reduced", reduced=192)


def test_reduce_then_conv_matches_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check conv cost")
    from torch.utils.flop_counter import FlopCounterMode

    nn = torch.nn
    for c_in, c_r, c_out, k, expand in ((192, 16, 32, 5, False), (256, 64, 256, 3, True)):
        layers = [nn.Conv2d(c_in, c_r, 1, bias=False)]
        layers.append(nn.Conv2d(c_r, c_r if expand else c_out, k, padding=k // 2, bias=False))
        if expand:
            layers.append(nn.Conv2d(c_r, c_out, 1, bias=False))
        path = nn.Sequential(*layers)
        with FlopCounterMode(display=False) as counter:
            path(torch.zeros(1, c_in, 28, 28))
        weights = sum(p.numel() for p in path.parameters())
        html = render(
            "reduce-then-conv",
            in_channels=c_in,
            reduced=c_r,
            out_channels=c_out,
            kernel=k,
            out_size=28,
            expand=expand,
        )
        macs = counter.get_total_flops() // 2
        assert f"\\({weights:,}\\)".replace(",", "\\,") in html
        assert f"\\({macs:,}\\)".replace(",", "\\,") in html


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
