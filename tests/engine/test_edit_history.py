"""An author's edits, replayed through ONE long-lived collection of the real Anki.

Each step changes the project the way an author would (and commits it, lock
included, as the README asks), builds through the command line in a fresh
process, imports every package into the same collection and answers a card.
After every import:
- no duplicate: the collection holds one note per card id ever shipped;
- nothing stale: every note equals what the build just wrote, except a
  learner's own edit, which is kept until the author changes that note;
- no spurious update: Anki reports a note updated only if its content changed;
- review history intact: no revlog row lost, reviewed cards' scheduling untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import FIXTURES, REPO, import_package

# Past build times, so that a learner's edit made "now" in the simulation is newer.
START = 1_750_000_000
STEP = 60
LOCAL_RECIPE = """from ankigen import Step, WorkedExample, worked_example


@worked_example("local-square")
def square(x: int = 3) -> WorkedExample:
    return WorkedExample("square", (Step("x^2", "x^2", str(x), str(x * x)),))
"""


@dataclass(frozen=True, slots=True)
class Shipped:
    fields: tuple[str, ...]
    tags: frozenset[str]


@dataclass
class Author:
    """The project, its git history, the clock, and the learner's collection."""

    root: Path
    collection_path: Path
    clock: int = START
    css_extra: str = ""  # the project's style.css
    col: Any = None
    guids_ever: set[str] = field(default_factory=set)
    hand_edits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    last_output: str = ""

    # --- editing -------------------------------------------------------------------------
    def path(self, name: str) -> Path:
        return self.root / "content" / name

    def replace(self, name: str, old: str, new: str) -> None:
        text = self.path(name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        self.path(name).write_text(text.replace(old, new, 1), encoding="utf-8")

    def append(self, name: str, text: str) -> None:
        with self.path(name).open("a", encoding="utf-8") as stream:
            stream.write(text)

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return result.stdout

    # --- building ------------------------------------------------------------------------
    def build(self, epoch: int | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(self.clock if epoch is None else epoch)}
        (self.root / "style.css").write_text(self.css_extra, encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "ankigen", "build"],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.last_output = result.stdout + result.stderr
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def outputs(self) -> dict[str, bytes]:
        files = [*(self.root / "dist").glob("*"), self.root / "ankigen.lock"]
        return {p.name: p.read_bytes() for p in files if p.is_file()}

    def shipped(self) -> dict[str, Shipped]:
        """guid -> what the packages just built hold (read with sqlite, not with ankigen)."""
        notes: dict[str, Shipped] = {}
        for apkg in sorted((self.root / "dist").glob("*.apkg")):
            database = self.root / "shipped.anki2"
            database.write_bytes(zipfile.ZipFile(apkg).read("collection.anki2"))
            with sqlite3.connect(database) as connection:
                for guid, flds, tags in connection.execute("select guid, flds, tags from notes"):
                    notes[guid] = Shipped(tuple(flds.split("\x1f")), frozenset(tags.split()))
            database.unlink()
        return notes

    # --- the learner -------------------------------------------------------------------------
    def reopen(self) -> None:
        """A fresh handle, as a learner restarting Anki: note types are cached otherwise."""
        from anki.collection import Collection

        if self.col is not None:
            self.col.close()
        self.col = Collection(str(self.collection_path))

    def note_by_guid(self) -> dict[str, Any]:
        return {note.guid: note for note in map(self.col.get_note, self.col.find_notes(""))}

    def scheduling(self) -> dict[int, tuple[int, ...]]:
        rows = self.col.db.all("select id, reps, ivl, due, type, queue, lapses, left from cards")
        return {row[0]: tuple(row[1:]) for row in rows}

    def answer_one(self, index: int) -> None:
        from anki.scheduler.v3 import CardAnswer

        card_ids = sorted(self.col.find_cards(""))
        card = self.col.get_card(card_ids[index % len(card_ids)])
        card.start_timer()
        states = self.col._backend.get_scheduling_states(card.id)
        answer = self.col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD)
        self.col.sched.answer_card(answer)

    def hand_edit(self, card_id: str, text: str) -> None:
        """The learner adds their own words to a note's answer, at the simulated time."""
        (nid,) = self.col.find_notes(f"ID:{card_id}")
        note = self.col.get_note(nid)
        note["Back"] = note["Back"] + text
        self.col.update_note(note)
        self.col.db.execute("update notes set mod = ? where id = ?", self.clock - STEP // 2, nid)
        self.hand_edits[note.guid] = tuple(note.fields)


def import_and_check(author: Author, step: str) -> None:
    shipped = author.shipped()
    author.guids_ever |= shipped.keys()
    before = author.note_by_guid()
    changed = {
        guid
        for guid, note in shipped.items()
        if guid not in before
        or tuple(before[guid].fields) != note.fields
        or frozenset(before[guid].tags) != note.tags
    }
    scheduling = author.scheduling()
    revlog = author.col.db.scalar("select count() from revlog")

    updated: set[str] = set()
    for apkg in sorted((author.root / "dist").glob("*.apkg")):
        log = import_package(author.col, apkg)
        assert not log.conflicting and not log.missing_notetype, (step, log)
        updated |= {author.col.get_note(n.id.nid).guid for n in log.updated}
    author.reopen()

    after = author.note_by_guid()
    assert len(after) == len(author.guids_ever), f"{step}: duplicate or lost notes"
    assert updated <= changed, f"{step}: updated without a change: {updated - changed}"
    for guid, note in shipped.items():
        if guid in author.hand_edits:
            assert tuple(after[guid].fields) == author.hand_edits[guid], f"{step}: edit lost"
            continue
        assert tuple(after[guid].fields) == note.fields, f"{step}: stale {after[guid]['ID']}"
        assert frozenset(after[guid].tags) == note.tags, f"{step}: stale tags"
    assert author.col.db.scalar("select count() from revlog") == revlog, f"{step}: revlog"
    now = author.scheduling()
    assert {cid: now[cid] for cid in scheduling} == scheduling, f"{step}: scheduling touched"
    styles = [m["css"] for m in author.col.models.all() if "ankigen" in m["name"]]
    assert styles and all(css.endswith(author.css_extra) for css in styles), f"{step}: style"


# --- the edits ----------------------------------------------------------------------------
Edit = Callable[[Author], None]
NEW_CARD = "\n## A card added later {#added-later}\n\nIts first answer.\n"


def nothing(author: Author) -> None:
    pass


def replace(name: str, old: str, new: str) -> Edit:
    return lambda author: author.replace(name, old, new)


def append(name: str, text: str) -> Edit:
    return lambda author: author.append(name, text)


def move_card_to_other_file(author: Author) -> None:
    card = "\n## A card added later {#added-later}\n\nIts second answer.\n"
    author.replace("basics.md", card, "\n")
    author.path("moved.md").write_text(
        "---\ndeck: Fixture::Basics\ntags: [fixture]\n---\n" + card, encoding="utf-8"
    )


def move_file_to_subdeck(author: Author) -> None:
    author.replace("moved.md", "deck: Fixture::Basics", "deck: Fixture::Elsewhere")


def rename_file(author: Author) -> None:
    author.path("moved.md").rename(author.path("renamed.md"))


def reorder_cards(author: Author) -> None:
    text = author.path("basics.md").read_text(encoding="utf-8")
    math_start = text.index("## What does")
    code_start = text.index("## Code, image")
    recipes_start = text.index("# Recipes")
    math, code = text[math_start:code_start], text[code_start:recipes_start]
    author.path("basics.md").write_text(
        text[:math_start] + code + math + text[recipes_start:], encoding="utf-8"
    )


def add_local_recipe(author: Author) -> None:
    folder = author.root / "local_recipes"
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    (folder / "square.py").write_text(LOCAL_RECIPE, encoding="utf-8")
    pyproject = author.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            "recipes = [", 'recipes = ["local_recipes", '
        ),
        encoding="utf-8",
    )
    author.append("other.md", "\n## Squares {#squares}\n\n```example local-square\n```\n")


def change_recipe_code(author: Author) -> None:
    module = author.root / "local_recipes" / "square.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace('"square", (', '"x squared", ('), encoding="utf-8")


def change_css(author: Author) -> None:
    author.css_extra = "\n.edited-style { }\n"


def change_css_again(author: Author) -> None:
    author.css_extra += ".later-style { }\n"


def hand_edit(author: Author) -> None:
    author.hand_edit("code-and-image", "<p>my own note</p>")


def edit_hand_edited_source(author: Author) -> None:
    author.replace("basics.md", "def relu(", "def rectifier(")
    author.replace("basics.md", "return max(0.0, x)", "return max(0.0, float(x))")
    author.hand_edits.clear()  # the author's change replaces the learner's words


def commit_edit_then_revert(author: Author) -> None:
    author.replace("other.md", "its own package file.", "a change to be reverted.")
    assert author.build().returncode == 0
    import_and_check(author, "before revert")
    author.git("add", "-A")
    author.git("commit", "-q", "-m", "an edit")
    author.clock += STEP
    author.git("revert", "--no-edit", "HEAD")


def delete_lock(author: Author) -> None:
    (author.root / "ankigen.lock").unlink()


def conflicted_lock(author: Author) -> None:
    lock = author.root / "ankigen.lock"
    lines = lock.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3:3] = ["<<<<<<< HEAD\n", "=======\n", ">>>>>>> branch\n"]
    lock.write_text("".join(lines), encoding="utf-8")


def resolve_conflict_by_deleting_lock(author: Author) -> None:
    (author.root / "ankigen.lock").unlink()


def make_cloze(author: Author) -> None:
    author.replace("more/advanced.md", "Its tags are", "Its {{c1::tags}} are")


def undo_cloze(author: Author) -> None:
    author.replace("more/advanced.md", "Its {{c1::tags}} are", "Its tags are")


def reword_both(author: Author) -> None:
    author.replace("more/advanced.md", "A card nested", "One card nested")
    author.replace("more/advanced.md", "Its tags come", "Its tags are taken")


def remove_last_card(author: Author) -> None:
    text = author.path("basics.md").read_text(encoding="utf-8")
    author.path("basics.md").write_text(text[: text.index("## Raw HTML")], encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    edit: Edit
    refused: str = ""  # a message the build must stop with, or "" when it must build
    epoch: int | None = None  # SOURCE_DATE_EPOCH relative to the clock, when not the clock
    same_second: bool = False  # built at the very time of the build before it
    notice: str = ""  # what the build must tell the author


STEPS = [
    Step("first build", nothing),
    Step("no-op rebuild", nothing),
    Step("reword a question", replace("basics.md", "## Code and an image", "## Code, image")),
    Step("reword an answer", replace("other.md", "its own package", "its own .apkg")),
    Step("reword question and answer", reword_both),
    Step("add a card", append("basics.md", NEW_CARD)),
    Step("reword the new card", replace("basics.md", "Its first answer", "Its second answer")),
    Step("move a card to another file", move_card_to_other_file),
    Step("move a file to another subdeck", move_file_to_subdeck),
    Step("rename a file", rename_file),
    Step("reorder cards", reorder_cards),
    Step("change tags", replace("basics.md", "tags: [fixture, basics]", "tags: [fixture, core]")),
    Step("change a group heading (a tag)", replace("basics.md", "# Kinds", "# Card kinds")),
    Step("change a figure's parameters", replace("basics.md", 'name = "tanh"', 'name = "relu"')),
    Step("change a worked example's parameters", replace("basics.md", "size = 32", "size = 28")),
    Step("add a recipe of the project's own", add_local_recipe),
    Step("change recipe code", change_recipe_code),
    Step("basic to reversed", replace("other.md", "{#other-card}", "{#other-card .reversed}")),
    Step(
        "reversed to basic",
        replace("other.md", "{#other-card .reversed}", "{#other-card}"),
        notice="Tools > Empty Cards",
    ),
    Step("reversed again", replace("other.md", "{#other-card}", "{#other-card .reversed}")),
    Step("basic to cloze is refused", make_cloze, refused="Anki cannot update"),
    Step("the kind is kept", undo_cloze),
    Step("change the card style", change_css),
    Step("learner edits a note in Anki", hand_edit),
    Step("rebuild keeps the learner's edit", nothing),
    Step("unrelated edit keeps it too", replace("other.md", "own .apkg", "own package file")),
    Step("author edits that note", edit_hand_edited_source),
    Step("git revert of an edit", commit_edit_then_revert),
    Step("lock deleted", delete_lock, notice="stamps were taken from its git history"),
    Step("lock with conflict markers is refused", conflicted_lock, refused="merge-conflict"),
    Step("conflict resolved by deleting the lock", resolve_conflict_by_deleting_lock),
    Step(
        "SOURCE_DATE_EPOCH a day before the last build",
        replace("basics.md", "is not math;", "is plain text;"),
        epoch=-86_400,
    ),
    Step("style change with an earlier SOURCE_DATE_EPOCH", change_css_again, epoch=-86_400),
    Step("an edit at the current time", replace("basics.md", "is plain text;", "is words;")),
    Step(
        "the same note edited in the same second",
        replace("basics.md", "is words;", "is only text;"),
        same_second=True,
    ),
    Step(
        "and again: three builds in one second",
        replace("basics.md", "is only text;", "is text;"),
        same_second=True,
    ),
    Step("reword a heading", replace("basics.md", "## Raw HTML is shown", "## Raw HTML, shown")),
    Step("delete a card", remove_last_card, notice="ID:raw-html"),
    Step("bring a deleted card back", append("basics.md", "\n## Back again {#raw-html}\n\nNew.\n")),
    Step("edit a cloze", replace("basics.md", "{{c2::1}}", "{{c2::one}}")),
    Step("add a cloze deletion", replace("basics.md", "{{c2::one}}", "{{c2::one}} ({{c3::x}})")),
    Step("edit math", replace("basics.md", r"\frac{a}{b}", r"\frac{b}{a}")),
    Step(
        "edit the extra", replace("basics.md", "```example conv", "Extra words.\n\n```example conv")
    ),
    Step("edit the source line", replace("basics.md", "Source: fixture", "Source: the fixture")),
    Step("a new root deck", append("third.md", "---\ndeck: Third\n---\n\n## Q {#q}\n\nA.\n")),
    Step("delete a whole file", lambda a: a.path("third.md").unlink()),
    Step("no-op rebuild at the end", nothing),
]


def test_forty_edits_through_one_collection(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "deck", root)
    folders = [REPO / "figures", REPO / "worked_examples", FIXTURES / "fixture_recipes"]
    (root / "pyproject.toml").write_text(
        '[tool.ankigen]\ncss = "style.css"\nrecipes = ['
        + ", ".join(f'"{f}"' for f in folders)
        + "]\n",
        encoding="utf-8",
    )
    (root / ".gitignore").write_text("dist/\nbuild/\n", encoding="utf-8")
    author = Author(root, tmp_path / "learner" / "collection.anki2")
    author.collection_path.parent.mkdir()
    author.git("init", "-q")
    author.git("config", "user.email", "author@example.com")
    author.git("config", "user.name", "Author")
    author.reopen()
    assert len(STEPS) >= 40

    last_epoch = author.clock
    for index, step in enumerate(STEPS):
        step.edit(author)
        before = author.outputs()
        epoch = author.clock if step.epoch is None else author.clock + step.epoch
        if step.same_second:
            epoch = last_epoch
        result = author.build(epoch)
        last_epoch = epoch
        if step.refused:
            assert result.returncode == 1 and step.refused in result.stderr, (step, result)
            assert author.outputs() == before, f"{step.name}: a refused build wrote files"
        else:
            assert result.returncode == 0, (step.name, result.stderr)
            assert step.notice in result.stderr, (step.name, result.stderr)
            author.git("add", "-A")
            author.git("commit", "-q", "--allow-empty", "-m", step.name)
            import_and_check(author, step.name)
        author.answer_one(index)
        author.clock += STEP
    author.col.close()
