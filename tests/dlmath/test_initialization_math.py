"""dlmath.initialization: the Xavier and He scales and the ReLU layers' second moment,
checked by hand and against torch.nn.init, nn.Linear's default and a network initialised by
torch.nn.init."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from dlmath.initialization import init_scales, init_std, relu_second_moments


def test_init_scales_hand_checked() -> None:
    # fan_in 256, fan_out 512: Xavier std sqrt(2/768) = 0.051031, bound sqrt(6/768) = 0.088388;
    # He std sqrt(2/256) = 0.088388, bound sqrt(6/256) = 0.153093; Linear default 1/16 = 0.0625.
    s = init_scales(256, 512)
    assert s.xavier_std == pytest.approx(0.051031, abs=1e-6)
    assert s.xavier_bound == pytest.approx(0.088388, abs=1e-6)
    assert s.he_std == pytest.approx(0.088388, abs=1e-6)
    assert s.he_bound == pytest.approx(0.153093, abs=1e-6)
    assert s.linear_default_bound == 0.0625


def test_init_std_hand_checked() -> None:
    # Xavier: sqrt(2 / (256 + 512)) = sqrt(1/384) = 0.05103; He: sqrt(2 / 256) = 0.08839.
    assert init_std("xavier", 256, 512) == pytest.approx(0.0510310, rel=1e-5)
    assert init_std("he", 256, 512) == pytest.approx(0.0883883, rel=1e-5)
    assert init_std("small", 256, 512) == 0.01


def test_init_scale_matches_torch_nn_init() -> None:
    init = torch.nn.init
    generator = torch.Generator().manual_seed(0)
    for fan_in, fan_out in ((256, 512), (1000, 300), (64, 4096), (3000, 100)):
        s = init_scales(fan_in, fan_out)
        weight = torch.empty(fan_out, fan_in, dtype=torch.float64)  # a Linear weight (out, in)
        assert init._calculate_fan_in_and_fan_out(weight) == (fan_in, fan_out)
        relu: dict[str, Any] = {"mode": "fan_in", "nonlinearity": "relu"}
        for fill, options, bound in (
            (init.xavier_uniform_, {}, s.xavier_bound),
            (init.kaiming_uniform_, relu, s.he_bound),
        ):
            fill(weight, generator=generator, **options)
            assert weight.abs().max().item() <= bound
            assert weight.abs().max().item() == pytest.approx(bound, rel=1e-3)
            assert weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.01)
        init.xavier_normal_(weight, generator=generator)
        assert weight.std().item() == pytest.approx(s.xavier_std, rel=0.01)
        init.kaiming_normal_(weight, generator=generator, **relu)
        assert weight.std().item() == pytest.approx(s.he_std, rel=0.01)
        linear = torch.nn.Linear(fan_in, fan_out)
        assert linear.weight.abs().max().item() <= s.linear_default_bound + 1e-7
        assert linear.weight.abs().max().item() == pytest.approx(s.linear_default_bound, rel=1e-3)


def test_relu_second_moments_hand_checked() -> None:
    # Each layer multiplies E[a^2] by width Var(w) / 2: Xavier on a square layer has
    # Var(w) = 1/width, so 1/2 a layer (2^-10 after ten); He has 2/width, so exactly 1.
    assert relu_second_moments(256, 1 / 256, 10)[-1] == pytest.approx(2.0**-10)
    assert relu_second_moments(256, 2 / 256, 10) == pytest.approx([1.0] * 10)
    assert relu_second_moments(4, 1.0, 3) == [2.0, 4.0, 8.0]


def test_relu_second_moments_match_torch_networks() -> None:
    # Bias-free ReLU layers initialised by xavier_normal_ and kaiming_normal_ (fan_in, relu),
    # averaged over networks: one network drifts (ReLU outputs share a mean direction).
    width, layers, seeds = 512, 10, 6
    s = init_scales(width, width)
    for fill, variance in (
        (torch.nn.init.xavier_normal_, s.xavier_std**2),
        (torch.nn.init.kaiming_normal_, s.he_std**2),
    ):
        measured = []
        for seed in range(seeds):
            generator = torch.Generator().manual_seed(seed)
            a = torch.randn(1024, width, dtype=torch.float64, generator=generator)
            for _ in range(layers):
                w = fill(torch.empty(width, width, dtype=torch.float64), generator=generator)
                a = torch.relu(a @ w.T)
            measured.append((a**2).mean().item())
        expected = relu_second_moments(width, variance, layers)[-1]
        assert sum(measured) / seeds == pytest.approx(expected, rel=0.3)
