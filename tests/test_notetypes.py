"""Fields and ids of the note types are forever (anki-facts.md point 4): pinned here.

If this test fails, do not update it: existing users' notes would stop updating.
"""

from __future__ import annotations

from ankigen.model import NoteKind
from ankigen.notetypes import NOTE_TYPES, card_css


def test_note_type_fields_and_ids_never_change() -> None:
    pinned = {
        NoteKind.BASIC: (1500765906, ("Front", "Back", "Extra", "Source", "ID")),
        NoteKind.REVERSED: (1220868872, ("Front", "Back", "Extra", "Source", "ID")),
        NoteKind.CLOZE: (1509994518, ("Text", "Extra", "Source", "ID")),
    }
    assert {kind: (t.model_id, t.fields) for kind, t in NOTE_TYPES.items()} == pinned


def test_css_has_night_mode_and_cjk_fonts_and_no_remote_resources() -> None:
    css = card_css()
    assert ".nightMode" in css and ".night_mode" in css
    assert "Noto Sans CJK SC" in css and "PingFang SC" in css
    assert "url(" not in css and "@import" not in css
