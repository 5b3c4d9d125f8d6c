"""Transformer size and cost examples, and the code on the attention cards: hand-checked,
and cross-checked against PyTorch."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from conftest import REPO, refused_parameter
from conftest import render_example as example

from ankigen.recipes import load_recipe_folders
from worked_examples.attention_cost import (
    bert_parameters,
    encoder_layer_parameters,
    kv_cache_bytes,
    online_softmax,
    swiglu_hidden,
    swin_attention_cost,
)

load_recipe_folders([REPO / "worked_examples"])

CARDS = REPO / "content" / "beyond-transformer.md"


def card_code(card_id: str) -> str:
    """The first ```python block of the card with this id, as the learner sees it."""
    text = CARDS.read_text(encoding="utf-8")
    start = text.index(f"{{#{card_id}}}")
    end = text.find("\n## ", start)
    block = re.search(r"```python\n(.*?)```", text[start:end], re.S)
    assert block is not None, f"no python code on {card_id}"
    return block.group(1)


def run_card(card_id: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(names)
    exec(compile(card_code(card_id), card_id, "exec"), namespace)  # the card's own code
    return namespace


# --- layer parameters -----------------------------------------------------------------


def test_layer_parameters_hand_checked() -> None:
    # d = 768, d_ff = 3072: 4(768^2 + 768) + 2*768*3072 + 3072 + 768 + 4*768 = 7,087,872.
    assert encoder_layer_parameters(768, 3072) == 7_087_872
    html = example("transformer-layer-params")
    assert "\\(= 2\\,362\\,368\\)" in html and "\\(7\\,087\\,872\\)" in html
    assert "\\(= 7\\,077\\,888\\)" in html  # 12 d^2 = 12 * 589,824


@pytest.mark.parametrize(("d_model", "heads", "d_ff"), [(768, 12, 3072), (512, 8, 2048)])
def test_layer_parameters_match_pytorch(d_model: int, heads: int, d_ff: int) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to count layer parameters")
    layer = torch.nn.TransformerEncoderLayer(d_model, heads, d_ff)
    assert sum(p.numel() for p in layer.parameters()) == encoder_layer_parameters(d_model, d_ff)


def test_bert_base_hand_checked() -> None:
    # 109,482,240 is the parameter count of the released bert-base-uncased BertModel.
    count = bert_parameters(12, 768, 3072, 30522, 512, 2)
    assert (count.embeddings, count.encoder, count.pooler) == (23_837_184, 85_054_464, 590_592)
    assert count.total == 109_482_240
    assert "\\(109\\,482\\,240\\)" in example("bert-params")


# --- KV cache -----------------------------------------------------------------------------


def test_kv_cache_hand_checked() -> None:
    # 2 * 32 layers * 4096 (= 32 heads * 128) * 4096 tokens * 2 bytes = 2^31 bytes = 2 GiB.
    assert kv_cache_bytes(32, 32, 128, 4096, 1, 2) == 2**31
    assert "\\(= 2\\ \\text{GiB}\\)" in example("kv-cache-memory")
    gqa = example("kv-cache-memory", kv_heads=8)
    assert "\\(= 0.5\\ \\text{GiB}\\)" in gqa and "\\(= 4\\)" in gqa
    assert refused_parameter("kv-cache-memory", kv_heads=5) == "kv_heads"


@pytest.mark.parametrize(("heads", "kv_heads"), [(4, 4), (4, 2), (4, 1)])
def test_kv_cache_matches_pytorch_tensors(heads: int, kv_heads: int) -> None:
    """Run real nn.Linear K/V projections in fp16 and count the bytes a cache would hold."""
    torch = pytest.importorskip("torch", reason="PyTorch is needed to build K/V tensors")
    layers, head_dim, seq_len, batch = 3, 8, 5, 2
    d_model = heads * head_dim
    x = torch.randn(batch, seq_len, d_model).half()
    cached = 0
    for _ in range(layers):
        k_proj = torch.nn.Linear(d_model, kv_heads * head_dim, bias=False).half()
        v_proj = torch.nn.Linear(d_model, kv_heads * head_dim, bias=False).half()
        for proj in (k_proj, v_proj):
            t = proj(x).view(batch, seq_len, kv_heads, head_dim).transpose(1, 2)
            cached += t.numel() * t.element_size()
    assert cached == kv_cache_bytes(layers, kv_heads, head_dim, seq_len, batch, 2)


# --- online softmax -------------------------------------------------------------------------


def test_online_softmax_hand_checked() -> None:
    # Blocks [1, 3] and [2, 5]: m = 5, l = (e^-2 + 1) e^{3-5} + (e^-3 + 1) = sum e^{z-5}.
    merged = online_softmax([1.0, 3.0], [2.0, 5.0])
    assert merged.max_all == 5.0
    assert merged.sum_all == pytest.approx(sum(math.exp(z - 5) for z in (1, 3, 2, 5)))
    html = example("online-softmax")
    assert "\\(= 1.203\\)" in html and "\\(0.831\\)" in html


@pytest.mark.parametrize(
    ("block_a", "block_b"), [([1.0, 3.0], [2.0, 5.0]), ([-40.0], [30.0, 2.0, 7.5]), ([0.0], [0.0])]
)
def test_online_softmax_matches_torch(block_a: list[float], block_b: list[float]) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for torch.softmax")
    full = torch.softmax(torch.tensor(block_a + block_b, dtype=torch.float64), dim=0)
    np.testing.assert_allclose(online_softmax(block_a, block_b).probabilities, full.numpy())


# --- SwiGLU, Swin --------------------------------------------------------------------------


def test_swiglu_hidden_matches_llama() -> None:
    # LLaMA-7B's FFN hidden size is 11008: int(2/3 * 16384) = 10922, rounded up to 43 * 256.
    assert swiglu_hidden(4096, 256) == 11008
    html = example("swiglu-hidden")
    assert "\\(= 11\\,008\\)" in html and "\\(= 10\\,922.67\\)" in html


def test_swin_cost_hand_checked() -> None:
    # h = w = 56, C = 96, M = 7: 4hwC^2 = 115,605,504; 2(hw)^2 C = 1,888,223,232;
    # 2 M^2 hw C = 29,503,488.
    assert swin_attention_cost(56, 56, 96, 7) == (2_003_828_736, 145_108_992)
    html = example("swin-window-cost")
    assert "\\(= 4\\)" in html  # window attention grows like hw: 4x when h and w double
    assert refused_parameter("swin-window-cost", window=5) == "window"


# --- code on the cards ----------------------------------------------------------------------------


def test_card_mha_matches_sdpa_and_multihead_attention() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    functional = torch.nn.functional
    torch.manual_seed(0)
    d_model, heads, batch, n = 16, 4, 2, 5
    mha = run_card("ext-mha-code")["MHA"](d_model, heads)
    x = torch.randn(batch, n, d_model)
    causal = torch.ones(n, n, dtype=torch.bool).tril()

    reference = torch.nn.MultiheadAttention(d_model, heads, batch_first=True)
    with torch.no_grad():
        reference.in_proj_weight.copy_(mha.qkv.weight)
        reference.in_proj_bias.copy_(mha.qkv.bias)
        reference.out_proj.weight.copy_(mha.out.weight)
        reference.out_proj.bias.copy_(mha.out.bias)
        for mask in (None, causal):
            ours = mha(x, mask)
            # nn.MultiheadAttention's boolean mask is the opposite: True = may not attend.
            theirs, _ = reference(x, x, x, attn_mask=None if mask is None else ~mask)
            torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)

            q, k, v = (
                t.view(batch, n, heads, -1).transpose(1, 2) for t in mha.qkv(x).chunk(3, dim=-1)
            )
            sdpa = functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            expected = mha.out(sdpa.transpose(1, 2).reshape(batch, n, d_model))
            torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-6)


def test_card_masks() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to run the card's code")
    mask = run_card("ext-padding-vs-causal-mask", torch=torch)["mask"]
    assert mask.shape == (2, 1, 3, 3)
    # The extra shows the second sample (length 2): column 3 is padding, the upper triangle
    # is the future.
    assert mask[1, 0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 0]]
    assert "`[[1,0,0],[1,1,0],[1,1,0]]`" in CARDS.read_text(encoding="utf-8")
    assert mask[0, 0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    # The card's MHA accepts this (B, 1, n, n) mask and masked keys get no weight.
    mha = run_card("ext-mha-code")["MHA"](8, 2)
    x = torch.randn(2, 3, 8)
    changed = x.clone()
    changed[1, 2] = 100.0  # a padding token: must not change the real tokens' outputs
    with torch.no_grad():
        torch.testing.assert_close(mha(x, mask)[1, :2], mha(changed, mask)[1, :2])
