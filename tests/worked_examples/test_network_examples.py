"""Architecture worked examples (ResNet sizes, GoogLeNet/AlexNet parameters, SE overhead,
EfficientNet scaling, h-swish, RepVGG folding, ViT patches, WRN): hand-checked numbers the
cards show, and the same counts from PyTorch modules built here (torchvision is not
installed, so the networks are written out in torch.nn)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as render

from ankigen.recipes import REGISTRY, load_recipe_folders
from ankigen.svg import figure_to_svg
from dlmath.convolution import conv2d
from worked_examples.networks import (
    INCEPTION_TABLE,
    RESNET_STAGES,
    TABLE1_PARAMS_K,
    BlockKind,
    alexnet_params,
    compound_scaling,
    googlenet_params,
    inception_cost,
    inception_params,
    repvgg_branches,
    repvgg_fuse,
    residual_block,
    resnet_size,
    resnet_weight_layers,
    se_extra_params,
    vgg16_size,
    wrn_params,
)

load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


def refused(name: str, parameter: str, **params: object) -> None:
    assert refused_parameter(name, **params) == parameter


# torchvision's model pages: num_params and GFLOPS of resnet18 ... resnet152 (V1.5).
TORCHVISION = {
    18: (11_689_512, 1.81),
    34: (21_797_672, 3.66),
    50: (25_557_032, 4.09),
    101: (44_549_160, 7.80),
    152: (60_192_808, 11.51),
}
# He et al. 2016, Table 1, "FLOPs" (multiply-adds) x 1e9.
PAPER_TABLE1 = {18: 1.8, 34: 3.6, 50: 3.8, 101: 7.6, 152: 11.3}


def test_resnet_sizes_hand_checked() -> None:
    for depth, (params, gflops) in TORCHVISION.items():
        assert resnet_size(depth).params == params
        assert round(resnet_size(depth, stride_on_3x3=True).macs / 1e9, 2) == gflops
        # The paper's Table 1 truncates: 3.66 -> 3.6, 3.86 -> 3.8, 7.57 -> 7.6 (rounded).
        assert abs(resnet_size(depth).macs / 1e9 - PAPER_TABLE1[depth]) < 0.07
        assert resnet_weight_layers(depth) == depth
    html = render("resnet-size")
    assert "\\(25.6\\)" in html and "\\(3.86\\)" in html and "\\(11.3\\)" in html
    html = render("resnet-size", stride_on_3x3=True)
    assert "\\(4.09\\)" in html and "\\(7.8\\)" in html
    html = render("resnet-depth")
    assert "\\(3\\times33+2 = 101\\)" in html and "3, 8, 36, 3" in html
    assert "\\(2\\times8+2 = 18\\)" in html
    refused("resnet-depth", "depths", depths=[20])
    refused("resnet-size", "depths", depths=[])


def torch_resnet(torch: Any, depth: int, stride_on_3x3: bool) -> Any:
    """A ResNet written out in torch.nn the way torchvision builds it."""
    nn = torch.nn
    kind, blocks = RESNET_STAGES[depth]
    expansion = 1 if kind == "basic" else 4

    module: Any = nn.Module

    class Block(module):  # type: ignore[misc]
        def __init__(self, cin: int, width: int, stride: int) -> None:
            super().__init__()
            out = width * expansion
            if kind == "basic":
                specs = [(cin, width, 3, stride), (width, width, 3, 1)]
            else:
                s1, s3 = (1, stride) if stride_on_3x3 else (stride, 1)
                specs = [(cin, width, 1, s1), (width, width, 3, s3), (width, out, 1, 1)]
            layers: list[Any] = []
            for i, (a, b, k, s) in enumerate(specs):
                layers += [nn.Conv2d(a, b, k, s, k // 2, bias=False), nn.BatchNorm2d(b)]
                if i + 1 < len(specs):
                    layers.append(nn.ReLU())
            self.body = nn.Sequential(*layers)
            self.short = (
                nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))
                if stride != 1 or cin != out
                else nn.Identity()
            )

        def forward(self, x: Any) -> Any:
            return torch.relu(self.body(x) + self.short(x))

    layers: list[Any] = [
        nn.Conv2d(3, 64, 7, 2, 3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
    ]
    cin = 64
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        for index in range(count):
            layers.append(Block(cin, width, 2 if stage > 0 and index == 0 else 1))
            cin = width * expansion
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)]
    return nn.Sequential(*layers)


def count_macs(torch: Any, model: Any, image: int) -> int:
    """Multiply-adds of every Conv2d and Linear, from output shapes (meta tensors)."""
    total = 0

    def hook(module: Any, _inputs: Any, output: Any) -> None:
        nonlocal total
        if isinstance(module, torch.nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total += k * module.in_channels // module.groups * output.numel()
        elif isinstance(module, torch.nn.Linear):
            total += module.in_features * output.numel()

    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d | torch.nn.Linear):
            module.register_forward_hook(hook)
    model(torch.empty(1, 3, image, image, device="meta"))
    return total


@pytest.mark.parametrize("depth", sorted(RESNET_STAGES))
def test_resnet_size_matches_torch_modules(depth: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check ResNet sizes")
    for stride_on_3x3 in (False, True):
        with torch.device("meta"):
            model = torch_resnet(torch, depth, stride_on_3x3)
        expected = resnet_size(depth, stride_on_3x3)
        assert sum(p.numel() for p in model.parameters()) == expected.params
        assert count_macs(torch, model, 224) == expected.macs


def test_residual_block_params_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check block sizes")
    html = render("resnet-block-params")
    assert "\\(16\\,384\\)" in html and "\\(36\\,864\\)" in html
    assert "\\(= 69\\,632\\)" in html and "\\(70\\,400\\)" in html
    html = render("resnet-block-params", kind="basic", in_channels=64, width=64)
    assert "\\(= 73\\,728\\)" in html and "\\(73\\,984\\)" in html
    cases: list[tuple[BlockKind, int, int, int]] = [
        ("basic", 64, 64, 1),
        ("basic", 64, 128, 2),
        ("bottleneck", 256, 64, 1),
        ("bottleneck", 64, 64, 1),
        ("bottleneck", 512, 256, 2),
    ]
    for kind, cin, width, stride in cases:
        with torch.device("meta"):
            model = torch_resnet(torch, 18 if kind == "basic" else 50, True)
        blocks = [m for m in model.modules() if type(m).__name__ == "Block"]
        matching = [
            b
            for b in blocks
            if b.body[0].in_channels == cin
            and b.body[0].out_channels == width
            and (b.body[0].stride[0] == stride or b.body[3].stride[0] == stride)
        ]
        assert matching, (kind, cin, width, stride)
        expected = sum(layer.params for layer in residual_block(kind, cin, width, stride, 7, True))
        assert sum(p.numel() for p in matching[0].parameters()) == expected
    refused("resnet-block-params", "stride", stride=3)
    refused("resnet-block-params", "width", width=0)


def test_googlenet_and_alexnet_params() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check parameters")
    nn = torch.nn
    # inception (3a) by hand: 192*64 + 192*96 + 9*96*128 + 192*16 + 25*16*32 + 192*32.
    assert inception_params(INCEPTION_TABLE["3a"]) == 163_328
    for row in INCEPTION_TABLE.values():
        cin, n1, r3, n3, r5, n5, pool = row
        convs = [
            nn.Conv2d(cin, n1, 1, bias=False),
            nn.Conv2d(cin, r3, 1, bias=False),
            nn.Conv2d(r3, n3, 3, bias=False),
            nn.Conv2d(cin, r5, 1, bias=False),
            nn.Conv2d(r5, n5, 5, bias=False),
            nn.Conv2d(cin, pool, 1, bias=False),
        ]
        assert sum(p.numel() for c in convs for p in c.parameters()) == inception_params(row)
    assert sum(googlenet_params().values()) == 6_990_272
    assert round(sum(TABLE1_PARAMS_K.values()), 1) == 6797.7
    # Table 1 counts in K = 1024: the second conv's 114,688 weights are its 112K.
    assert googlenet_params()["conv 3×3"] / 1024 == TABLE1_PARAMS_K["conv 3×3"]
    alexnet = nn.Sequential(
        nn.Conv2d(3, 96, 11, 4),
        nn.Conv2d(96, 256, 5, padding=2, groups=2),
        nn.Conv2d(256, 384, 3, padding=1),
        nn.Conv2d(384, 384, 3, padding=1, groups=2),
        nn.Conv2d(384, 256, 3, padding=1, groups=2),
        nn.Linear(9216, 4096),
        nn.Linear(4096, 4096),
        nn.Linear(4096, 1000),
    )
    assert sum(p.numel() for p in alexnet.parameters()) == alexnet_params() == 60_965_224
    html = render("googlenet-params")
    assert "\\(6797.7\\)" in html and "\\(6\\,990\\,272\\)" in html
    assert "\\(159.5\\)" in html and "\\(112\\)" in html
    assert "\\(= 8.72\\)" in html


def test_se_params_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check SE blocks")
    nn = torch.nn
    total = 0
    for count, channels in zip((3, 4, 6, 3), (256, 512, 1024, 2048), strict=True):
        se = nn.Sequential(
            nn.Linear(channels, channels // 16, bias=False),
            nn.ReLU(),
            nn.Linear(channels // 16, channels, bias=False),
            nn.Sigmoid(),
        )
        total += count * sum(p.numel() for p in se.parameters())
    assert se_extra_params(50, 16) == total == 2_514_944
    html = render("se-params")
    assert "\\(= 2\\,514\\,944\\)" in html and "\\(= 0.0984\\)" in html
    refused("se-params", "reduction", reduction=3)
    refused("se-params", "depth", depth=20)


def test_efficientnet_scaling_hand_checked() -> None:
    # 1.2 * 1.21 * 1.3225 = 1.920...; phi = 2 doubles twice: 1.92^2 = 3.69.
    *_, flops = compound_scaling(1.2, 1.1, 1.15, 1)
    assert flops == pytest.approx(1.9203, abs=1e-4)
    html = render("efficientnet-scaling")
    assert "\\(= 1.92\\)" in html and "\\(3.69\\)" in html and "\\(1.44\\)" in html
    refused("efficientnet-scaling", "beta", beta=0.9)
    refused("efficientnet-scaling", "phis", phis=[9])


def test_hswish_values_card() -> None:
    html = render("hswish-values")
    assert "\\(-0.3333\\)" in html and "\\(0.6667\\)" in html and "\\(2.858\\)" in html
    refused("hswish-values", "points", points=[])


def test_repvgg_fuse_matches_torch_branches() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check RepVGG")
    nn = torch.nn
    rng = np.random.default_rng(0)
    channels = 3
    conv3 = nn.Conv2d(channels, channels, 3, padding=1, bias=False).double()
    conv1 = nn.Conv2d(channels, channels, 1, bias=False).double()
    norms = [nn.BatchNorm2d(channels).double() for _ in range(3)]
    stats = []
    for norm in norms:
        with torch.no_grad():
            norm.weight.copy_(torch.tensor(rng.uniform(0.5, 2, channels)))
            norm.bias.copy_(torch.tensor(rng.normal(size=channels)))
            norm.running_mean.copy_(torch.tensor(rng.normal(size=channels)))
            norm.running_var.copy_(torch.tensor(rng.uniform(0.5, 3, channels)))
        norm.eval()
        stats.append(
            np.stack(
                [
                    t.detach().numpy()
                    for t in (norm.weight, norm.bias, norm.running_mean, norm.running_var)
                ]
            )
        )
    x = torch.tensor(rng.normal(size=(1, channels, 5, 6)))
    with torch.no_grad():
        reference = (norms[0](conv3(x)) + norms[1](conv1(x)) + norms[2](x))[0].numpy()
    k3 = conv3.weight.detach().numpy()
    k1 = conv1.weight.detach().numpy()
    fused = repvgg_fuse(k3, k1, stats[0], stats[1], stats[2], 1e-5)
    merged = torch.nn.functional.conv2d(
        x, torch.tensor(fused.kernel), torch.tensor(fused.bias), padding=1
    )[0].numpy()
    assert np.allclose(merged, reference, atol=1e-10)
    # The numpy helpers of the example agree with torch as well.
    assert np.allclose(
        repvgg_branches(x[0].numpy(), k3, k1, stats[0], stats[1], stats[2], 1e-5),
        reference,
        atol=1e-10,
    )
    assert np.allclose(
        conv2d(x[0].numpy(), fused.kernel, fused.bias, padding=1), merged, atol=1e-10
    )
    # The card: kernel centre 1/2*2 + 2*3 + 1/2 = 7.5, bias 0.5 - 2 - 2 = -3.5.
    html = render("repvgg-merge")
    assert "0.5 &amp; 7.5 &amp; 0.5" in html and "\\(= -3.5\\)" in html
    refused("repvgg-merge", "bn1", bn1=[1.0, 0.0, 0.0, 0.0])
    refused("repvgg-merge", "kernel3", kernel3=[1.0])


def test_vit_patch_embedding_matches_conv() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check ViT patches")
    conv = torch.nn.Conv2d(3, 768, 16, 16)
    with torch.device("meta"):
        out = torch.nn.Conv2d(3, 768, 16, 16, device="meta")(torch.empty(1, 3, 224, 224))
    assert tuple(out.shape) == (1, 768, 14, 14)
    assert sum(p.numel() for p in conv.parameters()) == 590_592
    html = render("vit-patch-embedding")
    assert "\\(= 196\\)" in html and "\\(= 768\\)" in html and "\\(= 590\\,592\\)" in html
    refused("vit-patch-embedding", "image", image=225)


def test_wrn_params_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check WRN")
    nn = torch.nn

    def block(cin: int, width: int) -> list[Any]:
        layers = [nn.BatchNorm2d(cin), nn.Conv2d(cin, width, 3, padding=1, bias=False)]
        layers += [nn.BatchNorm2d(width), nn.Conv2d(width, width, 3, padding=1, bias=False)]
        if cin != width:
            layers.append(nn.Conv2d(cin, width, 1, bias=False))
        return layers

    for depth, widen in ((28, 10), (16, 8), (40, 4)):
        n = (depth - 4) // 6
        with torch.device("meta"):
            layers: list[Any] = [nn.Conv2d(3, 16, 3, padding=1, bias=False)]
            cin = 16
            for width in (16 * widen, 32 * widen, 64 * widen):
                for _ in range(n):
                    layers += block(cin, width)
                    cin = width
            model = nn.Sequential(*layers, nn.BatchNorm2d(cin), nn.Linear(cin, 10))
        assert sum(p.numel() for p in model.parameters()) == wrn_params(depth, widen, 10)
    # Zagoruyko & Komodakis 2016, Table 4: WRN-28-10 has 36.5M parameters.
    assert round(wrn_params(28, 10, 10) / 1e6, 1) == 36.5
    html = render("wrn-params")
    assert "\\(= 4\\)" in html and "160,\\ 320,\\ 640" in html and "36\\,479\\,194" in html
    refused("wrn-params", "depth", depth=27)


def card_code(card_id: str) -> str:
    """The python block of a card in classic-networks.md (the code lives on the card only)."""
    text = (REPO / "content" / "classic-networks.md").read_text(encoding="utf-8")
    card = text.split(f"{{#{card_id}}}", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", card, re.DOTALL)
    assert match, card_id
    return match.group(1)


def test_channel_shuffle_card_code() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    namespace: dict[str, Any] = {}
    exec(card_code("net-shufflenet-channel-shuffle"), namespace)
    x = torch.arange(6.0).view(1, 6, 1, 1)
    # Groups (0 1 2)(3 4 5) interleave to 0 3 1 4 2 5: each new group takes one from each.
    shuffled = namespace["channel_shuffle"](x, 2).flatten().tolist()
    assert shuffled == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    y = torch.randn(2, 12, 3, 3)
    out = namespace["channel_shuffle"](y, 3)
    assert out.shape == y.shape and torch.equal(out.sort(dim=1).values, y.sort(dim=1).values)


def test_vgg16_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check VGG-16")
    nn = torch.nn
    layers: list[Any] = []
    channels = 3
    with torch.device("meta"):
        for count, width in ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)):
            for _ in range(count):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
                channels = width
            layers.append(nn.MaxPool2d(2))
        layers += [nn.Flatten(), nn.Linear(25088, 4096), nn.Linear(4096, 4096)]
        model = nn.Sequential(*layers, nn.Linear(4096, 1000))
    size = vgg16_size()
    # torchvision's vgg16 page: num_params 138357544, GFLOPS 15.47.
    assert sum(p.numel() for p in model.parameters()) == 138_357_544
    assert size.conv_params + size.fc_params == 138_357_544
    assert count_macs(torch, model, 224) == size.macs
    assert round(size.macs / 1e9, 2) == 15.47
    html = render("vgg16-params")
    assert "\\(102\\,764\\,544\\)" in html and "\\(= 0.894\\)" in html
    # Conv layers alone: 15.3e9, the figure He et al. 2016 quote for VGG-16.
    assert "\\(15.3\\)" in html and "\\(0.124\\)" in html


def test_inception_naive_hand_checked() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check Inception")
    nn = torch.nn
    cost = inception_cost("3a")
    # Naive (3a): 28*28*192*(64 + 9*128 + 25*32) = 303,464,448 multiply-adds.
    assert cost.naive_macs == 28 * 28 * 192 * (64 + 9 * 128 + 25 * 32) == 303_464_448
    assert (cost.naive_channels, cost.channels) == (416, 256)
    convs = [nn.Conv2d(192, 64, 1), nn.Conv2d(192, 128, 3, padding=1)]
    convs.append(nn.Conv2d(192, 32, 5, padding=2))
    with torch.device("meta"):
        model = nn.ModuleList(convs)
        x = torch.empty(1, 192, 28, 28)
        macs = 0
        outputs = []
        for conv in model:
            out = conv(x)
            outputs.append(out)
            macs += conv.kernel_size[0] ** 2 * conv.in_channels * out.numel()
        pooled = nn.MaxPool2d(3, 1, 1)(x)
        joined = torch.cat([*outputs, pooled], dim=1)
    assert macs == cost.naive_macs and joined.shape[1] == cost.naive_channels
    html = render("inception-naive")
    assert "\\(= 416\\)" in html and "\\(= 2.37\\)" in html
    refused("inception-naive", "module", module="6a")


@pytest.mark.parametrize("kind", ["inverted", "convnext", "residual", "bottleneck"])
def test_block_figures_label_their_layers(kind: str) -> None:
    recipe = REGISTRY.get("figure", "architecture-block")
    assert recipe is not None
    figure = recipe.call({"kind": kind})
    labels = [text.get_text() for axes in figure.axes for text in axes.texts]
    # ResNet blocks end with a ReLU after the addition; MobileNetV2 and ConvNeXt do not.
    after_add = labels[labels.index("+") + 1 :]
    assert ("ReLU" in after_add) == (kind in ("residual", "bottleneck"))
    expected = {
        "inverted": ["1×1 conv, 24→144", "3×3 depthwise, 144", "linear 1×1, 144→24"],
        "convnext": ["7×7 depthwise, 96", "LayerNorm", "1×1 conv, 96→384", "GELU"],
        "residual": ["3×3 conv, 64, BN"],
        "bottleneck": ["1×1 conv, 256→64"],
    }[kind]
    assert all(label in labels for label in expected)
    svg = figure_to_svg(recipe.call({"kind": kind}), salt=kind)
    assert svg == figure_to_svg(recipe.call({"kind": kind}), salt=kind)
