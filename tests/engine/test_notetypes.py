"""Fields and ids of the note types are forever (anki-facts.md point 4): pinned here.

If this test fails, do not update it: existing users' notes would stop updating.
"""

from __future__ import annotations

from ankigen.model import NoteKind
from ankigen.notetypes import BASIC, CLOZE, NOTE_TYPES, card_css, note_type_of


def test_note_type_fields_and_ids_never_change() -> None:
    pinned = {
        "basic": ("Front", "Back", "Extra", "Source", "ID", "Add Reverse"),
        "cloze": ("Text", "Extra", "Source", "ID"),
    }
    assert {t.key: t.fields for t in NOTE_TYPES} == pinned
    ids = {(t.key, ns): t.model_id(ns) for t in NOTE_TYPES for ns in ("深度学习面试", "Fixture")}
    assert ids == {
        ("basic", "深度学习面试"): 1655205352,
        ("cloze", "深度学习面试"): 1241020255,
        ("basic", "Fixture"): 2132162144,
        ("cloze", "Fixture"): 1919467445,
    }


def test_a_card_shown_both_ways_shares_the_basic_note_type() -> None:
    # Anki never moves a note to another type on import: adding or removing
    # `.reversed` must stay within one type (the reverse card needs `Add Reverse`).
    assert note_type_of(NoteKind.BASIC) is note_type_of(NoteKind.REVERSED) is BASIC
    assert note_type_of(NoteKind.CLOZE) is CLOZE
    assert BASIC.templates[1].question.startswith("{{#Add Reverse}}")


def test_css_has_night_mode_and_cjk_fonts_and_no_remote_resources() -> None:
    css = card_css()
    assert ".nightMode" in css and ".night_mode" in css
    assert "Noto Sans CJK SC" in css and "PingFang SC" in css
    assert "url(" not in css and "@import" not in css
