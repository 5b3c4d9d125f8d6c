"""The parameter checks recipes share: one wording and one limit each."""

from __future__ import annotations

import pytest

from ankigen import BadParameter
from ankigen.checks import MAX_VALUES, at_least, between, checked_values


def refusal(call: object) -> str:
    assert callable(call)
    with pytest.raises(BadParameter) as error:
        call()
    return f"{error.value.name}: {error.value.message}"


def test_bounds_name_the_parameter_and_the_limit() -> None:
    at_least("stride", 1, 1)
    between("heads", 8, 1, 64)
    assert refusal(lambda: at_least("stride", 0, 1)) == "stride: must be at least 1, got 0"
    assert refusal(lambda: between("p", 1.5, 0, 1)) == "p: must be between 0 and 1, got 1.5"


def test_values_fit_a_phone_and_a_cell() -> None:
    assert checked_values("x", [1, 2.5]).tolist() == [1.0, 2.5]
    too_many = [0.0] * (MAX_VALUES + 1)
    assert (
        refusal(lambda: checked_values("x", too_many))
        == f"x: give 2 to 8 values, got {MAX_VALUES + 1}"
    )
    assert refusal(lambda: checked_values("x", [1.0])).startswith("x: give 2 to 8")
    assert checked_values("x", [1.0], low=1).tolist() == [1.0]
    for bad in ([1.0, float("nan")], [1.0, 2e6]):
        assert refusal(lambda bad=bad: checked_values("x", bad)).endswith("magnitude at most 1e+06")
