"""worked_examples/attention_cost.py: transformer-layer-params, bert-params, kv-cache-memory,
online-softmax, swiglu-hidden and swin-window-cost, hand-checked (the formulas of
dlmath.transformer are checked against PyTorch in tests/dlmath/test_transformer_math.py);
and the attention code on the cards of beyond-transformer.md."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REPO, DeckRecipes
from example_values import card_code, column, result, table


@pytest.mark.parametrize(
    ("name", "params", "parameter"),
    [
        ("kv-cache-memory", {"kv_heads": 5}, "kv_heads"),
        ("swin-window-cost", {"window": 5}, "window"),
    ],
)
def test_bad_parameters_are_refused_by_name(
    recipes: DeckRecipes, name: str, params: dict[str, Any], parameter: str
) -> None:
    assert recipes.refused("example", name, **params) == parameter


# --- transformer-layer-params, bert-params ----------------------------------------------------


def test_layer_parameters_hand_checked(recipes: DeckRecipes) -> None:
    # d = 768, d_ff = 3072: 4(768^2 + 768) + 2*768*3072 + 3072 + 768 + 4*768 = 7,087,872.
    example = recipes.example("transformer-layer-params")
    assert result(example, "(attention)") == 2_362_368
    assert result(example, "(per layer)") == 7_087_872
    assert result(example, "(weights only)") == 7_077_888  # 12 d^2 = 12 * 589,824


def test_bert_base_hand_checked(recipes: DeckRecipes) -> None:
    # 109,482,240 is the parameter count of the released bert-base-uncased BertModel.
    assert result(recipes.example("bert-params"), "(total)") == 109_482_240


# --- kv-cache-memory ----------------------------------------------------------------------------


def test_kv_cache_hand_checked(recipes: DeckRecipes) -> None:
    # 2 * 32 layers * 4096 (= 32 heads * 128) * 4096 tokens * 2 bytes = 2^31 bytes = 2 GiB.
    assert result(recipes.example("kv-cache-memory"), "GiB") == 2
    gqa = recipes.example("kv-cache-memory", kv_heads=8)
    assert result(gqa, "GiB") == 0.5
    assert result(gqa, "(saving vs MHA)") == 4


# --- online-softmax ------------------------------------------------------------------------------


def test_online_softmax_hand_checked(recipes: DeckRecipes) -> None:
    # Blocks [1, 3] and [2, 5]: m = 5, l = (e^-2 + 1) e^{3-5} + (e^-3 + 1) = sum e^{z-5}.
    example = recipes.example("online-softmax")
    assert result(example, "重新缩放后相加") == 1.203
    blocks = table(example)
    assert column(blocks, "$e^{z-m}/\\ell$") == column(blocks, "整体 softmax")
    assert column(blocks, "整体 softmax")[-1] == 0.831


# --- swiglu-hidden, swin-window-cost --------------------------------------------------------------


def test_swiglu_hidden_matches_llama(recipes: DeckRecipes) -> None:
    # LLaMA-7B's FFN hidden size is 11008: int(2/3 * 16384) = 10922, rounded up to 43 * 256.
    example = recipes.example("swiglu-hidden")
    assert result(example, "参数相等的宽度") == 10_922.67
    assert result(example, "向上取到 256 的倍数") == 11_008


def test_swin_cost_hand_checked(recipes: DeckRecipes) -> None:
    # h = w = 56, C = 96, M = 7: 4hwC^2 = 115,605,504; 2(hw)^2 C = 1,888,223,232;
    # 2 M^2 hw C = 29,503,488.
    example = recipes.example("swin-window-cost")
    assert result(example, "(MSA)") == 2_003_828_736
    assert result(example, "(W-MSA)") == 145_108_992
    # Window attention grows like hw: 4x when h and w double.
    assert result(example, "W-MSA 增长") == 4


# --- the code on the cards of beyond-transformer.md (not a recipe: belongs with the deck) ------


def run_card(card_id: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = dict(names)
    code = card_code("beyond-transformer.md", card_id)
    exec(compile(code, card_id, "exec"), namespace)  # the card's own code
    return namespace


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
    cards = (REPO / "content" / "beyond-transformer.md").read_text(encoding="utf-8")
    assert "`[[1,0,0],[1,1,0],[1,1,0]]`" in cards
    assert mask[0, 0].int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    # The card's MHA accepts this (B, 1, n, n) mask and masked keys get no weight.
    mha = run_card("ext-mha-code")["MHA"](8, 2)
    x = torch.randn(2, 3, 8)
    changed = x.clone()
    changed[1, 2] = 100.0  # a padding token: must not change the real tokens' outputs
    with torch.no_grad():
        torch.testing.assert_close(mha(x, mask)[1, :2], mha(changed, mask)[1, :2])
