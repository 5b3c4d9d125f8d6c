"""`ankigen ids`: gives every card heading that has no `{#id}` one, in the sources.

The only command that edits the author's files, and only when asked: `build` never
writes into them. An id is made once and then belongs to the card (its review history
hangs on it), so it comes from the question's Latin words where it has some (readable
in a diff), else from a hash of the question; an id in use anywhere in the project is
never given again. Every other byte of the file stays as it was.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ankigen.errors import BuildError, Problem
from ankigen.markdown import make_parser
from ankigen.output import write_all
from ankigen.parse import CARD_ID, CardHeading, card_headings

MAX_WORDS = 6
# An ATX heading's optional closing hashes, and a `{.class}` without an id.
CLOSING = re.compile(r"(?P<text>.*?)(?P<close>[ \t]+#+[ \t]*)?$")
CLASSES_ONLY = re.compile(r"\{(?P<classes>(?:\s*\.[\w-]+)+)\s*\}\s*$")


@dataclass(frozen=True, slots=True)
class AddedId:
    path: Path
    line: int  # from 1
    card_id: str


def add_missing_ids(paths: list[Path]) -> list[AddedId]:
    """Writes the ids into the files (all or none of them) and says which were added."""
    md = make_parser()
    texts: dict[Path, str] = {}
    headings: dict[Path, list[CardHeading]] = {}
    problems = []
    for path in paths:
        try:
            texts[path] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8"
            problems.append(Problem(path, 1, f"cannot read the file: {reason}"))
            continue
        found = card_headings(md, path, texts[path])
        if found is not None:
            headings[path] = found
    if problems:
        raise BuildError(problems)
    taken = {h.card_id for found in headings.values() for h in found if h.card_id}
    added: list[AddedId] = []
    files: dict[Path, bytes] = {}
    for path, found in headings.items():
        lines = texts[path].splitlines(keepends=True)
        changed = False
        for heading in found:
            if heading.card_id is not None:
                continue
            card_id = _new_id(heading.title, taken)
            taken.add(card_id)
            index = heading.lines[1] - 2 if heading.setext else heading.lines[0]
            lines[index] = _with_id(lines[index], card_id, heading.setext)
            added.append(AddedId(path, index + 1, card_id))
            changed = True
        if changed:
            files[path] = "".join(lines).encode("utf-8")
    write_all(files)
    return added


def _new_id(title: str, taken: set[str]) -> str:
    title = CLASSES_ONLY.sub("", title)
    words = re.findall(r"[a-z0-9]+", title.lower())[:MAX_WORDS]
    stem = "-".join(words) if words else ""
    if not CARD_ID.fullmatch(stem):
        stem = "card-" + hashlib.sha256(title.encode("utf-8")).hexdigest()[:8]
    card_id, number = stem, 2
    while card_id in taken:
        card_id, number = f"{stem}-{number}", number + 1
    return card_id


def _with_id(line: str, card_id: str, setext: bool) -> str:
    """The heading line with `{#id}` at its end (inside a `{.class}` already there, and
    before an ATX heading's closing hashes)."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    classes = CLASSES_ONLY.search(body)
    if classes is not None:
        return f"{body[: classes.start()]}{{#{card_id} {classes['classes'].strip()}}}{ending}"
    if setext:
        return f"{body.rstrip()} {{#{card_id}}}{ending}"
    match = CLOSING.fullmatch(body)
    assert match is not None  # the pattern matches any line
    return f"{match['text'].rstrip()} {{#{card_id}}}{match['close'] or ''}{ending}"
