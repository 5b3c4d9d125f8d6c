"""Helpers shared by the tests: a throw-away project, the CLI, and the real Anki."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ankigen.build import collect
from ankigen.cli import main
from ankigen.config import load_config
from ankigen.model import Note
from ankigen.products import DrawnFigure
from ankigen.recipes import Recipe, RecipeError, Registry, load_recipe_folders
from ankigen.worked import WorkedExample

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@cache
def deck_registry() -> Registry:
    """The repository's figures and worked examples, loaded once, on first use."""
    return load_recipe_folders([REPO / "figures", REPO / "worked_examples"])


@dataclass(frozen=True, slots=True)
class DeckRecipes:
    """Calls the deck's recipes the way a card does: through the one guarded call."""

    registry: Registry

    def recipe(self, kind: str, name: str) -> Recipe:
        recipe = self.registry.get(kind, name)
        assert recipe is not None, f"no {kind} named {name}"
        return recipe

    def example(self, name: str, /, **params: Any) -> WorkedExample:
        """What `example NAME` with these parameters computes."""
        example = self.recipe("example", name).call(params)
        assert isinstance(example, WorkedExample)
        return example

    def figure(self, name: str, /, **params: Any) -> DrawnFigure:
        """What `figure NAME` with these parameters draws."""
        drawn = self.recipe("figure", name).call(params)
        assert isinstance(drawn, DrawnFigure)
        return drawn

    def refused(self, kind: str, name: str, /, **params: Any) -> str | None:
        """The parameter a recipe names when it refuses these values (it must refuse)."""
        with pytest.raises(RecipeError) as error:
            self.recipe(kind, name).call(params)
        return error.value.parameter


@pytest.fixture(scope="session")
def recipes() -> DeckRecipes:
    return DeckRecipes(deck_registry())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`figure_name` / `example_name` arguments run a test once per registered recipe."""
    for kind in ("figure", "example"):
        if f"{kind}_name" in metafunc.fixturenames:
            metafunc.parametrize(f"{kind}_name", deck_registry().names(kind))


def write_pyproject(root: Path) -> None:
    """Points the project at the repository's own recipe folders."""
    folders = (REPO / "figures", REPO / "worked_examples", FIXTURES / "fixture_recipes")
    recipes = ", ".join(f'"{folder}"' for folder in folders)
    (root / "pyproject.toml").write_text(
        f"[tool.ankigen]\nrecipes = [{recipes}]\n", encoding="utf-8"
    )


@pytest.fixture(scope="session")
def deck_notes() -> list[Note]:
    """Every rendered note of the real deck in content/, built once per test run."""
    return collect(load_config(REPO))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the fixture deck that a test may edit freely."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "deck", root)
    write_pyproject(root)
    return root


@pytest.fixture
def empty_project(tmp_path: Path) -> Path:
    root = tmp_path / "empty"
    (root / "content").mkdir(parents=True)
    write_pyproject(root)
    return root


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs `ankigen COMMAND` in ROOT, in-process, and returns code, stdout, stderr."""

    def run(command: str, root: Path) -> CliResult:
        monkeypatch.chdir(root)
        code = main([command])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty collection of the official Anki engine."""
    from anki.collection import Collection

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def import_package(col: Any, apkg: Path) -> Any:
    """Imports like Anki's File > Import does, returning the log of new/updated/duplicate."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    result = col.import_anki_package(
        ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    )
    return result.log


INIT_CARDS = {  # the cards `ankigen init` writes, and a marker of each one's content
    "basic-card": "The question is the heading",
    "anki-term": "spaced-repetition",
    "cloze-card": "2006",
    "math-card": "\\sum_{k=1}^{n}",
    "code-card": "square",
    "image-card": "dot-",
    "figure-card": "parabola-",
}


def every_card_renders(apkg: Path, collection: Any) -> dict[str, str]:
    """Imports the package into the real Anki; the HTML of each note's cards, by id."""
    import_package(collection, apkg)
    html: dict[str, str] = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        text = str(card.question()) + str(card.answer())
        assert "{{" not in text and "no field called" not in text, text
        note_id = card.note()["ID"]
        html[note_id] = html.get(note_id, "") + text
    media = {path.name for path in Path(collection.media.dir()).iterdir()}
    for name in re.findall(r'src="([^"]+)"', "".join(html.values())):
        assert name in media, name
    return html


RAW_HTML_CARD = (
    "## Raw HTML is shown, never run {#raw-html}\n\n"
    "This <script>alert(1)</script> and <img src=x onerror=alert(2)> stay text,\n"
    "and [a link](javascript:alert(3)) is not a link.\n"
)
RELU_CARD = (
    "## The ReLU function {#relu-cloze}\n\n"
    "$\\mathrm{ReLU}(x) =$ {{c1::$\\max(0, x)$}}, its slope for $x > 0$ is {{c2::1}}.\n\n"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def ship_then_edit(cli: Any, project: Path) -> None:
    """Build (ship) the fixture deck, then: edit one card, move one to another subdeck,
    delete one, add one, change the card style. What `diff` and `sync` must report."""
    assert cli("build", project).code == 0
    basics = project / "content" / "basics.md"
    edit(basics, "dilated convolution\n", "dilated (atrous) convolution\n")
    edit(basics, RAW_HTML_CARD, "")
    (project / "content" / "moved.md").write_text(
        "---\ndeck: Fixture::Moved\n---\n\n" + RAW_HTML_CARD, encoding="utf-8"
    )
    edit(basics, RELU_CARD, "")
    with (project / "content" / "other.md").open("a", encoding="utf-8") as other:
        other.write("\n## A new card {#new-card}\n\nNew answer.\n")
    (project / "style.css").write_text(".card { color: #123; }\n", encoding="utf-8")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('css = "style.css"\n')
