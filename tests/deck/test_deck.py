"""The shipped deck 深度学习面试 keeps the promises its issues made: size, sources,
figures and worked examples, every recipe in use. A regression here is a deck
a learner would notice got worse."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import REPO, DeckRecipes

from ankigen.model import Note
from ankigen.notetypes import note_fields

FUNDAMENTALS = {
    "特征归一化", "激活函数", "Softmax与交叉熵", "反向传播与梯度", "权重初始化", "优化算法",
    "学习率", "归一化层", "过拟合与正则化", "损失函数", "训练流程",
}  # fmt: skip
CNN_AND_DETECTION = {"卷积运算", "感受野", "采样与池化", "经典网络", "检测基础", "面试延伸"}


def subdeck(note: Note) -> str:
    return note.deck.split("::")[1]


def source(note: Note) -> str:
    return note.source


def test_every_note_is_in_a_known_subdeck_of_the_one_deck(deck_notes: list[Note]) -> None:
    assert {note.root_deck for note in deck_notes} == {"深度学习面试"}
    assert {subdeck(note) for note in deck_notes} == FUNDAMENTALS | CNN_AND_DETECTION


def test_every_note_names_its_source(deck_notes: list[Note]) -> None:
    missing = [note.card_id for note in deck_notes if not source(note).strip()]
    assert missing == []


@pytest.mark.parametrize(
    ("subdecks", "notes", "figures", "examples"),
    [(FUNDAMENTALS, 180, 25, 25), (CNN_AND_DETECTION, 150, 25, 25)],
)
def test_each_half_of_the_deck_is_large_and_illustrated(
    deck_notes: list[Note], subdecks: set[str], notes: int, figures: int, examples: int
) -> None:
    counts: Counter[str] = Counter()
    for note in deck_notes:
        if subdeck(note) in subdecks:
            html = "".join(note_fields(note))
            counts["notes"] += 1
            counts["figures"] += 'class="figure"' in html
            counts["examples"] += 'class="worked-example"' in html
    assert counts["notes"] >= notes
    assert counts["figures"] >= figures
    assert counts["examples"] >= examples


def test_beyond_the_notes_has_its_own_subdeck(deck_notes: list[Note]) -> None:
    beyond = [note for note in deck_notes if subdeck(note) == "面试延伸"]
    assert len(beyond) >= 30


def test_every_recipe_appears_on_a_card(deck_notes: list[Note], recipes: DeckRecipes) -> None:
    html = "".join("".join(note_fields(note)) for note in deck_notes)
    examples_used = set(re.findall(r'data-example="([\w-]+)"', html))
    figures_used = {
        name
        for path in (REPO / "content").glob("*.md")
        for name in re.findall(r"```figure ([\w-]+)", path.read_text(encoding="utf-8"))
    }
    figures, examples = recipes.registry.names("figure"), recipes.registry.names("example")
    assert len(figures) >= 25 and len(examples) >= 27
    assert set(examples) - examples_used == set()
    assert set(figures) - figures_used == set()


def test_no_markdown_or_dollar_math_leaks_into_cards(deck_notes: list[Note]) -> None:
    leaks = [
        note.card_id
        for note in deck_notes
        if re.search(r"(?<!\\)\$[^$\s][^$]*\$|\*\*|\{#", "".join(note_fields(note)))
    ]
    assert leaks == []
