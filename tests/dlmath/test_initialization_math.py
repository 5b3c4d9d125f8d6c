"""dlmath.initialization: the ReLU layers' second moment, checked by hand and against a
network initialised by torch.nn.init."""

from __future__ import annotations

import pytest
import torch

from dlmath.initialization import init_scales, relu_second_moments


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
