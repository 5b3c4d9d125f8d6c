"""`ankigen init [DIR]`: a new project that builds as it is, one card of each kind.

The example recipe uses only ankigen's public names, so it is what an author copies.
Nothing is ever overwritten: if any file would be, none is written.
"""

from __future__ import annotations

import re
from pathlib import Path

from ankigen.errors import BuildError, Problem
from ankigen.output import write_all

PYPROJECT = """\
[tool.ankigen]
content = "content"      # the Markdown cards
output = "dist"          # where the .apkg files go
recipes = ["recipes"]    # Python folders of figure and worked-example recipes
lock = "ankigen.lock"    # commit it: it keeps learners' review history safe
css = "style.css"        # your own card style, added after ankigen's
"""

CARDS = """\
---
deck: {deck}
tags: [example]
---

Text before the first card is for readers of this file, not a card.

# Basics

## What does a basic card look like? {{#basic-card}}

The question is the heading, the answer is everything below it.

---

Below a `---` line comes the extra part, shown small under the answer.

Source: where the fact comes from (a book, a paper, a page)

## Anki {{#anki-term .reversed}}

A spaced-repetition flashcard program. (`.reversed`: asked both ways.)

## Fill in the gaps {{#cloze-card}}

Anki was first released in {{{{c1::2006}}}}; its name is {{{{c2::Japanese}}}} for memorisation.

# Rich content

## How is math written? {{#math-card}}

Inline $e^{{i\\pi}} + 1 = 0$, and on a line of its own:

$$
\\sum_{{k=1}}^{{n}} k = \\frac{{n(n+1)}}{{2}}
$$

## How is code written? {{#code-card}}

```python
def square(x: float) -> float:
    return x * x
```

## How is an image shown? {{#image-card}}

![a blue dot](img/dot.svg)

## What does a generated figure look like? {{#figure-card}}

```figure parabola
a = 0.5
```
"""

RECIPES_INIT = '''"""This deck's recipes: every module here is imported when the deck builds."""
'''

RECIPE = '''"""A figure recipe: a function that returns a matplotlib Figure, registered by name."""

import numpy as np
from matplotlib.figure import Figure

from ankigen import BadParameter, figure, num


@figure("parabola")
def parabola(a: float = 1.0) -> Figure:
    """y = a x^2; a card calls it with a fenced block `figure parabola`."""
    if a == 0 or abs(a) > 100:
        raise BadParameter("a", "must be non-zero and at most 100 in size")
    x = np.linspace(-2, 2, 101)
    fig = Figure(figsize=(3.6, 2.4))
    axes = fig.add_subplot()
    axes.plot(x, a * x**2)
    axes.set_xlabel("$x$", fontsize=12)
    axes.set_title(f"$y = {num(a)}\\\\,x^2$", fontsize=12)
    fig.tight_layout()
    return fig
'''

DOT_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="24" fill="#0072B2"/>
</svg>
"""

STYLE = """\
/* Your card style, added after ankigen's: for example a larger answer text. */
.answer { font-size: 1.05em; }
"""

GITIGNORE = """\
dist/
build/
__pycache__/
"""

README = """\
# {deck}

Anki cards written in Markdown, built with [ankigen](https://pypi.org/project/ankigen/).

```sh
ankigen check     # validate everything, write nothing
ankigen build     # write dist/{deck}.apkg, then File > Import it in Anki
ankigen preview   # see every card as Anki will, in build/preview/index.html
```

- Cards live in `content/*.md`: a `##` heading is a question, what follows is the
  answer. Each card needs an id `{{#like-this}}` (`ankigen ids` adds missing ones);
  never change it: the learner's review history hangs on it.
- Figures come from `recipes/` (see `recipes/parabola.py`).
- Commit `ankigen.lock` with your cards.
"""


def scaffold(folder: Path) -> list[Path]:
    """Writes the new project's files (all of them or, if any exists, none)."""
    deck = _deck_name(folder)
    files = {
        "pyproject.toml": PYPROJECT,
        "content/cards.md": CARDS.format(deck=deck),
        "content/img/dot.svg": DOT_SVG,
        "recipes/__init__.py": RECIPES_INIT,
        "recipes/parabola.py": RECIPE,
        "style.css": STYLE,
        ".gitignore": GITIGNORE,
        "README.md": README.format(deck=deck),
    }
    paths = {folder / name: text.encode("utf-8") for name, text in files.items()}
    existing = [path for path in paths if path.exists() or path.is_symlink()]
    if existing:
        raise BuildError(
            [
                Problem(path, 0, "already exists: ankigen init never overwrites a file")
                for path in existing
            ]
        )
    write_all(paths)
    return list(paths)


def _deck_name(folder: Path) -> str:
    """The folder's name, where it is a usable deck name."""
    name = folder.resolve().name
    return name if re.fullmatch(r"[\w][\w .-]{0,60}", name) else "My deck"
