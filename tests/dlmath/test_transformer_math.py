"""dlmath.transformer: attention and Transformer counts checked by hand and against torch.nn
modules, FlopCounterMode and torch.softmax."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from dlmath.transformer import (
    attention_cost,
    attention_parameters,
    attention_scaling_stats,
    bert_parameters,
    encoder_layer_parameters,
    ffn_parameters,
    kv_cache_bytes,
    online_softmax,
    swiglu_hidden,
    swin_attention_cost,
)

# --- attention -------------------------------------------------------------------------------


def test_attention_parameters_hand_checked() -> None:
    # Base Transformer: 4 * 512^2 = 1,048,576 weights, plus 4 * 512 = 2,048 biases.
    assert attention_parameters(512, bias=True) == 1_050_624
    assert attention_parameters(512, bias=False) == 1_048_576


@pytest.mark.parametrize(
    ("d_model", "heads", "bias"), [(512, 8, True), (64, 4, False), (96, 3, True)]
)
def test_attention_parameters_match_multihead_attention(
    d_model: int, heads: int, bias: bool
) -> None:
    layer = torch.nn.MultiheadAttention(d_model, heads, bias=bias)
    assert sum(p.numel() for p in layer.parameters()) == attention_parameters(d_model, bias)


def test_attention_scaling_variance_is_d_k() -> None:
    # q.k sums d_k products of independent N(0, 1) pairs, each of variance 1: variance d_k;
    # dividing by sqrt(d_k) brings it back to 1.
    stats = attention_scaling_stats(d_k=64, keys=16, rows=2000, seed=0)
    assert stats.variance_unscaled == pytest.approx(64, rel=0.05)
    assert stats.variance_scaled == pytest.approx(1, rel=0.05)
    # Unscaled logits (std 8) make softmax nearly one-hot; scaled ones do not.
    assert stats.max_prob_unscaled > 0.8 > 0.3 > stats.max_prob_scaled


def test_attention_cost_hand_checked() -> None:
    # n = 1024, d = 512: 4 n d^2 = 4 * 1024 * 262144 = 1,073,741,824; n^2 d = 536,870,912.
    assert attention_cost(1024, 512) == (1_073_741_824, 536_870_912, 536_870_912)


@pytest.mark.parametrize(("n", "d", "h"), [(16, 32, 4), (10, 12, 3)])
def test_attention_cost_matches_flop_counter(n: int, d: int, h: int) -> None:
    # FlopCounterMode counts 2 FLOPs per multiply-accumulate.
    projections, scores, weighted = attention_cost(n, d)
    x = torch.randn(n, d)
    q, k, v = (torch.randn(h, n, d // h) for _ in range(3))
    weights = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
    linear = torch.nn.Linear(d, d, bias=False)
    for operation, macs in (
        (lambda: [linear(x) for _ in range(4)], projections),  # Q, K, V, output
        (lambda: q @ k.transpose(-1, -2), scores),
        (lambda: weights @ v, weighted),
    ):
        with FlopCounterMode(display=False) as counter:
            operation()
        assert counter.get_total_flops() == 2 * macs


# --- parameters of one Transformer layer and of BERT-base ------------------------------------


def test_layer_parameters_hand_checked() -> None:
    # d = 768, d_ff = 3072: FFN 2 * 768 * 3072 + 3072 + 768 = 4,722,432;
    # 4(768^2 + 768) + 4,722,432 + 4 * 768 = 7,087,872.
    assert ffn_parameters(768, 3072) == 4_722_432
    assert encoder_layer_parameters(768, 3072) == 7_087_872


@pytest.mark.parametrize(("d_model", "heads", "d_ff"), [(768, 12, 3072), (512, 8, 2048)])
def test_layer_parameters_match_transformer_encoder_layer(
    d_model: int, heads: int, d_ff: int
) -> None:
    layer = torch.nn.TransformerEncoderLayer(d_model, heads, d_ff)
    assert sum(p.numel() for p in layer.parameters()) == encoder_layer_parameters(d_model, d_ff)
    ffn = (layer.linear1, layer.linear2)
    assert sum(p.numel() for m in ffn for p in m.parameters()) == ffn_parameters(d_model, d_ff)


def test_bert_base_hand_checked() -> None:
    # Embeddings (30522 + 512 + 2) * 768 + 2 * 768 = 23,837,184; 12 layers of 7,087,872;
    # pooler 768^2 + 768 = 590,592. 109,482,240 is the released bert-base-uncased BertModel's
    # parameter count.
    count = bert_parameters(12, 768, 3072, 30522, 512, 2)
    assert (count.embeddings, count.encoder, count.pooler) == (23_837_184, 85_054_464, 590_592)
    assert count.total == 109_482_240


# --- KV cache --------------------------------------------------------------------------------


def test_kv_cache_hand_checked() -> None:
    # 2 * 32 layers * 4096 (= 32 heads * 128) * 4096 tokens * 2 bytes = 2^31 bytes = 2 GiB;
    # GQA with 8 KV heads holds a quarter of that.
    assert kv_cache_bytes(32, 32, 128, 4096, 1, 2) == 2**31
    assert kv_cache_bytes(32, 8, 128, 4096, 1, 2) == 2**29


@pytest.mark.parametrize(("heads", "kv_heads"), [(4, 4), (4, 2), (4, 1)])
def test_kv_cache_matches_torch_tensors(heads: int, kv_heads: int) -> None:
    """Run real nn.Linear K/V projections in fp16 and count the bytes a cache would hold."""
    layers, head_dim, seq_len, batch = 3, 8, 5, 2
    d_model = heads * head_dim
    x = torch.randn(batch, seq_len, d_model).half()
    cached = 0
    for _ in range(layers):
        for _kv in range(2):
            proj = torch.nn.Linear(d_model, kv_heads * head_dim, bias=False).half()
            t = proj(x).view(batch, seq_len, kv_heads, head_dim).transpose(1, 2)
            cached += t.numel() * t.element_size()
    assert cached == kv_cache_bytes(layers, kv_heads, head_dim, seq_len, batch, 2)


# --- online softmax --------------------------------------------------------------------------


def test_online_softmax_hand_checked() -> None:
    # Blocks [1, 3] and [2, 5]: m_A = 3, l_A = e^-2 + 1; m_B = 5, l_B = e^-3 + 1; m = 5 and
    # l = l_A e^{3-5} + l_B = sum of e^{z-5} over all four.
    merged = online_softmax([1.0, 3.0], [2.0, 5.0])
    assert (merged.max_a, merged.max_b, merged.max_all) == (3.0, 5.0, 5.0)
    assert merged.sum_a == pytest.approx(math.exp(-2) + 1)
    assert merged.sum_all == pytest.approx(sum(math.exp(z - 5) for z in (1, 3, 2, 5)))
    assert float(merged.probabilities.sum()) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("block_a", "block_b"), [([1.0, 3.0], [2.0, 5.0]), ([-40.0], [30.0, 2.0, 7.5]), ([0.0], [0.0])]
)
def test_online_softmax_matches_torch_softmax(block_a: list[float], block_b: list[float]) -> None:
    full = torch.softmax(torch.tensor(block_a + block_b, dtype=torch.float64), dim=0)
    np.testing.assert_allclose(online_softmax(block_a, block_b).probabilities, full.numpy())


# --- SwiGLU width, Swin windows --------------------------------------------------------------


def test_swiglu_hidden_matches_llama() -> None:
    # LLaMA-7B's FFN hidden size is 11008: int(2/3 * 16384) = 10922, rounded up to 43 * 256.
    assert swiglu_hidden(4096, 256) == 11008
    assert swiglu_hidden(768, 1) == 2048  # 2/3 * 4 * 768 exactly


def test_swin_cost_hand_checked() -> None:
    # h = w = 56, C = 96, M = 7: 4hwC^2 = 115,605,504; 2(hw)^2 C = 1,888,223,232;
    # 2 M^2 hw C = 29,503,488.
    assert swin_attention_cost(56, 56, 96, 7) == (2_003_828_736, 145_108_992)
