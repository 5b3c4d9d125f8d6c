"""worked_examples/transformer.py: attention-params, attention-scaling, attention-cost,
float-formats and loss-scaling, hand-checked (the formulas of dlmath.transformer and
dlmath.precision, fp16 rounding included, are checked against PyTorch in tests/dlmath)."""

from __future__ import annotations

import pytest
from conftest import DeckRecipes
from example_values import result, row, table

# --- attention-params -----------------------------------------------------------------------


def test_attention_parameters_hand_checked(recipes: DeckRecipes) -> None:
    # Base Transformer: 4 * 512^2 = 1,048,576 weights, plus 4 * 512 = 2,048 biases.
    assert result(recipes.example("attention-params"), "(total)") == 1_050_624


# --- attention-scaling ----------------------------------------------------------------------


def test_attention_scaling_variance_is_d_k(recipes: DeckRecipes) -> None:
    # Unscaled logits (std 8) make softmax nearly one-hot; scaled ones do not.
    example = recipes.example("attention-scaling")
    assert result(example, "theory") == 64
    unscaled, scaled = row(table(example), "softmax 最大概率的平均 (mean max probability)")
    assert unscaled > 0.8 > 0.3 > scaled


# --- attention-cost -------------------------------------------------------------------------


def test_attention_cost_hand_checked(recipes: DeckRecipes) -> None:
    # n = 1024, d = 512: 4 n d^2 = 4 * 1024 * 262144 = 1,073,741,824; n^2 d = 536,870,912.
    example = recipes.example("attention-cost")
    assert result(example, "(projections)") == 1_073_741_824
    assert result(example, "$QK^\\top$") == 536_870_912
    assert result(example, "($n$ doubled)") == 4


# --- float-formats --------------------------------------------------------------------------


def test_float_formats_hand_checked(recipes: DeckRecipes) -> None:
    # fp16: (2 - 2^-10) * 2^15 = 65504; epsilon 2^-10 = 0.0009765625; bf16 epsilon 2^-7.
    example = recipes.example("float-formats")
    assert row(table(example, "最大值"), "fp16") == [65_504]
    epsilon = table(example, "epsilon")
    assert row(epsilon, "fp16") == [0.00097656] and row(epsilon, "bf16") == [0.0078125]


# --- loss-scaling ---------------------------------------------------------------------------


def test_loss_scaling_rescues_an_underflowing_gradient(recipes: DeckRecipes) -> None:
    # 1e-8 is below half of fp16's smallest subnormal 2^-24: it rounds to 0; scaled by 65536 it
    # is a normal fp16 number, and unscaling in fp32 gives 1e-8 back to about 1e-3.
    example = recipes.example("loss-scaling")
    assert result(example, "(underflow)") == 0  # the unscaled gradient is lost
    assert result(example, "(unscale before the update)") == pytest.approx(1e-8, rel=1e-3)
