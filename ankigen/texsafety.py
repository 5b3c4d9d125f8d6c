"""TeX commands a card may not use: in the learner's Anki, MathJax would turn them
into links, markup, classes, ids, styles, or load code (`\\require`).

A card needs none of them, so they are refused by name; TeX has no way (no
`\\csname` in MathJax) to build a command's name from pieces, so a command that
is not written out cannot be called.
"""

from __future__ import annotations

import re

# Command -> what to write instead.
FORBIDDEN: dict[str, str] = {
    "href": "write the link after the formula, in the text",
    "url": "write the link after the formula, in the text",
    "class": "remove it",
    "cssId": "remove it",
    "style": "remove it",
    "data": "remove it",
    "html": "remove it",
    "unicode": "type the character itself",
    "require": "remove it: Anki loads the TeX packages a card may use",
    "mmlToken": "write the symbol as ordinary TeX",
    "bbox": r"use \boxed{...}",
    "texttip": "put the explanation in the text",
    "mathtip": "put the explanation in the text",
    "toggle": "show both versions",
    "mathtoggle": "show both versions",
    "statusline": "remove it",
    "label": "remove it: cards do not cross-reference",
    "ref": "remove it: cards do not cross-reference",
    "eqref": "remove it: cards do not cross-reference",
    "color": r"use \boldsymbol or \underline: colours vanish in night mode",
    "textcolor": r"use \boldsymbol or \underline: colours vanish in night mode",
    "colorbox": r"use \boxed{...}: colours vanish in night mode",
    "fcolorbox": r"use \boxed{...}: colours vanish in night mode",
    "definecolor": "remove it: colours vanish in night mode",
}

_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.DOTALL)


def forbidden_command(tex: str) -> str | None:
    """The first forbidden command in `tex` (without its backslash), or None."""
    for match in _COMMAND.finditer(tex):
        if match[1] in FORBIDDEN:
            return match[1]
    return None


def forbidden_message(command: str) -> str:
    return (
        f"'\\{command}' is not allowed in math: it would put markup, links or styles "
        f"into the card; {FORBIDDEN[command]}"
    )
