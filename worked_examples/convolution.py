"""Convolution arithmetic: shapes, receptive fields, parameters and cost.

Sources: the shape formulas and parameter layout of torch.nn.Conv2d / ConvTranspose2d
(weight (C_out, C_in/groups, k, k), one bias per output channel); Araujo, Norris & Sim,
"Computing Receptive Fields of Convolutional Neural Networks", Distill 2019 (jump and field
recursion); Simonyan & Zisserman 2015 (VGG, section 2.3: stacked 3x3 layers); Howard et al.
2017 (MobileNets, section 3.1: depthwise separable cost); Lin et al. 2014 (Network in
Network, global average pooling).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ankigen import BadParameter, Step, Table, WorkedExample, num, worked_example
from ankigen.checks import at_least
from dlmath.convolution import (
    conv_cost,
    conv_output_size,
    conv_params,
    effective_kernel_size,
    receptive_field,
    separable_cost,
    transposed_conv_output_size,
)
from dlmath.layer_params import linear_params
from dlmath.precision import FloatFormat, bytes_per_element

from ._params import MAX_TABLE_ROWS, counts


def _check_layer(size: int, kernel: int, stride: int, padding: int, dilation: int) -> None:
    """Conv2d's and ConvTranspose2d's shape parameters, as PyTorch accepts them."""
    counts(size=size, kernel=kernel, stride=stride)
    at_least("padding", padding, 0)
    counts(dilation=dilation)


def _floored(n: str, padding: str, kernel: str, stride: str) -> str:
    """Conv2d's output size, floor((n + 2p - k) / s) + 1, with these symbols or numbers."""
    return f"\\left\\lfloor \\frac{{{n} + 2{padding} - {kernel}}}{{{stride}}} \\right\\rfloor + 1"


@dataclass(frozen=True, slots=True)
class _Kernel:
    """A (dilated) kernel's span k', its symbol, and the step that computes it, if any."""

    effective: int
    symbol: str
    steps: list[Step]


def _kernel(kernel: int, dilation: int) -> _Kernel:
    effective = effective_kernel_size(kernel, dilation)
    if dilation == 1:
        return _Kernel(effective, "k", [])
    step = Step(
        "有效卷积核尺寸 (effective kernel size)",
        "k' = d(k-1)+1",
        f"{num(dilation)}\\times({num(kernel)}-1)+1",
        num(effective),
    )
    return _Kernel(effective, "k'", [step])


@worked_example("conv-output-size")
def conv_output_size_example(
    size: int = 32, kernel: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1
) -> WorkedExample:
    _check_layer(size, kernel, stride, padding, dilation)
    k = _kernel(kernel, dilation)
    padded = size + 2 * padding
    if k.effective > padded:
        raise BadParameter(
            "kernel",
            f"the dilated kernel ({k.effective}) is larger than the padded input ({padded})",
        )
    out = conv_output_size(size, kernel, stride, padding, dilation)
    numerator = padded - k.effective
    steps = [
        *k.steps,
        Step(
            "输出尺寸 (output size)",
            "o = " + _floored("n", "p", k.symbol, "s"),
            _floored(num(size), f"\\times{num(padding)}", num(k.effective), num(stride)),
            f"\\lfloor {num(numerator / stride)} \\rfloor + 1 = {num(out)}",
        ),
    ]
    return WorkedExample(
        title=f"$n={size}$, $k={kernel}$, $s={stride}$, $p={padding}$, $d={dilation}$",
        steps=tuple(steps),
    )


@worked_example("transposed-conv-output-size")
def transposed_conv_output_size_example(
    size: int = 4,
    kernel: int = 4,
    stride: int = 2,
    padding: int = 1,
    output_padding: int = 0,
    dilation: int = 1,
) -> WorkedExample:
    _check_layer(size, kernel, stride, padding, dilation)
    at_least("output_padding", output_padding, 0)
    if output_padding >= max(stride, dilation):
        raise BadParameter(
            "output_padding",
            f"must be below max(stride, dilation) = {max(stride, dilation)} (PyTorch)",
        )
    out = transposed_conv_output_size(size, kernel, stride, padding, output_padding, dilation)
    if out < 1:
        raise BadParameter("padding", f"leaves an output of size {out}; make it smaller")
    back = conv_output_size(out, kernel, stride, padding, dilation)
    k = _kernel(kernel, dilation)
    full = (size - 1) * stride + k.effective
    assert full - 2 * padding + output_padding == out
    steps = [
        *k.steps,
        Step(
            "输入像素相隔 $s$ 铺开、各盖一个核 (spread and stamp)",
            f"o_{{\\text{{full}}}} = (n-1)s + {k.symbol}",
            f"({num(size)}-1)\\times{num(stride)} + {num(k.effective)}",
            num(full),
        ),
        Step(
            "两侧各裁掉 $p$，一侧补 $p_o$ (crop padding, add output_padding)",
            "o = o_{\\text{full}} - 2p + p_o",
            f"{num(full)} - 2\\times{num(padding)} + {num(output_padding)}",
            num(out),
        ),
        Step(
            "同参数的 Conv2d 作用于输出 (Conv2d with the same $k$, $s$, $p$, $d$)",
            _floored("o", "p", k.symbol, "s"),
            _floored(num(out), f"\\times{num(padding)}", num(k.effective), num(stride)),
            num(back),
        ),
    ]
    if stride > 1:
        steps.append(
            Step(
                f"$s>1$ 时 Conv2d 把 {stride} 种输入尺寸映射到同一输出，"
                "output_padding ($p_o$) 选其中一个 (picks one of them)"
            )
        )
    return WorkedExample(
        title=(
            f"ConvTranspose2d: $n={size}$, $k={kernel}$, $s={stride}$, $p={padding}$, "
            f"output_padding $p_o={output_padding}$, $d={dilation}$"
        ),
        steps=tuple(steps),
    )


@worked_example("receptive-field")
def receptive_field_example(
    kernels: Sequence[int] = (3, 3, 3),
    strides: Sequence[int] = (1, 1, 1),
    dilations: Sequence[int] = (1, 1, 1),
) -> WorkedExample:
    if not 1 <= len(kernels) <= MAX_TABLE_ROWS:
        raise BadParameter("kernels", f"give 1 to {MAX_TABLE_ROWS} layers, got {len(kernels)}")
    for name, values in (("strides", strides), ("dilations", dilations)):
        if len(values) != len(kernels):
            raise BadParameter(name, f"needs one value per layer ({len(kernels)})")
    for name, values in (("kernels", kernels), ("strides", strides), ("dilations", dilations)):
        if min(values) < 1:
            raise BadParameter(name, "every value must be at least 1")
    layers = receptive_field(kernels, strides, dilations)
    rows = [("输入 (input)", "", "", "", "", "$1$", "$1$")]
    inputs = zip(kernels, strides, dilations, layers, strict=True)
    for index, (kernel, stride, dilation, layer) in enumerate(inputs, start=1):
        rows.append(
            (
                str(index),
                f"${num(kernel)}$",
                f"${num(stride)}$",
                f"${num(dilation)}$",
                f"${num(layer.effective)}$",
                f"${num(layer.jump)}$",
                f"${num(layer.field)}$",
            )
        )
    last = layers[-1]
    previous_field = layers[-2].field if len(layers) > 1 else 1
    previous_jump = layers[-2].jump if len(layers) > 1 else 1
    return WorkedExample(
        title=f"{len(layers)} 层卷积的感受野 (receptive field, 以输入像素计)",
        steps=(
            Step(
                "递推 (recursion), 从 $j_0 = r_0 = 1$ 开始",
                "\\begin{array}{l} k'_l = d_l(k_l-1)+1 \\\\ j_l = j_{l-1}s_l \\\\ "
                "r_l = r_{l-1} + (k'_l-1)\\,j_{l-1} \\end{array}",
            ),
            Table(
                header=("层 (layer)", "$k$", "$s$", "$d$", "$k'$", "$j_l$", "$r_l$"),
                rows=tuple(rows),
                caption="$j$: 相邻输出在输入上相隔的像素 (jump); $r$: 感受野 (field)",
            ),
            Step(
                f"最后一层的感受野 (final receptive field)：输入上 "
                f"${num(last.field)}\\times{num(last.field)}$ 的区域",
                f"r_{{{len(layers)}}} = r_{{{len(layers) - 1}}} + (k'-1)\\,j_{{{len(layers) - 1}}}",
                f"{num(previous_field)} + ({num(last.effective)}-1)\\times{num(previous_jump)}",
                num(last.field),
            ),
        ),
    )


def _check_channels(in_channels: int, out_channels: int, kernel: int, groups: int) -> None:
    """PyTorch's Conv2d refuses groups that do not divide both channel counts."""
    counts(in_channels=in_channels, out_channels=out_channels, kernel=kernel, groups=groups)
    if in_channels % groups or out_channels % groups:
        raise BadParameter(
            "groups", f"must divide in_channels ({in_channels}) and out_channels ({out_channels})"
        )


@worked_example("conv-params")
def conv_params_example(
    in_channels: int = 64,
    out_channels: int = 128,
    kernel: int = 3,
    groups: int = 1,
    bias: bool = True,
) -> WorkedExample:
    _check_channels(in_channels, out_channels, kernel, groups)
    per_filter = kernel * kernel * (in_channels // groups)
    weights = per_filter * out_channels
    total = conv_params(in_channels, out_channels, kernel, groups, bias)
    steps = [
        Step(
            "每个卷积核的权重 (weights per filter)",
            "k\\cdot k\\cdot C_{\\text{in}}/g",
            f"{num(kernel)}\\times{num(kernel)}\\times{num(in_channels)}/{num(groups)}",
            num(per_filter),
        ),
        Step(
            "全部权重 (weights), $C_{\\text{out}}$ 个卷积核",
            "k^2 \\frac{C_{\\text{in}}}{g} C_{\\text{out}}",
            f"{num(per_filter)}\\times{num(out_channels)}",
            num(weights),
        ),
    ]
    if bias:
        steps.append(
            Step("偏置 (bias), 每个输出通道一个", "C_{\\text{out}}", "", num(out_channels))
        )
    steps.append(
        Step(
            "参数量 (parameters)",
            "k^2 \\frac{C_{\\text{in}}}{g} C_{\\text{out}}"
            + (" + C_{\\text{out}}" if bias else ""),
            f"{num(weights)} + {num(out_channels)}" if bias else "",
            num(total),
        )
    )
    if groups > 1:
        steps.append(
            Step(
                "分组把权重降为 $1/g$ (vs groups=1)",
                "\\frac{k^2 C_{\\text{in}} C_{\\text{out}}}{g}",
                f"\\frac{{{num(weights * groups)}}}{{{num(groups)}}}",
                num(weights),
            )
        )
    return WorkedExample(
        title=(
            f"Conv2d({in_channels}, {out_channels}, {kernel}x{kernel}, groups={groups}, "
            f"bias={'True' if bias else 'False'})"
        ),
        steps=tuple(steps),
    )


@worked_example("conv-flops")
def conv_flops_example(
    in_channels: int = 64,
    out_channels: int = 128,
    kernel: int = 3,
    out_size: int = 56,
    groups: int = 1,
    bias: bool = False,
) -> WorkedExample:
    _check_channels(in_channels, out_channels, kernel, groups)
    at_least("out_size", out_size, 1)
    cost = conv_cost(in_channels, out_channels, kernel, out_size, groups, bias)
    per_output = kernel * kernel * (in_channels // groups)
    outputs = out_channels * out_size * out_size
    steps = [
        Step(
            "每个输出元素的乘加 (MACs per output element)",
            "k^2\\, C_{\\text{in}}/g",
            f"{num(kernel)}^2\\times{num(in_channels)}/{num(groups)}",
            num(per_output),
        ),
        Step(
            "输出元素个数 (output elements)",
            "C_{\\text{out}} H_{\\text{out}} W_{\\text{out}}",
            f"{num(out_channels)}\\times{num(out_size)}\\times{num(out_size)}",
            num(outputs),
        ),
        Step(
            "乘加次数 (MACs)",
            "k^2 \\frac{C_{\\text{in}}}{g} C_{\\text{out}} H_{\\text{out}} W_{\\text{out}}",
            f"{num(per_output)}\\times{num(outputs)}",
            num(cost.macs),
        ),
    ]
    if bias:
        steps.append(
            Step(
                "偏置加法 (bias adds), 每个输出元素一次",
                "C_{\\text{out}} H_{\\text{out}} W_{\\text{out}}",
                "",
                num(outputs),
            )
        )
    steps.append(
        Step(
            "浮点运算 (FLOPs)",
            "2 \\times \\text{MACs}" + (" + \\text{bias adds}" if bias else ""),
            f"2\\times{num(cost.macs)}" + (f" + {num(cost.bias_adds)}" if bias else ""),
            num(cost.flops),
        )
    )
    steps.append(
        Step("约定：一次乘加 = 2 FLOPs；很多论文说的 FLOPs 其实是 MACs (check the convention)")
    )
    return WorkedExample(
        title=(
            f"Conv2d({in_channels}, {out_channels}, {kernel}x{kernel}, groups={groups}), "
            f"输出 {out_size}x{out_size}, batch 1"
        ),
        steps=tuple(steps),
    )


@worked_example("stacked-vs-large-kernel")
def stacked_vs_large_kernel_example(channels: int = 64, large_kernel: int = 5) -> WorkedExample:
    at_least("channels", channels, 1)
    if large_kernel % 2 == 0 or not 5 <= large_kernel <= 11:
        raise BadParameter("large_kernel", "must be odd, from 5 to 11 (5: two 3x3, 7: three 3x3)")
    depth = (large_kernel - 1) // 2
    large = conv_params(channels, channels, large_kernel, 1, bias=False)
    stacked = depth * conv_params(channels, channels, 3, 1, bias=False)
    stacked_field = receptive_field([3] * depth, [1] * depth, [1] * depth)[-1].field
    return WorkedExample(
        title=(
            f"一层 {large_kernel}x{large_kernel} vs {depth} 层 3x3, 输入输出 $C={channels}$ 通道, "
            "不计偏置 (biases ignored)"
        ),
        steps=(
            Step(
                f"一层 {large_kernel}x{large_kernel} (one layer)",
                "k^2 C^2",
                f"{num(large_kernel)}^2\\times{num(channels)}^2",
                num(large),
            ),
            Step(
                f"{depth} 层 3x3 (stacked)",
                "n \\cdot 3^2 C^2",
                f"{num(depth)}\\times 9\\times{num(channels)}^2",
                num(stacked),
            ),
            Step(
                "参数比例 (ratio)",
                "\\frac{9n}{k^2}",
                f"\\frac{{{num(9 * depth)}}}{{{num(large_kernel * large_kernel)}}}",
                num(stacked / large),
            ),
            Step(
                f"感受野 (receptive field, stride 1): 与一层 {large_kernel}x{large_kernel} 相同",
                "r = 1 + n(3-1)",
                f"1 + {num(depth)}\\times 2",
                num(stacked_field),
            ),
            Step(f"堆叠还多了 {depth - 1} 个 ReLU 非线性 (more nonlinearities, VGG)"),
        ),
    )


@worked_example("depthwise-separable-cost")
def depthwise_separable_cost_example(
    in_channels: int = 64, out_channels: int = 128, kernel: int = 3, out_size: int = 56
) -> WorkedExample:
    _check_channels(in_channels, out_channels, kernel, 1)
    at_least("out_size", out_size, 1)
    cost = separable_cost(in_channels, out_channels, kernel, out_size)
    k, m, n, f = (num(v) for v in (kernel, in_channels, out_channels, out_size))
    return WorkedExample(
        title=(
            f"$D_K={kernel}$, $M={in_channels}$, $N={out_channels}$, $D_F={out_size}$ "
            "(乘加次数 MACs, Howard et al. 2017)"
        ),
        steps=(
            Step(
                "标准卷积 (standard conv)",
                "D_K^2 M N D_F^2",
                f"{k}^2\\times{m}\\times{n}\\times{f}^2",
                num(cost.standard),
            ),
            Step(
                "逐通道卷积 (depthwise), 每个输入通道一个 k×k 核",
                "D_K^2 M D_F^2",
                f"{k}^2\\times{m}\\times{f}^2",
                num(cost.depthwise),
            ),
            Step(
                "逐点卷积 (pointwise, 1×1)",
                "M N D_F^2",
                f"{m}\\times{n}\\times{f}^2",
                num(cost.pointwise),
            ),
            Step(
                "深度可分离合计 (depthwise separable)",
                "D_K^2 M D_F^2 + M N D_F^2",
                f"{num(cost.depthwise)} + {num(cost.pointwise)}",
                num(cost.separable),
            ),
            Step(
                "比例：直接相除 (ratio, exact)",
                "\\frac{\\text{separable}}{\\text{standard}}",
                f"\\frac{{{num(cost.separable)}}}{{{num(cost.standard)}}}",
                num(cost.separable / cost.standard),
            ),
            Step(
                "比例：公式 (ratio, formula)",
                "\\frac{1}{N} + \\frac{1}{D_K^2}",
                f"\\frac{{1}}{{{n}}} + \\frac{{1}}{{{num(kernel * kernel)}}}",
                num(1 / out_channels + 1 / (kernel * kernel)),
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class HeadParams:
    """Parameters (weights + biases) of the two classification heads."""

    fc: int
    gap: int


def head_params(channels: int, height: int, width: int, classes: int) -> HeadParams:
    """Flatten + Linear(CHW, K) vs AdaptiveAvgPool2d(1) (no parameters) + Linear(C, K)."""
    return HeadParams(
        fc=linear_params(channels * height * width, classes), gap=linear_params(channels, classes)
    )


@worked_example("gap-vs-fc-params")
def gap_vs_fc_params_example(
    channels: int = 512, height: int = 7, width: int = 7, classes: int = 1000
) -> WorkedExample:
    counts(channels=channels, height=height, width=width, classes=classes)
    heads = head_params(channels, height, width, classes)
    flat = channels * height * width
    return WorkedExample(
        title=f"{channels}x{height}x{width} 特征图, {classes} 类, 参数含偏置 (with biases)",
        steps=(
            Step(
                "展平后的长度 (flattened size)",
                "C H W",
                f"{num(channels)}\\times{num(height)}\\times{num(width)}",
                num(flat),
            ),
            Step(
                "展平 + 全连接 (flatten + FC)",
                "CHW \\cdot K + K",
                f"{num(flat)}\\times{num(classes)} + {num(classes)}",
                num(heads.fc),
            ),
            Step(
                "全局平均池化 + 全连接 (GAP + FC), GAP 本身无参数",
                "C \\cdot K + K",
                f"{num(channels)}\\times{num(classes)} + {num(classes)}",
                num(heads.gap),
            ),
            Step(
                "参数比例 (ratio)",
                "\\frac{CHW K + K}{C K + K}",
                f"\\frac{{{num(heads.fc)}}}{{{num(heads.gap)}}}",
                num(heads.fc / heads.gap),
            ),
        ),
    )


# Real layer lists for the receptive-field recursion: (end-point name, kernel, stride) per layer.
# VGG-16: Simonyan & Zisserman 2015, Table 1 (configuration D), 3x3 convs with stride 1 and
# 2x2 max pooling with stride 2.
def _vgg16_layers() -> list[tuple[str, int, int]]:
    layers: list[tuple[str, int, int]] = []
    for stage, convs in enumerate((2, 2, 3, 3, 3), start=1):
        # One name per stage: the table shows where each stage ends (conv1_2, conv2_2, ...).
        layers += [(f"conv{stage}_{convs}", 3, 1)] * convs
        layers.append((f"pool{stage}", 2, 2))
    return layers


# ResNet-50: He et al. 2016, Table 1 (7x7/2 conv, 3x3/2 max pool, bottleneck blocks 3, 4, 6, 3).
# The paper downsamples in the first 1x1 conv of conv3_1, conv4_1, conv5_1 (TF-Slim's resnet_v1,
# used by Araujo et al., strides the last 3x3 of the previous stage instead: the same 483);
# torchvision's resnet50 (v1.5) puts the stride on the first block's 3x3 conv.
# Only the main path counts: the 1x1 shortcuts see a subset of the same pixels.
def _resnet50_layers(stride_on_3x3: bool) -> list[tuple[str, int, int]]:
    layers: list[tuple[str, int, int]] = [("conv1", 7, 2), ("pool1", 3, 2)]
    for stage, blocks in enumerate((3, 4, 6, 3), start=2):
        for block in range(blocks):
            down = 2 if stage > 2 and block == 0 else 1
            layers += [
                (f"conv{stage}_x", 1, 1 if stride_on_3x3 else down),
                (f"conv{stage}_x", 3, down if stride_on_3x3 else 1),
                (f"conv{stage}_x", 1, 1),
            ]
    return layers


NETWORKS: dict[str, list[tuple[str, int, int]]] = {
    "vgg16": _vgg16_layers(),
    "resnet50": _resnet50_layers(stride_on_3x3=False),
    "resnet50-torchvision": _resnet50_layers(stride_on_3x3=True),
}
Network = Literal["vgg16", "resnet50"]


def network_fields(layers: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(end-point, jump, field) at the last layer of each named end-point."""
    fields = receptive_field(
        [k for _, k, _ in layers], [s for _, _, s in layers], [1] * len(layers)
    )
    ends: dict[str, tuple[int, int]] = {}
    for (name, _, _), layer in zip(layers, fields, strict=True):
        ends[name] = (layer.jump, layer.field)
    return [(name, jump, field) for name, (jump, field) in ends.items()]


@worked_example("network-receptive-field")
def network_receptive_field_example(network: Network = "vgg16") -> WorkedExample:
    recursion = Step(
        "逐层递推 (recursion)，从 $j_0 = r_0 = 1$ 开始",
        "\\begin{array}{l} r_l = r_{l-1} + (k_l-1)\\,j_{l-1} \\\\ j_l = j_{l-1}s_l \\end{array}",
    )
    if network == "vgg16":
        ends = network_fields(NETWORKS["vgg16"])
        rows: tuple[tuple[str, ...], ...] = tuple(
            (name, f"${num(j)}$", f"${num(r)}$") for name, j, r in ends
        )
        table = Table(
            header=("层 (end-point)", "$j$", "$r$"),
            rows=rows,
            caption="conv 为 3×3 步长 1，pool 为 2×2 步长 2；每段只列最后一层",
        )
        title = "VGG-16 的感受野 (receptive field)，13 个卷积层 + 5 个池化层"
    else:
        paper = network_fields(NETWORKS["resnet50"])
        torchvision = network_fields(NETWORKS["resnet50-torchvision"])
        rows = tuple(
            (name, f"${num(j)}$", f"${num(r)}$", f"${num(r_tv)}$")
            for (name, j, r), (_, _, r_tv) in zip(paper, torchvision, strict=True)
        )
        table = Table(
            header=("阶段 (stage)", "$j$", "$r$ 论文", "$r$ torchvision"),
            rows=rows,
            caption=("只算主路径 (main path)；下采样在阶段首个 1×1（论文）或 3×3（torchvision）上"),
        )
        title = "ResNet-50 的感受野 (receptive field)，16 个瓶颈块"
    return WorkedExample(title=title, steps=(recursion, table))


def activation_bytes(batch: int, channels: int, height: int, width: int, element_bytes: int) -> int:
    """One N x C x H x W feature map in memory."""
    return batch * channels * height * width * element_bytes


@worked_example("activation-memory")
def activation_memory_example(
    batch: int = 32,
    channels: int = 64,
    height: int = 224,
    width: int = 224,
    dtype: FloatFormat = "fp32",
) -> WorkedExample:
    counts(batch=batch, channels=channels, height=height, width=width)
    element = bytes_per_element(dtype)
    elements = batch * channels * height * width
    total = activation_bytes(batch, channels, height, width, element)
    return WorkedExample(
        title=f"一层的输出特征图 ${batch}\\times{channels}\\times{height}\\times{width}$，{dtype}",
        steps=(
            Step(
                "元素个数 (elements)",
                "N C H W",
                f"{num(batch)}\\times{num(channels)}\\times{num(height)}\\times{num(width)}",
                num(elements),
            ),
            Step(
                f"每个元素的字节数 ({dtype})",
                "b",
                "",
                num(element),
            ),
            Step(
                "字节数 (bytes)",
                "N C H W \\cdot b",
                f"{num(elements)}\\times{num(element)}",
                num(total),
            ),
            Step(
                "换算 (in MiB)",
                "\\text{bytes} / 2^{20}",
                f"{num(total)} / {num(2**20)}",
                f"{num(total / 2**20, 4)}\\ \\text{{MiB}}",
            ),
        ),
    )


@worked_example("reduce-then-conv")
def reduce_then_conv_example(
    in_channels: int = 192,
    reduced: int = 16,
    out_channels: int = 32,
    kernel: int = 5,
    out_size: int = 28,
    expand: bool = False,
) -> WorkedExample:
    """A k x k conv straight on C_in channels vs 1x1 down to C_r first (and, for a ResNet
    bottleneck, the k x k at C_r followed by a 1x1 back up to C_out). Biases ignored."""
    counts(
        in_channels=in_channels,
        reduced=reduced,
        out_channels=out_channels,
        kernel=kernel,
        out_size=out_size,
    )
    if reduced >= in_channels:
        raise BadParameter("reduced", "must be smaller than in_channels")
    middle = reduced if expand else out_channels
    layers = [("1×1", in_channels, reduced, 1), (f"{kernel}×{kernel}", reduced, middle, kernel)]
    if expand:
        layers.append(("1×1", reduced, out_channels, 1))
    direct = conv_cost(in_channels, out_channels, kernel, out_size, 1, bias=False).macs
    direct_weights = conv_params(in_channels, out_channels, kernel, 1, bias=False)
    rows = []
    total_weights = total_macs = 0
    for name, c_in, c_out, k in layers:
        weights = conv_params(c_in, c_out, k, 1, bias=False)
        macs = conv_cost(c_in, c_out, k, out_size, 1, bias=False).macs
        total_weights += weights
        total_macs += macs
        rows.append((f"{name}: ${c_in} \\to {c_out}$", f"${num(weights)}$", f"${num(macs)}$"))
    rows.append(("合计 (total)", f"${num(total_weights)}$", f"${num(total_macs)}$"))
    rows.append(
        (
            f"直接 {kernel}×{kernel}: ${in_channels} \\to {out_channels}$",
            f"${num(direct_weights)}$",
            f"${num(direct)}$",
        )
    )
    return WorkedExample(
        title=(
            f"输出 ${out_size}\\times{out_size}$，先 1×1 降到 $C_r={reduced}$ 通道"
            + ("，再 1×1 升回" if expand else "")
            + "，不计偏置"
        ),
        steps=(
            Table(
                header=("层 (layer)", "权重", "乘加 (MACs)"),
                rows=tuple(rows),
                caption="乘加 = 权重 × 输出位置数 $H_{out}W_{out}$",
            ),
            Step(
                "与直接计算之比 (ratio)",
                "\\frac{\\text{reduced path}}{\\text{direct}}",
                f"\\frac{{{num(total_macs)}}}{{{num(direct)}}}",
                num(total_macs / direct, 3),
            ),
        ),
    )
