"""worked_examples/transformer.py: attention-params, attention-scaling, attention-cost,
float-formats and loss-scaling, hand-checked, and cross-checked against PyTorch."""

from __future__ import annotations

import pytest
from conftest import DeckRecipes
from example_values import result, row, table

from dlmath.precision import format_limits
from dlmath.transformer import attention_cost, attention_parameters, attention_scaling_stats

# --- attention-params -----------------------------------------------------------------------


def test_attention_parameters_hand_checked(recipes: DeckRecipes) -> None:
    # Base Transformer: 4 * 512^2 = 1,048,576 weights, plus 4 * 512 = 2,048 biases.
    assert attention_parameters(512, bias=True) == 1_050_624
    assert result(recipes.example("attention-params"), "(total)") == 1_050_624


@pytest.mark.parametrize(
    ("d_model", "heads", "bias"), [(512, 8, True), (64, 4, False), (96, 3, True)]
)
def test_attention_parameters_match_pytorch(d_model: int, heads: int, bias: bool) -> None:
    torch = pytest.importorskip(
        "torch", reason="PyTorch is needed to count MultiheadAttention parameters"
    )
    layer = torch.nn.MultiheadAttention(d_model, heads, bias=bias)
    assert sum(p.numel() for p in layer.parameters()) == attention_parameters(d_model, bias)


# --- attention-scaling ----------------------------------------------------------------------


def test_attention_scaling_variance_is_d_k(recipes: DeckRecipes) -> None:
    stats = attention_scaling_stats(d_k=64, keys=16, rows=2000, seed=0)
    assert stats.variance_unscaled == pytest.approx(64, rel=0.05)
    assert stats.variance_scaled == pytest.approx(1, rel=0.05)
    # Unscaled logits (std 8) make softmax nearly one-hot; scaled ones do not.
    assert stats.max_prob_unscaled > 0.8 > 0.3 > stats.max_prob_scaled
    example = recipes.example("attention-scaling")
    assert result(example, "theory") == 64
    unscaled, scaled = row(table(example), "softmax 最大概率的平均 (mean max probability)")
    assert unscaled > 0.8 > 0.3 > scaled


# --- attention-cost -------------------------------------------------------------------------


def test_attention_cost_hand_checked(recipes: DeckRecipes) -> None:
    # n = 1024, d = 512: 4 n d^2 = 4 * 1024 * 262144 = 1,073,741,824; n^2 d = 536,870,912.
    assert attention_cost(1024, 512) == (1_073_741_824, 536_870_912, 536_870_912)
    example = recipes.example("attention-cost")
    assert result(example, "(projections)") == 1_073_741_824
    assert result(example, "$QK^\\top$") == 536_870_912
    assert result(example, "($n$ doubled)") == 4


def test_attention_cost_matches_pytorch_matmul_shapes() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check attention shapes")
    for n, d, h in ((16, 32, 4), (10, 12, 3)):
        q = torch.zeros(h, n, d // h)
        scores = q @ q.transpose(-1, -2)
        # h matrices of n x n, each entry a dot product of length d/h.
        assert scores.numel() * (d // h) == attention_cost(n, d)[1]


# --- float-formats --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fp32", "fp16", "bf16"])
def test_float_limits_match_torch_finfo(name: str) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed for torch.finfo")
    info = torch.finfo({"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[name])
    limits = format_limits(name)
    assert limits.max_value == info.max
    assert limits.min_normal == info.tiny
    assert limits.epsilon == info.eps
    assert limits.min_subnormal == info.smallest_normal * info.eps


def test_float_formats_hand_checked(recipes: DeckRecipes) -> None:
    # fp16: (2 - 2^-10) * 2^15 = 65504; epsilon 2^-10 = 0.0009765625; bf16 epsilon 2^-7.
    example = recipes.example("float-formats")
    assert row(table(example, "最大值"), "fp16") == [65_504]
    epsilon = table(example, "epsilon")
    assert row(epsilon, "fp16") == [0.00097656] and row(epsilon, "bf16") == [0.0078125]


# --- loss-scaling ---------------------------------------------------------------------------


def test_loss_scaling_rescues_an_underflowing_gradient(recipes: DeckRecipes) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is needed to check fp16 underflow")
    assert torch.tensor(1e-8, dtype=torch.float16).item() == 0.0
    example = recipes.example("loss-scaling")
    assert result(example, "(underflow)") == 0  # the unscaled gradient is lost
    assert result(example, "(unscale before the update)") == pytest.approx(1e-8, rel=1e-3)
    scaled = torch.tensor(1e-8 * 65536, dtype=torch.float16).float() / 65536
    assert scaled.item() == pytest.approx(1e-8, rel=1e-3)
