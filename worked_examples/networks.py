"""Classic and modern CNN architectures: parameter and multiply-add counts, SE overhead,
EfficientNet's compound scaling, h-swish, RepVGG's branch folding, ViT's patch embedding.

Sources: He et al. 2016 (Deep Residual Learning, Table 1: stages, blocks, "FLOPs" that are
multiply-adds); the torchvision ResNet (projection shortcut 1x1 conv + BN wherever the shape
changes, BN with a weight and a bias per channel, running statistics are buffers, not
parameters; "V1.5" puts the stride on the 3x3 conv); Szegedy et al. 2015 (GoogLeNet, Table 1
filter counts); Krizhevsky et al. 2012 (AlexNet, section 3.5, two-GPU grouping); Hu et al.
2018 (Squeeze-and-Excitation, eq. 5: (2/r) sum_s N_s C_s^2 extra weights); Tan & Le 2019
(EfficientNet, eq. 3); Howard et al. 2019 (MobileNetV3, section 5.2: h-swish); Ding et al.
2021 (RepVGG, section 3.3: fold BN, pad 1x1 to 3x3, identity as a 3x3 kernel); Zagoruyko &
Komodakis 2016 (Wide ResNet: pre-activation basic blocks, widths 16k, 32k, 64k); Dosovitskiy
et al. 2021 (ViT, section 3.1: P x P patches, linear projection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import at_least, between, checked_values
from dlmath.activations import hard_sigmoid, hard_swish, silu
from dlmath.convolution import conv2d, conv_output_size, conv_params
from dlmath.layer_params import batchnorm_params, linear_params
from dlmath.normalization import fold_batchnorm

from ._latex import pmatrix
from ._params import counts

Array = npt.NDArray[np.float64]
BlockKind = Literal["basic", "bottleneck"]

# He et al. 2016, Table 1: block type and blocks per stage (conv2_x .. conv5_x).
RESNET_STAGES: dict[int, tuple[BlockKind, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
STAGE_WIDTHS = (64, 128, 256, 512)  # the 3x3 conv's width in each stage
EXPANSION = {"basic": 1, "bottleneck": 4}
CLASSES = 1000
IMAGE = 224


@dataclass(frozen=True, slots=True)
class Layer:
    name: str
    weights: int
    bn: int
    macs: int

    @property
    def params(self) -> int:
        return self.weights + self.bn


def residual_block(
    kind: BlockKind, in_channels: int, width: int, stride: int, out_size: int, stride_on_3x3: bool
) -> list[Layer]:
    """Layers of one torchvision-style block: convs without bias, each followed by BN; a 1x1
    projection (conv + BN) where the stride or the channel count changes (option B)."""
    out_channels = width * EXPANSION[kind]
    area = out_size * out_size
    if kind == "basic":
        convs = [("3×3", in_channels, width, 3, area), ("3×3", width, width, 3, area)]
    else:
        # The original puts the stride on the first 1x1 (it then sees the output grid);
        # V1.5 strides the 3x3, so the first 1x1 runs on the input grid.
        first_area = area * (stride * stride if stride_on_3x3 else 1)
        convs = [
            ("1×1", in_channels, width, 1, first_area),
            ("3×3", width, width, 3, area),
            ("1×1", width, out_channels, 1, area),
        ]
    layers = [
        Layer(
            f"{name} {cin}→{cout}",
            conv_params(cin, cout, k, 1, bias=False),
            batchnorm_params(cout),
            conv_params(cin, cout, k, 1, bias=False) * where,
        )
        for name, cin, cout, k, where in convs
    ]
    if stride != 1 or in_channels != out_channels:
        weights = conv_params(in_channels, out_channels, 1, 1, bias=False)
        layers.append(
            Layer(
                f"投影 1×1 {in_channels}→{out_channels}",
                weights,
                batchnorm_params(out_channels),
                weights * area,
            )
        )
    return layers


@dataclass(frozen=True, slots=True)
class NetworkSize:
    params: int
    macs: int


def resnet_size(depth: int, stride_on_3x3: bool = False, image: int = IMAGE) -> NetworkSize:
    """Parameters and multiply-adds (convs and the classifier; BN, ReLU, pooling and additions
    not counted) of ResNet-depth on an image x image input, 1000 classes."""
    kind, blocks = RESNET_STAGES[depth]
    stem_size = conv_output_size(image, 7, 2, 3, 1)
    stem = conv_params(3, 64, 7, 1, bias=False)
    params, macs = stem + batchnorm_params(64), stem * stem_size * stem_size
    size = conv_output_size(stem_size, 3, 2, 1, 1)  # 3x3 max pooling, stride 2
    channels = 64
    for stage, (count, width) in enumerate(zip(blocks, STAGE_WIDTHS, strict=True)):
        for index in range(count):
            stride = 2 if stage > 0 and index == 0 else 1
            size = conv_output_size(size, 1, stride, 0, 1)
            for layer in residual_block(kind, channels, width, stride, size, stride_on_3x3):
                params, macs = params + layer.params, macs + layer.macs
            channels = width * EXPANSION[kind]
    params += linear_params(channels, CLASSES)
    macs += channels * CLASSES
    return NetworkSize(params, macs)


def resnet_weight_layers(depth: int) -> int:
    """Counted as in the paper's names: the stem conv, every conv of the blocks, the FC."""
    kind, blocks = RESNET_STAGES[depth]
    return {"basic": 2, "bottleneck": 3}[kind] * sum(blocks) + 2


def _depths(depths: list[int] | None) -> list[int]:
    """The ResNet depths a card asks for: all five of Table 1 by default."""
    chosen = depths if depths is not None else sorted(RESNET_STAGES)
    if not 1 <= len(chosen) <= 5 or any(d not in RESNET_STAGES for d in chosen):
        raise BadParameter("depths", f"give 1 to 5 of {sorted(RESNET_STAGES)}")
    return chosen


def _one_table(
    title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]], caption: str
) -> WorkedExample:
    """An example that is a single table, one row per network."""
    return WorkedExample(
        title=title, steps=(Table(header=header, rows=tuple(rows), caption=caption),)
    )


@worked_example("resnet-depth")
def resnet_depth_example(depths: list[int] | None = None) -> WorkedExample:
    rows = []
    for depth in _depths(depths):
        kind, blocks = RESNET_STAGES[depth]
        per_block = {"basic": 2, "bottleneck": 3}[kind]
        layers = resnet_weight_layers(depth)
        assert layers == depth
        rows.append(
            (
                f"{depth}",
                ", ".join(str(b) for b in blocks),
                f"${per_block}\\times{sum(blocks)}+2 = {layers}$",
            )
        )
    return _one_table(
        "ResNet 的层数：只数带权重的层 (weight layers)",
        ("深度", "各阶段块数", "层数"),
        rows,
        "基本块 2 层、瓶颈块 3 层；+2 是 7×7 卷积和全连接层",
    )


@worked_example("resnet-size")
def resnet_size_example(
    depths: list[int] | None = None, stride_on_3x3: bool = False
) -> WorkedExample:
    sizes = [(depth, resnet_size(depth, stride_on_3x3)) for depth in _depths(depths)]
    where = "3×3 卷积 (V1.5, torchvision)" if stride_on_3x3 else "第一个 1×1 卷积（原论文）"
    return _one_table(
        f"ResNet, $224\\times224$ 输入, 1000 类; 下采样步长放在{where}",
        ("深度", "参数 (M)", "乘加 (G)"),
        [
            (f"{depth}", f"${num(size.params / 1e6, 3)}$", f"${num(size.macs / 1e9, 3)}$")
            for depth, size in sizes
        ],
        "参数含 BN 的 γ、β 和投影捷径；乘加只计卷积和全连接层",
    )


@worked_example("resnet-block-params")
def resnet_block_params_example(
    kind: BlockKind = "bottleneck", in_channels: int = 256, width: int = 64, stride: int = 1
) -> WorkedExample:
    counts(in_channels=in_channels, width=width)
    if stride not in (1, 2):
        raise BadParameter("stride", "must be 1 or 2")
    layers = residual_block(kind, in_channels, width, stride, 1, stride_on_3x3=True)
    rows = tuple((layer.name, layer.weights, layer.bn) for layer in layers)
    total = sum(layer.params for layer in layers)
    weights_only = sum(layer.weights for layer in layers)
    name = "基本块 (basic)" if kind == "basic" else "瓶颈块 (bottleneck)"
    return WorkedExample(
        title=f"{name}, 输入 {in_channels} 通道, 宽度 {width}, 步长 {stride}",
        steps=(
            Table(
                header=("层", "卷积权重", "BN"),
                rows=rows,
                caption="卷积不带偏置；BN 每通道 γ、β 两个参数",
            ),
            Step(
                "卷积权重合计 (weights)",
                "\\sum k^2 C_{\\text{in}} C_{\\text{out}}",
                "",
                num(weights_only),
            ),
            Step("连同 BN (with BN)", "", "", num(total)),
        ),
    )


# GoogLeNet, Szegedy et al. 2015, Table 1: input channels, #1x1, #3x3 reduce, #3x3,
# #5x5 reduce, #5x5, pool proj.
INCEPTION_TABLE = {
    "3a": (192, 64, 96, 128, 16, 32, 32),
    "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64),
    "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64),
    "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}
# The column "params" of Table 1 (K, which the rows show to be 1024: 3a's 163,328 weights are
# listed as 159K, the second conv's 114,688 as 112K), plus the stem convs and the linear layer.
TABLE1_PARAMS_K = {
    "conv 7×7": 2.7,
    "conv 3×3": 112,
    "3a": 159,
    "3b": 380,
    "4a": 364,
    "4b": 437,
    "4c": 463,
    "4d": 580,
    "4e": 840,
    "5a": 1072,
    "5b": 1388,
    "linear": 1000,
}


def inception_params(row: tuple[int, int, int, int, int, int, int]) -> int:
    """Weights of the six convolutions of one Inception module (biases not counted)."""
    cin, n1, r3, n3, r5, n5, pool = row
    return (
        conv_params(cin, n1, 1, 1, False)
        + conv_params(cin, r3, 1, 1, False)
        + conv_params(r3, n3, 3, 1, False)
        + conv_params(cin, r5, 1, 1, False)
        + conv_params(r5, n5, 5, 1, False)
        + conv_params(cin, pool, 1, 1, False)
    )


def googlenet_params() -> dict[str, int]:
    """Weights per row of Table 1 (no biases, no auxiliary classifiers)."""
    rows = {
        "conv 7×7": conv_params(3, 64, 7, 1, False),
        "conv 3×3": conv_params(64, 64, 1, 1, False) + conv_params(64, 192, 3, 1, False),
    }
    rows.update({name: inception_params(row) for name, row in INCEPTION_TABLE.items()})
    rows["linear"] = 1024 * CLASSES
    return rows


def alexnet_params() -> int:
    """AlexNet as in Krizhevsky et al. 2012 section 3.5, with biases; conv2, conv4 and conv5
    see only the maps on their own GPU (groups = 2)."""
    convs = [(3, 96, 11, 1), (96, 256, 5, 2), (256, 384, 3, 1), (384, 384, 3, 2), (384, 256, 3, 2)]
    total = sum(conv_params(cin, cout, k, g, True) for cin, cout, k, g in convs)
    for fan_in, fan_out in ((256 * 6 * 6, 4096), (4096, 4096), (4096, CLASSES)):
        total += fan_in * fan_out + fan_out
    return total


@worked_example("googlenet-params")
def googlenet_params_example() -> WorkedExample:
    computed = googlenet_params()
    # Table 1's K is 1024: inception (3a) has 163,328 weights, listed as 159K.
    rows = tuple(
        (name, f"${num(TABLE1_PARAMS_K[name])}$", f"${num(round(value / 1024, 1))}$")
        for name, value in computed.items()
    )
    table_total = round(sum(TABLE1_PARAMS_K.values()), 1)
    total = sum(computed.values())
    alexnet = alexnet_params()
    return WorkedExample(
        title="GoogLeNet 各层参数：论文表 1 的参数列与按卷积核数重算（单位 K = 1024）",
        steps=(
            Table(header=("层", "表 1", "重算"), rows=rows, caption="重算不计偏置和辅助分类器"),
            Step("表 1 参数列合计 (K)", "", "", num(table_total, 5)),
            Step("重算合计（个）", "", "", num(total)),
            Step("AlexNet（两路分组, 含偏置）", "", "", num(alexnet)),
            Step(
                "AlexNet 是 GoogLeNet 的几倍 (ratio)",
                "",
                f"\\frac{{{num(alexnet)}}}{{{num(total)}}}",
                num(alexnet / total, 3),
            ),
        ),
    )


def se_extra_params(depth: int, reduction: int) -> int:
    """Hu et al. 2018 eq. 5: two FC layers C -> C/r -> C per block, (2/r) sum N_s C_s^2
    (biases not counted), one SE block after every residual block."""
    kind, blocks = RESNET_STAGES[depth]
    total = 0
    for count, width in zip(blocks, STAGE_WIDTHS, strict=True):
        channels = width * EXPANSION[kind]
        total += count * 2 * channels * (channels // reduction)
    return total


@worked_example("se-params")
def se_params_example(depth: int = 50, reduction: int = 16) -> WorkedExample:
    if depth not in RESNET_STAGES:
        raise BadParameter("depth", f"must be one of {sorted(RESNET_STAGES)}")
    if reduction not in (2, 4, 8, 16, 32):
        raise BadParameter("reduction", "must be 2, 4, 8, 16 or 32")
    kind, blocks = RESNET_STAGES[depth]
    rows = []
    for count, width in zip(blocks, STAGE_WIDTHS, strict=True):
        c = width * EXPANSION[kind]
        rows.append((f"${num(c)}$", f"${count}$", f"${num(count * 2 * c * (c // reduction))}$"))
    extra = se_extra_params(depth, reduction)
    base = resnet_size(depth).params
    return WorkedExample(
        title=f"ResNet-{depth} 每个残差块加一个 SE 块, $r={reduction}$, 不计偏置",
        steps=(
            Step("每个 SE 块两层全连接", "C\\cdot\\frac{C}{r} + \\frac{C}{r}\\cdot C", "", ""),
            Table(header=("通道 $C_s$", "块数 $N_s$", "新增参数"), rows=tuple(rows)),
            Step("合计 (eq. 5)", "\\frac{2}{r}\\sum_s N_s C_s^2", "", num(extra)),
            Step(
                f"占 ResNet-{depth} 参数的比例",
                "",
                f"\\frac{{{num(extra)}}}{{{num(base)}}}",
                num(extra / base, 3),
            ),
        ),
    )


def compound_scaling(alpha: float, beta: float, gamma: float, phi: int) -> tuple[float, ...]:
    """Tan & Le 2019 eq. 3: depth alpha^phi, width beta^phi, resolution gamma^phi; FLOPs grow
    as (alpha beta^2 gamma^2)^phi."""
    return alpha**phi, beta**phi, gamma**phi, (alpha * beta**2 * gamma**2) ** phi


@worked_example("efficientnet-scaling")
def efficientnet_scaling_example(
    alpha: float = 1.2, beta: float = 1.1, gamma: float = 1.15, phis: list[int] | None = None
) -> WorkedExample:
    for name, value in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
        between(name, value, 1.0, 3.0)  # the paper requires >= 1
    chosen = phis if phis is not None else [1, 2, 3]
    if not 1 <= len(chosen) <= 5 or any(not 0 <= phi <= 8 for phi in chosen):
        raise BadParameter("phis", "give 1 to 5 integers from 0 to 8")
    product = alpha * beta**2 * gamma**2
    rows = tuple(
        (f"${phi}$", *(f"${num(v, 3)}$" for v in compound_scaling(alpha, beta, gamma, phi)))
        for phi in chosen
    )
    return WorkedExample(
        title=f"$\\alpha={num(alpha)}$, $\\beta={num(beta)}$, $\\gamma={num(gamma)}$",
        steps=(
            Step(
                "每加 1 个 $\\phi$，FLOPs 的倍数",
                "\\alpha\\beta^2\\gamma^2",
                f"{num(alpha)}\\times{num(beta)}^2\\times{num(gamma)}^2",
                num(product, 3),
            ),
            Table(
                header=("$\\phi$", "深度", "宽度", "分辨率", "FLOPs"),
                rows=rows,
                caption="各项为相对 B0 的倍数",
            ),
        ),
    )


@worked_example("hswish-values")
def hswish_values_example(points: list[float] | None = None) -> WorkedExample:
    chosen = points if points is not None else [-4.0, -3.0, -1.0, 0.0, 1.0, 3.0, 4.0]
    checked_values("points", chosen, low=1, limit=50)
    rows = tuple(
        (f"${num(x)}$", f"${num(hard_sigmoid(x))}$", f"${num(hard_swish(x))}$", f"${num(silu(x))}$")
        for x in chosen
    )
    return WorkedExample(
        title="h-swish 与 swish ($\\beta=1$) 的取值",
        steps=(
            Step("h-sigmoid", "\\frac{\\operatorname{ReLU6}(x+3)}{6}", "", ""),
            Step("h-swish", "x\\cdot\\frac{\\operatorname{ReLU6}(x+3)}{6}", "", ""),
            Table(header=("$x$", "h-sigmoid", "h-swish", "swish"), rows=rows),
        ),
    )


@dataclass(frozen=True, slots=True)
class FoldedBranch:
    kernel: Array  # (C, C, 3, 3)
    bias: Array  # (C,)


def fold_bn(kernel: Array, bn: Array, eps: float) -> FoldedBranch:
    """A bias-free conv and the BN after it (rows: gamma, beta, mean, var) as one conv."""
    gamma, beta, mean, var = bn
    folded = fold_batchnorm(kernel, np.zeros_like(beta), gamma, beta, mean, var, eps)
    return FoldedBranch(folded.weight, folded.bias)


def repvgg_fuse(
    kernel3: Array, kernel1: Array, bn3: Array, bn1: Array, bn_id: Array, eps: float
) -> FoldedBranch:
    """RepVGG: 3x3-BN + 1x1-BN + identity-BN -> one 3x3 conv with bias. The 1x1 kernel is
    zero-padded to the 3x3 centre; the identity is a 3x3 kernel with 1 at the centre of
    channel i -> i."""
    channels = kernel3.shape[0]
    padded = np.zeros_like(kernel3)
    padded[:, :, 1, 1] = kernel1[:, :, 0, 0]
    identity = np.zeros_like(kernel3)
    identity[np.arange(channels), np.arange(channels), 1, 1] = 1.0
    branches = [fold_bn(k, bn, eps) for k, bn in ((kernel3, bn3), (padded, bn1), (identity, bn_id))]
    kernel = branches[0].kernel + branches[1].kernel + branches[2].kernel
    return FoldedBranch(kernel, branches[0].bias + branches[1].bias + branches[2].bias)


def batchnorm_eval(x: Array, bn: Array, eps: float) -> Array:
    gamma, beta, mean, var = (np.asarray(row, dtype=np.float64)[:, None, None] for row in bn)
    result: Array = (x - mean) / np.sqrt(var + eps) * gamma + beta
    return result


def repvgg_branches(
    x: Array, kernel3: Array, kernel1: Array, bn3: Array, bn1: Array, bn_id: Array, eps: float
) -> Array:
    """The training-time block before its ReLU: BN(conv3x3 x) + BN(conv1x1 x) + BN(x)."""
    three = batchnorm_eval(conv2d(x, kernel3, padding=1), bn3, eps)
    one = batchnorm_eval(np.einsum("oc,chw->ohw", kernel1[:, :, 0, 0], x), bn1, eps)
    return three + one + batchnorm_eval(x, bn_id, eps)


def _bn_vector(name: str, values: Sequence[float]) -> Array:
    if len(values) != 4 or not all(np.isfinite(values)) or values[3] <= 0:
        raise BadParameter(name, "give [gamma, beta, mean, var] with var > 0")
    return np.asarray(values, dtype=np.float64).reshape(4, 1)


REPVGG_INPUT = np.array([[1.0, 2.0, 0.0, 1.0], [0.0, 1.0, 3.0, 1.0], [2.0, 0.0, 1.0, 2.0]])


@worked_example("repvgg-merge")
def repvgg_merge_example(
    kernel3: Sequence[float] = (0.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 0.0),
    kernel1: float = 3.0,
    bn3: Sequence[float] = (1.0, 0.5, 0.0, 4.0),
    bn1: Sequence[float] = (2.0, 0.0, 1.0, 1.0),
    bn_id: Sequence[float] = (1.0, -1.0, 2.0, 4.0),
    eps: float = 1e-5,
) -> WorkedExample:
    if len(kernel3) != 9 or not all(np.isfinite(kernel3)):
        raise BadParameter("kernel3", "give the 9 values of a 3x3 kernel, row by row")
    between("eps", eps, 0, 1e-2)
    k3 = np.asarray(kernel3, dtype=np.float64).reshape(1, 1, 3, 3)
    k1 = np.full((1, 1, 1, 1), float(kernel1))
    bns = (_bn_vector("bn3", bn3), _bn_vector("bn1", bn1), _bn_vector("bn_id", bn_id))
    fused = repvgg_fuse(k3, k1, bns[0], bns[1], bns[2], eps)
    steps: list[Step | Table] = [
        Step(
            "BN 折进卷积 (fold BN)：核乘以 $t$", "t = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\epsilon}}"
        ),
        Step("偏置 (bias)", "b' = \\beta - \\mu t"),
    ]
    labels = ("3×3 分支", "1×1 分支（补零成 3×3）", "恒等分支（中心为 1 的 3×3）")
    for label, bn in zip(labels, bns, strict=True):
        gamma, beta, mean, var = (float(v[0]) for v in bn)
        t = gamma / np.sqrt(var + eps)
        steps.append(
            Step(
                f"{label}：$t$",
                "",
                f"\\frac{{{num(gamma)}}}{{\\sqrt{{{num(var)}}}}}",
                num(t, 3),
            )
        )
        steps.append(
            Step(
                f"{label}：$b'$",
                "",
                f"{num(beta)}-{num(mean)}\\times{num(t, 3)}",
                num(beta - mean * t, 3),
            )
        )
    steps.append(
        Step(
            "合并的核 (sum of kernels)",
            "W_3' + W_1' + W_{\\text{id}}'",
            "",
            pmatrix(fused.kernel[0, 0], 3),
        )
    )
    steps.append(
        Step(
            "合并的偏置 (sum of biases)",
            "b_3' + b_1' + b_{\\text{id}}'",
            "",
            num(float(fused.bias[0]), 3),
        )
    )
    x = REPVGG_INPUT[None]
    branches = repvgg_branches(x, k3, k1, bns[0], bns[1], bns[2], eps)[0]
    merged = conv2d(x, fused.kernel, fused.bias, padding=1)[0]
    assert np.allclose(branches, merged)
    steps.append(Step("检查：$3\\times4$ 输入、填充 1，三分支之和", "", "", pmatrix(branches, 3)))
    steps.append(Step("合并后的单个 3×3 卷积", "", "", pmatrix(merged, 3)))
    return WorkedExample(
        title="单通道 RepVGG 块的三个分支合成一个 3×3 卷积（推理时）", steps=tuple(steps)
    )


@worked_example("vit-patch-embedding")
def vit_patch_embedding_example(
    image: int = 224, patch: int = 16, channels: int = 3, dim: int = 768
) -> WorkedExample:
    counts(patch=patch, channels=channels, dim=dim)
    if image % patch or image > 1024:
        raise BadParameter("image", "must be a multiple of patch, at most 1024")
    side = conv_output_size(image, patch, patch, 0, 1)
    values = patch * patch * channels
    params = conv_params(channels, dim, patch, 1, bias=True)
    return WorkedExample(
        title=(
            f"ViT 图块嵌入: ${image}\\times{image}$ 图像, ${patch}\\times{patch}$ 图块, $D={dim}$"
        ),
        steps=(
            Step("每边的图块数", "H/P", f"{image}/{patch}", num(side)),
            Step("图块数 = 序列长度 (tokens)", "N = (H/P)^2", f"{side}^2", num(side * side)),
            Step("每个图块展平后的长度", "P^2 C", f"{patch}^2\\times{channels}", num(values)),
            Step(
                "线性投影的参数 (= Conv2d 核 $P$、步长 $P$)",
                "P^2 C D + D",
                f"{num(values)}\\times{num(dim)}+{num(dim)}",
                num(params),
            ),
        ),
    )


def wrn_params(depth: int, widen: int, classes: int) -> int:
    """WRN-depth-widen on CIFAR (Zagoruyko & Komodakis 2016, Table 1): 3x3 conv 3->16, three
    groups of N = (depth-4)/6 pre-activation basic blocks of widths 16k, 32k, 64k, a 1x1
    projection where the width changes, a final BN, the classifier. Convs without bias."""
    blocks = (depth - 4) // 6
    total = conv_params(3, 16, 3, 1, False)
    channels = 16
    for width in (16 * widen, 32 * widen, 64 * widen):
        for _ in range(blocks):
            total += batchnorm_params(channels) + conv_params(channels, width, 3, 1, False)
            total += batchnorm_params(width) + conv_params(width, width, 3, 1, False)
            if channels != width:
                total += conv_params(channels, width, 1, 1, False)
            channels = width
    return total + batchnorm_params(channels) + linear_params(channels, classes)


@worked_example("wrn-params")
def wrn_params_example(depth: int = 28, widen: int = 10, classes: int = 10) -> WorkedExample:
    if depth < 10 or (depth - 4) % 6:
        raise BadParameter("depth", "must be 6N + 4 with N >= 1 (10, 16, 22, 28, 40, ...)")
    between("widen", widen, 1, 20)
    at_least("classes", classes, 2)
    blocks = (depth - 4) // 6
    return WorkedExample(
        title=f"WRN-{depth}-{widen}（CIFAR, {classes} 类）",
        steps=(
            Step("每组的块数", "N = \\frac{n-4}{6}", f"\\frac{{{depth}-4}}{{6}}", num(blocks)),
            Step(
                "三组的宽度",
                "16k,\\ 32k,\\ 64k",
                "",
                f"{16 * widen},\\ {32 * widen},\\ {64 * widen}",
            ),
            Step("参数量（含 BN 和投影捷径）", "", "", num(wrn_params(depth, widen, classes))),
        ),
    )


# Simonyan & Zisserman 2015, Table 1, configuration D: 3x3 convs per stage and their width;
# stage s runs at 224 / 2^s (padding 1 keeps the size, 2x2 max pooling halves it).
VGG16_STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))
VGG16_FC = ((512 * 7 * 7, 4096), (4096, 4096), (4096, CLASSES))


@dataclass(frozen=True, slots=True)
class VggSize:
    conv_params: int
    fc_params: int
    first_fc: int
    conv_macs: int
    fc_macs: int

    @property
    def macs(self) -> int:
        return self.conv_macs + self.fc_macs


def vgg16_size() -> VggSize:
    """Parameters (with biases) and multiply-adds of VGG-16 on a 224 x 224 input."""
    conv, macs, channels, size = 0, 0, 3, IMAGE
    for count, width in VGG16_STAGES:
        for _ in range(count):
            weights = conv_params(channels, width, 3, 1, bias=False)
            conv += weights + width
            macs += weights * size * size
            channels = width
        size //= 2
    fc = sum(linear_params(i, o) for i, o in VGG16_FC)
    first = linear_params(*VGG16_FC[0])
    return VggSize(conv, fc, first, macs, sum(i * o for i, o in VGG16_FC))


@worked_example("vgg16-params")
def vgg16_params_example() -> WorkedExample:
    size = vgg16_size()
    total = size.conv_params + size.fc_params
    return WorkedExample(
        title="VGG-16（配置 D），$224\\times224$ 输入，参数含偏置",
        steps=(
            Step(
                "13 个卷积层", "\\sum (9C_{\\text{in}}+1)C_{\\text{out}}", "", num(size.conv_params)
            ),
            Step("3 个全连接层", "", "", num(size.fc_params)),
            Step("其中第一个 (25088 → 4096)", "", "", num(size.first_fc)),
            Step("全网", "", f"{num(size.conv_params)} + {num(size.fc_params)}", num(total)),
            Step(
                "全连接层的占比",
                "",
                f"\\frac{{{num(size.fc_params)}}}{{{num(total)}}}",
                num(size.fc_params / total, 3),
            ),
            Step("卷积层乘加 (MACs, $\\times10^9$)", "", "", num(size.conv_macs / 1e9, 3)),
            Step("全连接层乘加 ($\\times10^9$)", "", "", num(size.fc_macs / 1e9, 3)),
        ),
    )


INCEPTION_GRID = {"3a": 28, "3b": 28, "4a": 14, "4b": 14, "4c": 14, "4d": 14, "4e": 14}
INCEPTION_GRID.update({"5a": 7, "5b": 7})


@dataclass(frozen=True, slots=True)
class InceptionCost:
    naive_channels: int
    channels: int
    naive_macs: int
    macs: int


def inception_cost(module: str) -> InceptionCost:
    """Naive module (Szegedy et al. 2015, Fig. 2a: 1x1, 3x3, 5x5 on the full input, 3x3 max
    pooling passing every input channel) vs the module with reductions (Fig. 2b)."""
    cin, n1, _, n3, _, n5, pool = INCEPTION_TABLE[module]
    area = INCEPTION_GRID[module] ** 2
    naive = conv_params(cin, n1, 1, 1, False) + conv_params(cin, n3, 3, 1, False)
    naive += conv_params(cin, n5, 5, 1, False)
    return InceptionCost(
        n1 + n3 + n5 + cin,
        n1 + n3 + n5 + pool,
        naive * area,
        inception_params(INCEPTION_TABLE[module]) * area,
    )


@worked_example("inception-naive")
def inception_naive_example(module: str = "3a") -> WorkedExample:
    if module not in INCEPTION_TABLE:
        raise BadParameter("module", f"must be one of {', '.join(INCEPTION_TABLE)}")
    cin, n1, _, n3, _, n5, pool = INCEPTION_TABLE[module]
    cost = inception_cost(module)
    side = INCEPTION_GRID[module]
    return WorkedExample(
        title=f"inception ({module})：输入 ${side}\\times{side}\\times{cin}$（表 1）",
        steps=(
            Step(
                "朴素模块的输出通道（池化分支保留全部输入通道）",
                "",
                f"{n1}+{n3}+{n5}+{cin}",
                num(cost.naive_channels),
            ),
            Step(
                "加 1×1 后的输出通道（池化后 1×1 投影）",
                "",
                f"{n1}+{n3}+{n5}+{pool}",
                num(cost.channels),
            ),
            Step("朴素模块的乘加次数", "", "", num(cost.naive_macs)),
            Step("加 1×1 降维后的乘加次数", "", "", num(cost.macs)),
            Step(
                "比例",
                "",
                f"\\frac{{{num(cost.naive_macs)}}}{{{num(cost.macs)}}}",
                num(cost.naive_macs / cost.macs, 3),
            ),
        ),
    )
