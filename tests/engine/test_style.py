"""A project's own CSS reaches learners' note types, and cannot make a card fetch
anything or break out of its style element."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import import_package


def use_css(project: Path, css: str, name: str = "style.css") -> None:
    (project / name).write_text(css, encoding="utf-8")
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write(f'css = "{name}"\n')


def test_project_css_is_added_and_a_change_reaches_anki(
    cli: Any, project: Path, tmp_path: Path
) -> None:
    from anki.collection import Collection

    use_css(project, ".card { font-size: 21px; }\n")
    apkg = project / "dist" / "Fixture.apkg"
    assert cli("build", project).code == 0
    path = tmp_path / "anki" / "collection.anki2"
    path.parent.mkdir()
    col = Collection(str(path))
    import_package(col, apkg)
    ours = [m for m in col.models.all() if m["name"].startswith("Fixture")]
    assert ours and all(m["css"].endswith(".card { font-size: 21px; }\n") for m in ours)
    col.close()

    (project / "style.css").write_text(".card { font-size: 23px; }\n", encoding="utf-8")
    assert cli("build", project).code == 0
    col = Collection(str(path))  # a fresh handle: col.models caches note types
    log = import_package(col, apkg)
    assert (len(log.new), len(log.updated)) == (0, 0)
    ours = [m for m in col.models.all() if m["name"].startswith("Fixture")]
    assert all("font-size: 23px" in m["css"] and "21px" not in m["css"] for m in ours)
    col.close()


@pytest.mark.parametrize(
    ("css", "line", "message"),
    [
        ('@import "more.css";\n', 1, "'@import'"),
        (".a { }\n.b { background: url(https://tracker.example/p.png); }\n", 2, "'//'"),
        (".a { background: url(//tracker.example/p.png); }\n", 1, "'//'"),
        ("</style><script>alert(1)</script>\n", 1, "'<'"),
        ('.a::after { content: "\\75 rl"; }\n', 1, "a backslash"),
    ],
)
def test_css_that_could_fetch_or_inject_is_refused_at_its_line(
    cli: Any, project: Path, css: str, line: int, message: str
) -> None:
    use_css(project, css)
    result = cli("build", project)
    assert result.code == 1 and f"style.css:{line}: not allowed: {message}" in result.err
    assert not (project / "dist").exists()


def test_css_outside_the_project_is_refused(cli: Any, project: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.css").write_text(".card { }\n", encoding="utf-8")
    (project / "linked.css").symlink_to(tmp_path / "elsewhere.css")
    use_css(project, "", name="ignored.css")
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text().replace("ignored.css", "linked.css")
    )
    result = cli("build", project)
    assert result.code == 1 and "pyproject.toml: css" in result.err
    assert "is outside the project" in result.err


def test_a_missing_css_file_is_a_clear_error(cli: Any, project: Path) -> None:
    with (project / "pyproject.toml").open("a", encoding="utf-8") as config:
        config.write('css = "nowhere.css"\n')
    result = cli("build", project)
    assert result.code == 1 and "nowhere.css: cannot read the card style" in result.err
