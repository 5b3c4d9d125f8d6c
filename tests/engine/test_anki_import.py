"""End to end: build the fixture deck, import it with the official Anki, render every card."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import import_package

TEMPLATE_ERRORS = ("{{", "}}", "no field called", "front of this card is blank", "Please edit")


def build_and_import(cli: Any, project: Path, collection: Any) -> list[Any]:
    result = cli("build", project)
    assert result.code == 0, result.err
    for apkg in sorted((project / "dist").glob("*.apkg")):
        import_package(collection, apkg)
    return [collection.get_card(cid) for cid in collection.find_cards("")]


def card_html(card: Any) -> str:
    return str(card.question()) + str(card.answer())


def test_packages_one_apkg_per_root_deck(cli: Any, project: Path) -> None:
    result = cli("build", project)
    assert result.code == 0, result.err
    names = sorted(p.name for p in (project / "dist").glob("*.apkg"))
    assert names == ["Fixture.apkg", "Other deck.apkg"]
    # The card counts are the ones Anki makes (10 in all: the next test).
    assert "wrote dist/Fixture.apkg: 7 notes (9 cards), 2 media files" in result.out
    assert "wrote dist/Other deck.apkg: 1 note (1 card), 0 media files" in result.out


def test_anki_imports_notes_decks_and_tags(cli: Any, project: Path, collection: Any) -> None:
    build_and_import(cli, project, collection)
    assert collection.note_count() == 8
    decks = {d.name for d in collection.decks.all_names_and_ids()}
    assert {"Fixture::Basics", "Fixture::Advanced::Deep", "Other deck"} <= decks
    nested = collection.get_note(collection.find_notes("ID:nested-card")[0])
    assert sorted(nested.tags) == ["Part_one::Chapter_two", "fixture"]
    math = collection.get_note(collection.find_notes("ID:math-inline")[0])
    assert sorted(math.tags) == ["Math", "basics", "fixture"]


def test_every_card_renders_without_template_error(
    cli: Any, project: Path, collection: Any
) -> None:
    cards = build_and_import(cli, project, collection)
    # 6 one-card notes, a reversed note (2 cards), a cloze note with c1 and c2 (2 cards).
    assert len(cards) == 10
    for card in cards:
        html = card_html(card)
        for marker in TEMPLATE_ERRORS:
            assert marker not in html, (marker, card.note()["ID"])
        assert card.question().strip() and card.answer().strip()


def test_every_image_resolves_to_imported_media(cli: Any, project: Path, collection: Any) -> None:
    cards = build_and_import(cli, project, collection)
    media = set(Path(collection.media.dir()).iterdir())
    names = {path.name for path in media}
    sources = {src for card in cards for src in re.findall(r'<img src="([^"]+)"', card_html(card))}
    assert len(sources) == 2  # the fixture's PNG and the generated figure
    assert sources <= names
    assert all(not name.startswith("_") for name in names)
    assert any(
        name.endswith(".svg") and b"<svg" in (Path(collection.media.dir()) / name).read_bytes()
        for name in names
    )


def test_math_arrives_as_mathjax_delimiters_untouched(
    cli: Any, project: Path, collection: Any
) -> None:
    build_and_import(cli, project, collection)
    card = collection.get_card(collection.find_cards("ID:math-inline")[0])
    question, answer = card.question(), card.answer()
    assert r"\(a_1 * b_2 &lt; c\)" in question
    assert r"\(x_{i} * y_{j} &lt; z \\ w\)" in answer
    assert r"\[\sum_{i=1}^{n} w_i x_i &lt; \frac{a}{b}\]" in answer
    assert "<em>" not in answer and "<strong>" not in answer
    assert "price of $5 is not math" in answer
    assert r'is not math; <span class="math">\[E = mc^2\]</span> inside a line' in answer


def test_cloze_and_reversed_cards(cli: Any, project: Path, collection: Any) -> None:
    build_and_import(cli, project, collection)
    cloze = [collection.get_card(c) for c in collection.find_cards("ID:relu-cloze")]
    assert sorted(card.ord for card in cloze) == [0, 1]
    first = next(card for card in cloze if card.ord == 0)
    assert "[...]" in first.question() and r"\(\max(0, x)\)" in first.answer()
    reversed_cards = [collection.get_card(c) for c in collection.find_cards("ID:dilated-term")]
    questions = sorted(re.sub(r"(?s).*</style>", "", c.question()) for c in reversed_cards)
    assert "空洞卷积" in questions[1] and "dilated convolution" in questions[0]


def test_code_is_highlighted_and_raw_html_is_inert(
    cli: Any, project: Path, collection: Any
) -> None:
    build_and_import(cli, project, collection)
    code = collection.get_card(collection.find_cards("ID:code-and-image")[0]).answer()
    assert '<div class="highlight">' in code and '<span class="k">def</span>' in code
    raw = collection.get_card(collection.find_cards("ID:raw-html")[0]).answer()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "<script" not in raw
    assert not re.search(r"<[^>]*onerror", raw)
    assert "javascript:" not in raw.replace("[a link](javascript:alert(3))", "")


def test_worked_example_and_figure_are_embedded(cli: Any, project: Path, collection: Any) -> None:
    build_and_import(cli, project, collection)
    answer = collection.get_card(collection.find_cards("ID:recipes")[0]).answer()
    assert '<div class="worked-example" data-example="conv-output-size">' in answer
    assert "= 32\\)" in answer  # (32 + 2 - 3) // 1 + 1
    assert '<div class="figure"><img src="activation-' in answer


def test_note_types_have_the_pinned_fields(cli: Any, project: Path, collection: Any) -> None:
    build_and_import(cli, project, collection)
    fields = {m["name"]: [f["name"] for f in m["flds"]] for m in collection.models.all()}
    basic = ["Front", "Back", "Extra", "Source", "ID", "Add Reverse"]
    assert fields["Fixture · ankigen"] == basic
    assert fields["Other deck · ankigen"] == basic
    assert fields["Fixture · ankigen cloze"] == ["Text", "Extra", "Source", "ID"]
