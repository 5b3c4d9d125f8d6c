"""A recipe's return value becomes data (a drawn figure, a checked worked example), and one
renderer turns it into the HTML and media a card carries."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from ankigen import Step, WorkedExample
from ankigen.products import DrawnFigure, WrongReturn, product_html, product_of


def small_figure() -> object:
    figure, axes = plt.subplots(figsize=(2, 1))
    axes.set_title("title", fontsize=9)
    axes.set_xlabel("x", fontsize=7)
    return figure


def test_a_figure_is_drawn_to_the_same_svg_every_time_and_to_png_only_when_asked() -> None:
    first = product_of("figure", "f", small_figure())
    second = product_of("figure", "f", small_figure(), png=True)
    assert isinstance(first, DrawnFigure) and isinstance(second, DrawnFigure)
    assert first.svg == second.svg and first.svg.startswith(b"<?xml")
    assert first.png == b"" and second.png.startswith(b"\x89PNG")
    assert first.smallest_text_pt == 7


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("figure", WorkedExample("t", ()), "figure recipe 'r' returned WorkedExample"),
        ("example", "text", "example recipe 'r' returned str"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(kind: str, value: object, message: str) -> None:
    with pytest.raises(WrongReturn, match=message):
        product_of(kind, "r", value)


def test_a_figure_becomes_an_image_of_its_hashed_svg() -> None:
    drawn = product_of("figure", "my figure", small_figure())
    html, media = product_html("my figure", drawn)
    assert isinstance(drawn, DrawnFigure) and media is not None and media.data == drawn.svg
    assert media.name.startswith("my-figure-") and media.name.endswith(".svg")
    assert html == (
        f'<div class="figure"><img src="{media.name}" alt="my figure" data-min-text-pt="7"></div>\n'
    )


def test_a_worked_example_becomes_html_and_no_media() -> None:
    example = product_of("example", "e", WorkedExample("t", (Step("a", result="1"),)))
    html, media = product_html("e", example)
    assert media is None and html.startswith('<div class="worked-example" data-example="e">')
