"""worked_examples/networks.py: ResNet sizes, GoogLeNet/AlexNet parameters, SE overhead,
EfficientNet scaling, h-swish, RepVGG folding, ViT patches, WRN, VGG-16 and Inception:
hand-checked numbers the cards show, and the same counts from PyTorch modules built here
(torchvision is not installed, so the networks are written out in torch.nn); and the
channel shuffle code on card net-shufflenet-channel-shuffle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import DeckRecipes
from example_values import card_code, column, numbers, result, row, step, table

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


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("resnet-depth", {"depths": [20]}, "depths"),
        ("resnet-size", {"depths": []}, "depths"),
        ("resnet-block-params", {"stride": 3}, "stride"),
        ("resnet-block-params", {"width": 0}, "width"),
        ("se-params", {"reduction": 3}, "reduction"),
        ("se-params", {"depth": 20}, "depth"),
        ("efficientnet-scaling", {"beta": 0.9}, "beta"),
        ("efficientnet-scaling", {"phis": [9]}, "phis"),
        ("hswish-values", {"points": []}, "points"),
        ("repvgg-merge", {"bn1": [1.0, 0.0, 0.0, 0.0]}, "bn1"),
        ("repvgg-merge", {"kernel3": [1.0]}, "kernel3"),
        ("vit-patch-embedding", {"image": 225}, "image"),
        ("wrn-params", {"depth": 27}, "depth"),
        ("inception-naive", {"module": "6a"}, "module"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


def count_params(module: Any) -> int:
    return sum(p.numel() for p in module.parameters())


# --- resnet-size, resnet-depth, resnet-block-params ----------------------------------------

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


def test_resnet_sizes_hand_checked(recipes: DeckRecipes) -> None:
    for depth, (params, gflops) in TORCHVISION.items():
        assert resnet_size(depth).params == params
        assert round(resnet_size(depth, stride_on_3x3=True).macs / 1e9, 2) == gflops
        # The paper's Table 1 truncates: 3.66 -> 3.6, 3.86 -> 3.8, 7.57 -> 7.6 (rounded).
        assert abs(resnet_size(depth).macs / 1e9 - PAPER_TABLE1[depth]) < 0.07
        assert resnet_weight_layers(depth) == depth
    paper = table(recipes.example("resnet-size"))
    assert row(paper, "50") == [25.6, 3.86] and row(paper, "152")[1] == 11.3
    torchvision = table(recipes.example("resnet-size", stride_on_3x3=True))
    assert row(torchvision, "50") == [25.6, 4.09] and row(torchvision, "101")[1] == 7.8
    depths = table(recipes.example("resnet-depth"))
    assert row(depths, "18") == [2, 2, 2, 2, 2, 8, 2, 18]  # 2 x 8 + 2 = 18
    assert row(depths, "101") == [3, 4, 23, 3, 3, 33, 2, 101]
    assert row(depths, "152")[:4] == [3, 8, 36, 3]


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
        assert count_params(model) == expected.params
        assert count_macs(torch, model, 224) == expected.macs


def test_residual_block_params_hand_checked(recipes: DeckRecipes) -> None:
    # Bottleneck 256 -> 64 -> 64 -> 256: 16,384 + 36,864 + 16,384 = 69,632 weights, + 768 BN.
    bottleneck = recipes.example("resnet-block-params")
    assert column(table(bottleneck), "卷积权重") == [16_384, 36_864, 16_384]
    assert result(bottleneck, "(weights)") == 69_632
    assert result(bottleneck, "(with BN)") == 70_400
    # Basic 64 -> 64: 2 * 9 * 64 * 64 = 73,728 weights, + 256 BN.
    basic = recipes.example("resnet-block-params", kind="basic", in_channels=64, width=64)
    assert result(basic, "(weights)") == 73_728
    assert result(basic, "(with BN)") == 73_984


def test_residual_block_params_match_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check block sizes")
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
        assert count_params(matching[0]) == expected


# --- googlenet-params, inception-naive ----------------------------------------------------


def test_googlenet_and_alexnet_params(recipes: DeckRecipes) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check parameters")
    nn = torch.nn
    # inception (3a) by hand: 192*64 + 192*96 + 9*96*128 + 192*16 + 25*16*32 + 192*32.
    assert inception_params(INCEPTION_TABLE["3a"]) == 163_328
    for row_of_table in INCEPTION_TABLE.values():
        cin, n1, r3, n3, r5, n5, pool = row_of_table
        convs = [
            nn.Conv2d(cin, n1, 1, bias=False),
            nn.Conv2d(cin, r3, 1, bias=False),
            nn.Conv2d(r3, n3, 3, bias=False),
            nn.Conv2d(cin, r5, 1, bias=False),
            nn.Conv2d(r5, n5, 5, bias=False),
            nn.Conv2d(cin, pool, 1, bias=False),
        ]
        assert sum(count_params(c) for c in convs) == inception_params(row_of_table)
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
    assert count_params(alexnet) == alexnet_params() == 60_965_224
    example = recipes.example("googlenet-params")
    layers = table(example)
    assert row(layers, "3a") == [159, 159.5] and row(layers, "conv 3×3") == [112, 112]
    assert result(example, "表 1 参数列合计") == 6797.7
    assert result(example, "重算合计") == 6_990_272
    assert result(example, "(ratio)") == 8.72


def test_inception_naive_hand_checked(recipes: DeckRecipes) -> None:
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
    example = recipes.example("inception-naive")
    assert result(example, "朴素模块的输出通道") == 416
    assert result(example, "朴素模块的乘加次数") == 303_464_448
    assert result(example, "比例") == 2.37


# --- se-params, efficientnet-scaling, hswish-values ----------------------------------------


def test_se_params_match_torch(recipes: DeckRecipes) -> None:
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
        total += count * count_params(se)
    assert se_extra_params(50, 16) == total == 2_514_944
    example = recipes.example("se-params")
    assert result(example, "合计") == 2_514_944
    assert result(example, "占 ResNet-50 参数的比例") == 0.0984


def test_efficientnet_scaling_hand_checked(recipes: DeckRecipes) -> None:
    # 1.2 * 1.21 * 1.3225 = 1.920...; phi = 2 doubles twice: 1.92^2 = 3.69.
    *_, flops = compound_scaling(1.2, 1.1, 1.15, 1)
    assert flops == pytest.approx(1.9203, abs=1e-4)
    example = recipes.example("efficientnet-scaling")
    assert result(example, "FLOPs 的倍数") == 1.92
    assert row(table(example), 2) == [1.44, 1.21, 1.32, 3.69]  # depth, width, resolution, FLOPs


def test_hswish_values_hand_checked(recipes: DeckRecipes) -> None:
    # h-swish(-1) = -1 * 2/6 = -0.3333, h-swish(1) = 4/6 = 0.6667; swish(3) = 3 sigma(3) = 2.858.
    values = table(recipes.example("hswish-values"))
    assert row(values, -1) == [0.3333, -0.3333, -0.2689]
    assert row(values, 1)[1] == 0.6667 and row(values, 3)[2] == 2.858


# --- repvgg-merge --------------------------------------------------------------------------


def test_repvgg_fuse_matches_torch_branches(recipes: DeckRecipes) -> None:
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
    example = recipes.example("repvgg-merge")
    kernel = numbers(step(example, "(sum of kernels)").result)
    assert kernel == [0, 0.5, 0, 0.5, 7.5, 0.5, 0, 0.5, 0]
    assert result(example, "(sum of biases)") == -3.5
    three_branches = numbers(step(example, "三分支之和").result)
    assert numbers(step(example, "合并后的单个").result) == three_branches


# --- vit-patch-embedding, wrn-params, vgg16-params ----------------------------------------


def test_vit_patch_embedding_matches_conv(recipes: DeckRecipes) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check ViT patches")
    conv = torch.nn.Conv2d(3, 768, 16, 16)
    with torch.device("meta"):
        out = torch.nn.Conv2d(3, 768, 16, 16, device="meta")(torch.empty(1, 3, 224, 224))
    assert tuple(out.shape) == (1, 768, 14, 14)
    assert count_params(conv) == 590_592
    example = recipes.example("vit-patch-embedding")
    assert result(example, "序列长度") == 196
    assert result(example, "展平后的长度") == 768
    assert result(example, "线性投影的参数") == 590_592


def test_wrn_params_match_torch(recipes: DeckRecipes) -> None:
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
        assert count_params(model) == wrn_params(depth, widen, 10)
    # Zagoruyko & Komodakis 2016, Table 4: WRN-28-10 has 36.5M parameters.
    assert round(wrn_params(28, 10, 10) / 1e6, 1) == 36.5
    example = recipes.example("wrn-params")
    assert result(example, "每组的块数") == 4
    assert numbers(step(example, "三组的宽度").result) == [160, 320, 640]
    assert result(example, "参数量") == 36_479_194


def test_vgg16_matches_torch(recipes: DeckRecipes) -> None:
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
    assert count_params(model) == 138_357_544
    assert size.conv_params + size.fc_params == 138_357_544
    assert count_macs(torch, model, 224) == size.macs
    assert round(size.macs / 1e9, 2) == 15.47
    example = recipes.example("vgg16-params")
    assert result(example, "其中第一个") == 102_764_544
    assert result(example, "全连接层的占比") == 0.894
    # Conv layers alone: 15.3e9, the figure He et al. 2016 quote for VGG-16.
    assert result(example, "卷积层乘加") == 15.3
    assert result(example, "全连接层乘加") == 0.124


# --- the channel shuffle code of card net-shufflenet-channel-shuffle (no recipe) -----------


def test_channel_shuffle_card_code() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    namespace: dict[str, Any] = {}
    exec(card_code("classic-networks.md", "net-shufflenet-channel-shuffle"), namespace)
    x = torch.arange(6.0).view(1, 6, 1, 1)
    # Groups (0 1 2)(3 4 5) interleave to 0 3 1 4 2 5: each new group takes one from each.
    shuffled = namespace["channel_shuffle"](x, 2).flatten().tolist()
    assert shuffled == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    y = torch.randn(2, 12, 3, 3)
    out = namespace["channel_shuffle"](y, 3)
    assert out.shape == y.shape and torch.equal(out.sort(dim=1).values, y.sort(dim=1).values)
