"""`ankigen diff` says what the next build would change for learners, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import edit, ship_then_edit


def test_diff_lists_each_change_and_writes_nothing(cli: Any, project: Path) -> None:
    ship_then_edit(cli, project)
    outputs = [*(project / "dist").glob("*.apkg"), project / "ankigen.lock"]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in outputs}
    result = cli("diff", project)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "changed    Fixture/dilated-term",
        "           Back: - dilated convolution",
        "                 + dilated (atrous) convolution",
        "changed    Fixture/raw-html",
        "           tags: fixture basics Kinds -> (none)",
        "moved      Fixture/raw-html",
        "           Fixture::Basics -> Fixture::Moved",
        "new        Other deck/new-card",
        "           Other deck",
        "removed    Fixture/relu-cloze",
        "note type  Fixture/basic",
        "           its template or style changed",
        "note type  Other deck/basic",
        "           its template or style changed",
        "1 new, 2 changed, 1 moved, 0 kind changes, 1 removed, 2 note types changed",
    ]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in outputs} == before


def test_nothing_to_ship_says_so(cli: Any, project: Path) -> None:
    assert cli("build", project).code == 0
    result = cli("diff", project)
    assert result.code == 0 and result.out == "nothing would change\n"


def test_a_kind_change_is_named_before_the_build_refuses_it(cli: Any, project: Path) -> None:
    assert cli("build", project).code == 0
    edit(project / "content" / "basics.md", "dilated convolution\n", "{{c1::dilated}} conv\n")
    edit(project / "content" / "basics.md", "{#dilated-term .reversed}", "{#dilated-term}")
    result = cli("diff", project)
    assert "kind       Fixture/dilated-term" in result.out
    assert "reversed -> cloze: the build refuses this" in result.out


def test_a_package_that_is_not_ours_is_no_evidence(cli: Any, project: Path) -> None:
    """A damaged or foreign .apkg in dist/ never stops diff: it just knows less."""
    assert cli("build", project).code == 0
    (project / "dist" / "Fixture.apkg").write_bytes(b"PK\x03\x04 not really a zip")
    (project / "dist" / "Stranger.apkg").write_bytes(b"")
    result = cli("diff", project)
    assert result.code == 0 and result.out == "nothing would change\n"
