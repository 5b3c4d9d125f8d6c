"""Normalisation formulas, by hand and against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from dlmath.normalization import fold_batchnorm


def test_bn_fold_hand_checked() -> None:
    # gamma 1.5, var 0.25 (+ eps 0): scale 3; w' = 3w, b' = 3 (0.2 - 0.4) + 0.1 = -0.5.
    bias, gamma, beta, mean, var = (np.array([v]) for v in (0.2, 1.5, 0.1, 0.4, 0.25))
    f = fold_batchnorm(np.array([[0.5, -1.0]]), bias, gamma, beta, mean, var, eps=0.0)
    assert f.scale.tolist() == [3.0]
    assert f.weight.tolist() == [[1.5, -3.0]]
    assert f.bias.tolist() == pytest.approx([-0.5])


def test_bn_fold_matches_pytorch_conv_bn_eval() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to cross-check BN folding")
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(3, 4, 3, padding=1, dtype=torch.float64)
    bn = torch.nn.BatchNorm2d(4, dtype=torch.float64)
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 2)
        bn.bias.uniform_(-1, 1)
    conv.eval()
    bn.eval()
    w, b, g, beta, mean, var = (
        t.detach().numpy()
        for t in (conv.weight, conv.bias, bn.weight, bn.bias, bn.running_mean, bn.running_var)
    )
    f = fold_batchnorm(w, b, g, beta, mean, var, bn.eps)
    folded = torch.nn.Conv2d(3, 4, 3, padding=1, dtype=torch.float64)
    with torch.no_grad():
        folded.weight.copy_(torch.from_numpy(f.weight))
        folded.bias.copy_(torch.from_numpy(f.bias))
        x = torch.randn(2, 3, 5, 5, dtype=torch.float64)
        expected = bn(conv(x))
        np.testing.assert_allclose(folded(x).numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
        fused = fuse_conv_bn_eval(conv, bn)
        np.testing.assert_allclose(fused.weight.numpy(), f.weight, rtol=1e-12)
        np.testing.assert_allclose(fused.bias.numpy(), f.bias, rtol=1e-12)


# --- bn-cumulative-average ---------------------------------------------------------------------
