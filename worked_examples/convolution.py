"""Convolution arithmetic, following the shape formula in PyTorch's Conv2d docs."""

from __future__ import annotations

from ankigen import BadParameter, Step, WorkedExample, num, worked_example


def conv_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """floor((n + 2p - d(k-1) - 1) / s) + 1, as torch.nn.Conv2d documents it."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@worked_example("conv-output-size")
def conv_output_size_example(
    size: int = 32, kernel: int = 3, stride: int = 1, padding: int = 0, dilation: int = 1
) -> WorkedExample:
    for name, value, low in (
        ("size", size, 1),
        ("kernel", kernel, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
    ):
        if value < low:
            raise BadParameter(name, f"must be at least {low}, got {value}")
    effective = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if effective > padded:
        raise BadParameter(
            "kernel", f"the dilated kernel ({effective}) is larger than the padded input ({padded})"
        )
    out = conv_output_size(size, kernel, stride, padding, dilation)
    numerator = padded - effective
    steps: list[Step] = []
    if dilation > 1:
        steps.append(
            Step(
                "有效卷积核尺寸 (effective kernel size)",
                "k' = d(k-1)+1",
                f"{num(dilation)}\\times({num(kernel)}-1)+1",
                num(effective),
            )
        )
    steps.append(
        Step(
            "输出尺寸 (output size)",
            "o = \\left\\lfloor \\frac{n + 2p - k'}{s} \\right\\rfloor + 1",
            f"\\left\\lfloor \\frac{{{num(size)} + 2\\times{num(padding)} - {num(effective)}}}"
            f"{{{num(stride)}}} \\right\\rfloor + 1",
            f"\\lfloor {num(numerator / stride)} \\rfloor + 1 = {num(out)}",
        )
    )
    return WorkedExample(
        title=f"n={size}, k={kernel}, s={stride}, p={padding}, d={dilation}",
        steps=tuple(steps),
    )
