"""dlmath.precision: float-format limits and loss scaling, checked by hand and against
torch.finfo and torch's fp16 tensors."""

from __future__ import annotations

import pytest
import torch

from dlmath.precision import FloatFormat, bytes_per_element, format_limits, loss_scaling

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def test_format_limits_hand_checked() -> None:
    # fp16: e = 5, bias 15, m = 10: max (2 - 2^-10) 2^15 = 65504; smallest normal 2^-14;
    # smallest subnormal 2^-24; epsilon 2^-10. bf16 keeps fp32's 8 exponent bits: epsilon 2^-7.
    fp16 = format_limits("fp16")
    assert (fp16.max_value, fp16.min_normal) == (65504.0, 2.0**-14)
    assert (fp16.min_subnormal, fp16.epsilon) == (2.0**-24, 2.0**-10)
    assert format_limits("bf16").epsilon == 0.0078125
    assert (bytes_per_element("fp32"), bytes_per_element("bf16")) == (4, 2)


@pytest.mark.parametrize("name", ["fp32", "fp16", "bf16"])
def test_format_limits_match_torch_finfo(name: FloatFormat) -> None:
    info = torch.finfo(DTYPES[name])
    limits = format_limits(name)
    assert limits.max_value == info.max
    assert limits.min_normal == info.tiny
    assert limits.epsilon == info.eps
    assert limits.min_subnormal == info.smallest_normal * info.eps
    assert (1 + limits.exponent_bits + limits.mantissa_bits) == info.bits
    assert bytes_per_element(name) == torch.empty(0, dtype=DTYPES[name]).element_size()


def test_loss_scaling_hand_checked() -> None:
    # 1e-8 is below half of fp16's smallest subnormal 2^-24 = 5.96e-8: it rounds to 0.
    # 65536 * 1e-8 = 6.55e-4 is a normal fp16 number (about 3 digits kept), and dividing by
    # 65536 in fp32 gives 1e-8 back to about 1e-3.
    r = loss_scaling(1e-8, 65536.0)
    assert r.as_fp16 == 0.0
    assert r.scaled_fp16 == pytest.approx(6.5536e-4, rel=1e-3)
    assert r.recovered == pytest.approx(1e-8, rel=1e-3)


@pytest.mark.parametrize(("gradient", "scale"), [(1e-8, 65536.0), (3e-6, 1024.0), (0.25, 1.0)])
def test_loss_scaling_matches_torch_fp16(gradient: float, scale: float) -> None:
    r = loss_scaling(gradient, scale)
    assert r.as_fp16 == torch.tensor(gradient, dtype=torch.float16).item()
    scaled = torch.tensor(gradient * scale, dtype=torch.float16)
    assert r.scaled_fp16 == scaled.item()
    assert r.recovered == (scaled.float() / scale).item()
