"""dlmath.layer_params: counts checked by hand and against torch.nn modules."""

from __future__ import annotations

from itertools import product

import torch

from dlmath.layer_params import batchnorm_params, layernorm_params, linear_params


def test_linear_params_hand_checked() -> None:
    # VGG-16's first FC: 25,088 * 4096 weights + 4096 biases = 102,764,544.
    assert linear_params(25_088, 4096) == 102_764_544
    assert linear_params(512, 1000, bias=False) == 512_000


def test_linear_params_match_pytorch() -> None:
    for (features_in, features_out), bias in product(
        ((512, 1000), (3, 1), (64, 10)), (True, False)
    ):
        layer = torch.nn.Linear(features_in, features_out, bias=bias)
        counted = sum(p.numel() for p in layer.parameters())
        assert counted == linear_params(features_in, features_out, bias)


def test_norm_params_hand_checked() -> None:
    assert batchnorm_params(64) == 128  # gamma and beta per channel
    assert layernorm_params(768) == 1536  # gamma and beta per feature


def test_norm_params_match_pytorch() -> None:
    for channels in (1, 64, 2048):
        norm = torch.nn.BatchNorm2d(channels)
        assert sum(p.numel() for p in norm.parameters()) == batchnorm_params(channels)
        assert sum(b.numel() for b in norm.buffers()) == 2 * channels + 1  # mean, var, count
        layer_norm = torch.nn.LayerNorm(channels)
        assert sum(p.numel() for p in layer_norm.parameters()) == layernorm_params(channels)
