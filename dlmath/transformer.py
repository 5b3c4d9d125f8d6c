"""Transformer arithmetic: attention parameters, scaling and cost, layer and BERT parameter
counts, the KV cache, online softmax, the SwiGLU width and Swin's window attention.

Sources: Vaswani et al. 2017 ("Attention Is All You Need", sections 3.2-3.3: projections,
d_ff = 4 d_model, the 1/sqrt(d_k) scaling and its footnote); the parameter layouts of
torch.nn.MultiheadAttention and torch.nn.TransformerEncoderLayer; Devlin et al. 2019
(BERT-base, section 3) with the released configuration (vocabulary 30522, 512 positions,
2 segment types); Shazeer 2019 (MQA) and Ainslie et al. 2023 (GQA) for the KV cache; Milakov &
Gimelshein 2018 (online softmax) and Dao et al. 2022 (FlashAttention, section 3.1); Shazeer 2020
and Touvron et al. 2023 (SwiGLU width 2/3 * 4d, rounded up to a multiple of 256 in the LLaMA
code); Liu et al. 2021 (Swin, equations 1 and 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlmath._elementwise import Array
from dlmath.activations import softmax_rows, stable_softmax
from dlmath.layer_params import layernorm_params, linear_params

# --- attention -------------------------------------------------------------------------------


def attention_parameters(d_model: int, bias: bool) -> int:
    """Q, K, V and output projections, each d_model x d_model (heads only split them)."""
    return 4 * linear_params(d_model, d_model, bias)


@dataclass(frozen=True, slots=True)
class ScalingStats:
    variance_unscaled: float
    variance_scaled: float
    max_prob_unscaled: float
    max_prob_scaled: float


def attention_scaling_stats(d_k: int, keys: int, rows: int, seed: int) -> ScalingStats:
    """Monte-Carlo: q, k with i.i.d. N(0, 1) components, as the paper's footnote assumes, so
    q.k has variance d_k and q.k / sqrt(d_k) variance 1; and the mean largest softmax weight
    of a row of `keys` scores, with and without the scaling."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((rows, 1, d_k))
    k = rng.standard_normal((rows, keys, d_k))
    scores = (q * k).sum(axis=-1)
    scaled = scores / np.sqrt(d_k)

    def mean_max_softmax(logits: Array) -> float:
        return float(softmax_rows(logits).max(axis=-1).mean())

    return ScalingStats(
        float(scores.var()), float(scaled.var()), mean_max_softmax(scores), mean_max_softmax(scaled)
    )


def attention_cost(seq_len: int, d_model: int) -> tuple[int, int, int]:
    """MACs of one self-attention layer: projections, QK^T, and attention-weighted V."""
    projections = 4 * seq_len * d_model * d_model
    scores = seq_len * seq_len * d_model
    weighted_values = seq_len * seq_len * d_model
    return projections, scores, weighted_values


# --- parameters of one Transformer layer and of BERT-base ------------------------------------


def ffn_parameters(d_model: int, d_ff: int, bias: bool = True) -> int:
    """Two linear maps d_model -> d_ff -> d_model."""
    return linear_params(d_model, d_ff, bias) + linear_params(d_ff, d_model, bias)


def encoder_layer_parameters(d_model: int, d_ff: int, bias: bool = True) -> int:
    """Attention + FFN + two LayerNorms, as nn.TransformerEncoderLayer."""
    return (
        attention_parameters(d_model, bias)
        + ffn_parameters(d_model, d_ff, bias)
        + 2 * layernorm_params(d_model)
    )


@dataclass(frozen=True, slots=True)
class BertCount:
    embeddings: int
    per_layer: int
    layers: int
    pooler: int

    @property
    def encoder(self) -> int:
        return self.per_layer * self.layers

    @property
    def total(self) -> int:
        return self.embeddings + self.encoder + self.pooler


def bert_parameters(
    layers: int, d_model: int, d_ff: int, vocab: int, positions: int, segments: int
) -> BertCount:
    """Token + position + segment embeddings and their LayerNorm, the layers, the pooler
    (a d_model x d_model linear layer)."""
    embeddings = (vocab + positions + segments) * d_model + layernorm_params(d_model)
    return BertCount(
        embeddings,
        encoder_layer_parameters(d_model, d_ff),
        layers,
        pooler=linear_params(d_model, d_model),
    )


# --- KV cache --------------------------------------------------------------------------------


def kv_cache_bytes(
    layers: int, kv_heads: int, head_dim: int, seq_len: int, batch: int, bytes_per_value: int
) -> int:
    """K and V (the 2), for every layer, KV head, channel, cached token and sequence."""
    return 2 * layers * kv_heads * head_dim * seq_len * batch * bytes_per_value


# --- online softmax (FlashAttention's merge of blocks) ---------------------------------------


@dataclass(frozen=True, slots=True)
class OnlineSoftmax:
    max_a: float
    sum_a: float
    max_b: float
    sum_b: float
    max_all: float
    sum_all: float
    probabilities: Array


def online_softmax(block_a: Sequence[float], block_b: Sequence[float]) -> OnlineSoftmax:
    """Each block keeps (max m, sum of e^{z - m}); merging rescales both sums to the new max."""
    a, b = stable_softmax(block_a), stable_softmax(block_b)
    m = max(a.shift, b.shift)
    total = a.total * math.exp(a.shift - m) + b.total * math.exp(b.shift - m)
    z = np.concatenate([np.asarray(block_a, float), np.asarray(block_b, float)])
    return OnlineSoftmax(a.shift, a.total, b.shift, b.total, m, total, np.exp(z - m) / total)


# --- SwiGLU width, Swin windows --------------------------------------------------------------


def swiglu_hidden(d_model: int, multiple_of: int) -> int:
    """LLaMA's rule: int(2/3 * 4d), rounded up to a multiple of `multiple_of`."""
    hidden = int(2 * (4 * d_model) / 3)
    return multiple_of * ((hidden + multiple_of - 1) // multiple_of)


def swin_attention_cost(height: int, width: int, channels: int, window: int) -> tuple[int, int]:
    """Swin eq. (1) global MSA and eq. (2) window MSA: 4hwC^2 + 2(hw)^2 C vs 4hwC^2 + 2M^2 hwC."""
    tokens = height * width
    projections = 4 * tokens * channels * channels
    return (
        projections + 2 * tokens * tokens * channels,
        projections + 2 * window * window * tokens * channels,
    )
