"""The project's own CSS (`[tool.ankigen] css`), added after ankigen's card style.

A style sheet may come from a stranger's pull request like any content: it must not
make a card fetch anything from the network (a tracker in every review) or break out
of the `<style>` element the preview puts it in.
"""

from __future__ import annotations

import re

from ankigen.config import Config
from ankigen.confine import inside_project
from ankigen.errors import BuildError, Problem

# Each: what is refused, and why, for the message.
REFUSED = (
    (re.compile(r"//"), "'//' (a web address): keep every image in the project"),
    (re.compile(r"@import", re.IGNORECASE), "'@import': put the rules in this file"),
    (re.compile(r"<"), "'<': a style sheet holds no markup"),
    (re.compile(r"\\"), "a backslash escape: write the character itself"),
)


def project_css(config: Config) -> str:
    """The project's CSS, checked; "" when it has none."""
    if config.css is None:
        return ""
    pyproject = config.root / "pyproject.toml"
    inside = inside_project(config.root, config.css)
    if inside is None:
        raise BuildError([Problem(pyproject, 0, f"css '{config.css}' is outside the project")])
    try:
        text = inside.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise BuildError(
            [Problem(config.css, 0, f"cannot read the card style: {reason}; fix 'css'")]
        ) from error
    problems = [
        Problem(config.css, text.count("\n", 0, match.start()) + 1, f"not allowed: {why}")
        for pattern, why in REFUSED
        for match in pattern.finditer(text)
    ]
    if problems:
        raise BuildError(sorted(problems, key=lambda problem: problem.line))
    return "\n/* the project's style */\n" + text
