"""Schematics of CNN building blocks, following the papers' own figures.

- residual: He et al. 2015 (Deep Residual Learning), Fig. 2 / Fig. 5 left: two 3x3 convs
  (each followed by BN, the first by ReLU), identity shortcut, addition, then ReLU.
- bottleneck: He et al. 2015, Fig. 5 right: 1x1 256->64, 3x3 64->64, 1x1 64->256, identity
  shortcut on the 256-d input, addition, ReLU.
- inception: Szegedy et al. 2014 (Going Deeper with Convolutions), Fig. 2b, with the filter
  counts of inception (3a) from Table 1 (input 192 channels); the concatenation's channel count
  is the sum of the four branches.
- dense: Huang et al. 2017 (Densely Connected Convolutional Networks), Fig. 1: layer l gets
  the concatenation [x0, ..., x_{l-1}] (k0 + (l-1)k maps, growth rate k) and adds k maps;
  H_l = BN-ReLU-3x3 conv.
- inverted: Sandler et al. 2018 (MobileNetV2), Table 1 / Fig. 3b: 1x1 expansion by t = 6 with
  ReLU6, 3x3 depthwise with ReLU6, linear 1x1 projection; the shortcut joins the narrow ends
  and nothing follows the addition (24 channels, as in the 56x56 stage of Table 2).
- convnext: Liu et al. 2022 (A ConvNet for the 2020s), Fig. 4: 7x7 depthwise conv, LN,
  1x1 96->384, GELU, 1x1 384->96, identity shortcut, no activation after the addition.
"""

from __future__ import annotations

from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ankigen import figure

from ._style import COLORS, FONT_SIZE, PHONE_WIDTH, new_figure

Kind = Literal["residual", "bottleneck", "inception", "dense", "inverted", "convnext"]
Point = tuple[float, float]
CONV, RELU, POOL, PLAIN = "#d6ebf8", "#fbe3cc", "#d5efe6", "white"
BOX_HEIGHT = 0.62
INCEPTION_3A = {
    "1x1": 64,
    "3x3 reduce": 96,
    "3x3": 128,
    "5x5 reduce": 16,
    "5x5": 32,
    "pool proj": 32,
}


def _box(axes: Axes, center: Point, text: str, width: float, color: str = CONV) -> None:
    x, y = center
    axes.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - BOX_HEIGHT / 2),
            width,
            BOX_HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.12",
            facecolor=color,
            edgecolor="#333333",
            linewidth=1.0,
        )
    )
    axes.text(x, y, text, ha="center", va="center", fontsize=FONT_SIZE - 1)


def _arrow(axes: Axes, start: Point, end: Point, rad: float = 0.0, color: str = "#333333") -> None:
    axes.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=9,
            connectionstyle=f"arc3,rad={rad}",
            color=color,
            linewidth=1.1,
            shrinkA=0,
            shrinkB=0,
        )
    )


def _plus(axes: Axes, center: Point, radius: float = 0.25) -> None:
    axes.add_patch(Circle(center, radius, facecolor="white", edgecolor="#333333", linewidth=1.1))
    axes.text(*center, "+", ha="center", va="center", fontsize=FONT_SIZE + 1)


def _canvas(fig: Figure, width: float, height: float) -> Axes:
    """Axes in drawing units: 1 unit = 1/width of the figure's width, equal aspect."""
    axes = fig.add_subplot()
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_aspect("equal")
    axes.axis("off")
    return axes


def _chain(
    axes: Axes, x: float, top: float, gap: float, items: list[tuple[str, str]], width: float
) -> float:
    """Boxes from top to bottom joined by arrows; returns the bottom edge of the last one."""
    y = top
    for index, (text, color) in enumerate(items):
        _box(axes, (x, y), text, width, color)
        if index + 1 < len(items):
            _arrow(axes, (x, y - BOX_HEIGHT / 2), (x, y - gap + BOX_HEIGHT / 2))
        y -= gap
    return y + gap - BOX_HEIGHT / 2


def _residual_like(
    fig: Figure,
    layers: list[tuple[str, str]],
    input_label: str,
    title: str,
    final_relu: bool = True,
) -> None:
    """A chain of layers F(x), the identity shortcut around it, (+), then ReLU if the block
    has one after the addition (ResNet) or nothing (MobileNetV2, ConvNeXt)."""
    gap = 0.95
    height = 1.4 + gap * (len(layers) + 2)
    axes = _canvas(fig, 7.6, height)
    x = 3.6
    top = height - 0.45
    axes.text(x, top, input_label, ha="center", va="center", fontsize=FONT_SIZE)
    _arrow(axes, (x, top - 0.22), (x, top - gap + BOX_HEIGHT / 2))
    bottom = _chain(axes, x, top - gap, gap, layers, 3.4)
    plus_y = bottom - gap + BOX_HEIGHT / 2
    _arrow(axes, (x, bottom), (x, plus_y + 0.25))
    _plus(axes, (x, plus_y))
    relu_y = plus_y - gap + 0.1
    if final_relu:
        _arrow(axes, (x, plus_y - 0.25), (x, relu_y + BOX_HEIGHT / 2))
        _box(axes, (x, relu_y), "ReLU", 3.4, RELU)
        _arrow(axes, (x, relu_y - BOX_HEIGHT / 2), (x, relu_y - 0.75))
    else:
        _arrow(axes, (x, plus_y - 0.25), (x, plus_y - 0.85))
    # Identity shortcut: out of the input's arrow, down the right side, into the (+).
    side = x + 2.3
    branch = top - 0.45
    axes.plot([x, side, side], [branch, branch, plus_y], color=COLORS[1], linewidth=1.4)
    _arrow(axes, (side, plus_y), (x + 0.25, plus_y), color=COLORS[1])
    axes.text(
        side + 0.12,
        (branch + plus_y) / 2,
        "identity\n$x$",
        color=COLORS[1],
        fontsize=FONT_SIZE - 1,
        va="center",
    )
    middle = (top - gap + bottom) / 2
    axes.text(x - 1.85, middle, "$F(x)$", fontsize=FONT_SIZE, ha="right", va="center")
    axes.text(x - 0.4, plus_y, "$F(x)+x$", fontsize=FONT_SIZE - 1, ha="right", va="center")
    axes.set_title(title, fontsize=FONT_SIZE)


def _residual(fig: Figure) -> None:
    layers = [("3×3 conv, 64, BN", CONV), ("ReLU", RELU), ("3×3 conv, 64, BN", CONV)]
    _residual_like(fig, layers, "$x$ (64 channels)", "basic residual block")


def _bottleneck(fig: Figure) -> None:
    layers = [
        ("1×1 conv, 256→64", CONV),
        ("ReLU", RELU),
        ("3×3 conv, 64→64", CONV),
        ("ReLU", RELU),
        ("1×1 conv, 64→256", CONV),
    ]
    _residual_like(fig, layers, "$x$ (256-d)", "bottleneck block (BN after each conv)")


def _inverted(fig: Figure) -> None:
    layers = [
        ("1×1 conv, 24→144", CONV),
        ("ReLU6", RELU),
        ("3×3 depthwise, 144", CONV),
        ("ReLU6", RELU),
        ("linear 1×1, 144→24", CONV),
    ]
    _residual_like(fig, layers, "$x$ (24-d)", "inverted residual (t = 6)", final_relu=False)


def _convnext(fig: Figure) -> None:
    layers = [
        ("7×7 depthwise, 96", CONV),
        ("LayerNorm", PLAIN),
        ("1×1 conv, 96→384", CONV),
        ("GELU", RELU),
        ("1×1 conv, 384→96", CONV),
    ]
    _residual_like(fig, layers, "$x$ (96-d)", "ConvNeXt block", final_relu=False)


def _inception(fig: Figure) -> None:
    width, height = 8.4, 5.2
    axes = _canvas(fig, width, height)
    columns = (1.05, 3.15, 5.25, 7.35)
    c = INCEPTION_3A
    rows: list[list[tuple[str, str]]] = [
        [(f"1×1, {c['1x1']}", CONV)],
        [(f"1×1, {c['3x3 reduce']}", CONV), (f"3×3, {c['3x3']}", CONV)],
        [(f"1×1, {c['5x5 reduce']}", CONV), (f"5×5, {c['5x5']}", CONV)],
        [("3×3 maxpool", POOL), (f"1×1, {c['pool proj']}", CONV)],
    ]
    top, upper, lower, bottom = 4.8, 3.5, 2.2, 0.5
    _box(axes, (width / 2, top), "previous layer (192)", 4.2, PLAIN)
    concat = c["1x1"] + c["3x3"] + c["5x5"] + c["pool proj"]
    _box(axes, (width / 2, bottom), f"filter concatenation ({concat})", 5.4, PLAIN)
    for x, branch in zip(columns, rows, strict=True):
        _arrow(
            axes,
            (width / 2 + (x - width / 2) * 0.45, top - BOX_HEIGHT / 2),
            (x, upper + BOX_HEIGHT / 2),
        )
        _box(axes, (x, upper), branch[0][0], 1.95, branch[0][1])
        end = upper
        if len(branch) == 2:
            _arrow(axes, (x, upper - BOX_HEIGHT / 2), (x, lower + BOX_HEIGHT / 2))
            _box(axes, (x, lower), branch[1][0], 1.95, branch[1][1])
            end = lower
        _arrow(
            axes,
            (x, end - BOX_HEIGHT / 2),
            (width / 2 + (x - width / 2) * 0.6, bottom + BOX_HEIGHT / 2),
        )
    axes.set_title("Inception module (3a): 1×1 convs reduce channels", fontsize=FONT_SIZE - 1)


def _dense(fig: Figure, layers: int = 4) -> None:
    spacing = 1.15  # the block alone, without the transition layer: it fits a phone
    names = ["$x_0$"] + [f"$H_{index}$" for index in range(1, layers + 1)]
    last = len(names) - 1
    width = spacing * len(names)
    axes = _canvas(fig, width, 3.6)
    y = 1.3
    xs = [spacing * (index + 0.5) for index in range(len(names))]
    for index, (x, name) in enumerate(zip(xs, names, strict=True)):
        inner = index > 0
        _box(axes, (x, y), name, 0.9, CONV if inner else PLAIN)
        if index > 0:
            earlier = {1: "", 2: "{+}k"}.get(index, f"{{+}}{index - 1}k")
            axes.text(x, y - 0.45, f"$k_0{earlier}$", ha="center", va="top", fontsize=FONT_SIZE - 2)
    # Every earlier output feeds every later layer (concatenated), as in Huang et al. Fig. 1:
    # neighbours by a straight arrow, the rest by arcs leaving the right half of the source's
    # top edge and landing, spread out, on the left half of the target's.
    for source in range(last):
        _arrow(
            axes,
            (xs[source] + 0.45, y),
            (xs[source + 1] - 0.45, y),
        )
        for target in range(source + 2, len(names)):
            start = (xs[source] + 0.08 + 0.1 * (target - source - 2), y + BOX_HEIGHT / 2)
            end = (xs[target] - 0.38 + 0.1 * source, y + BOX_HEIGHT / 2)
            rise = 0.2 + 0.33 * (target - source)  # the arc's peak above the boxes
            _arrow(axes, start, end, rad=-2 * rise / (end[0] - start[0]), color=COLORS[source])
    axes.text(
        width / 2,
        0.5,
        "$H_l$ reads $[x_0,\\dots,x_{l-1}]$: $k_0+(l-1)k$ maps",
        ha="center",
        va="top",
        fontsize=FONT_SIZE - 2,
    )
    axes.text(
        width / 2,
        0.05,
        "$H_l$: BN-ReLU-3×3 conv, $k$ maps out",
        ha="center",
        va="top",
        fontsize=FONT_SIZE - 2,
    )
    axes.set_title(f"dense block, {layers} layers", fontsize=FONT_SIZE)


@figure("architecture-block")
def architecture_block(kind: Kind = "residual") -> Figure:
    """One building block as a clean schematic (module docstring names the paper figure)."""
    # Inception's four branches side by side need a wider canvas.
    width = {"inception": 4.8}.get(kind, PHONE_WIDTH)
    heights = {"residual": 4.0, "bottleneck": 4.6, "inception": 3.4, "dense": 3.0}
    heights.update({"inverted": 4.0, "convnext": 4.0})
    fig = new_figure(width, heights[kind])
    drawers = {"residual": _residual, "bottleneck": _bottleneck, "inception": _inception}
    drawers.update({"dense": _dense, "inverted": _inverted, "convnext": _convnext})
    drawers[kind](fig)
    return fig
