"""`ankigen diff` says what the next build would change for learners, and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def shipped_then_edited(cli: Any, project: Path) -> None:
    """Build (ship), then: edit one card, move one to another subdeck, delete one, add
    one, change the card style."""
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


def test_diff_lists_each_change_and_writes_nothing(cli: Any, project: Path) -> None:
    shipped_then_edited(cli, project)
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
