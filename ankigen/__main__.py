import os
import sys

# `python -m` puts the working folder first on sys.path: a project folder named
# like a module (json, yaml) must not replace that module for the engine.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from ankigen.cli import run

run()
