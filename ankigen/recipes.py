"""Figures and worked examples are plain functions registered by name.

The Markdown only names a recipe and passes parameters (TOML values): content is
never executed. Recipes live outside the engine, in folders the config lists.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ankigen.products import Product, WrongReturn, product_of

F = TypeVar("F", bound=Callable[..., Any])


class BadParameter(Exception):
    """Raised by a recipe for a value it cannot draw or compute; reported at that parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class RecipeError(Exception):
    """A directive's call cannot be made: the message names the parameter and the fix."""

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class Recipe:
    kind: str
    name: str
    function: Callable[..., Any]

    @property
    def source(self) -> tuple[Path, int]:
        """Where the recipe is defined: where a failure of its defaults is reported."""
        path, line = _origin(self.function)
        return Path(path), line

    def call(self, params: dict[str, Any], png: bool = False) -> Product:
        """The one guarded call: checks the parameters, calls the recipe, checks what it
        returned and draws a figure (as PNG too when `png`); whatever goes wrong becomes
        a RecipeError, which the caller reports at the directive."""
        kwargs = checked_arguments(self, params)
        try:
            return product_of(self.kind, self.name, self.function(**kwargs), png)
        except BadParameter as error:
            raise RecipeError(
                f"parameter '{error.name}' of {self.kind} '{self.name}': {error.message}",
                error.name,
            ) from error
        except WrongReturn as error:
            raise RecipeError(str(error)) from error
        except (Exception, SystemExit) as error:  # the recipe's own bug, even sys.exit()
            raise RecipeError(
                f"{self.kind} '{self.name}' failed: {type(error).__name__}: {error}"
            ) from error


class Registry:
    """Name -> recipe, per kind ("figure", "example")."""

    def __init__(self) -> None:
        self._recipes: dict[tuple[str, str], Recipe] = {}

    def register(self, kind: str, name: str) -> Callable[[F], F]:
        def decorate(function: F) -> F:
            known = self._recipes.get((kind, name))
            if known is not None and _origin(known.function) != _origin(function):
                path, line = _origin(known.function)
                raise RecipeLoadError(
                    Path(inspect.getfile(function)),
                    _first_line(function),
                    f"{kind} '{name}' is already registered at {path}:{line}: rename one",
                )
            self._recipes[(kind, name)] = Recipe(kind, name, function)
            return function

        return decorate

    def get(self, kind: str, name: str) -> Recipe | None:
        return self._recipes.get((kind, name))

    def names(self, kind: str) -> list[str]:
        return sorted(name for k, name in self._recipes if k == kind)

    def recipes(self, kind: str) -> list[Recipe]:
        return [self._recipes[(kind, name)] for name in self.names(kind)]

    def within(self, folders: Sequence[Path]) -> Registry:
        """The recipes defined in these folders: a project sees only its own, even where
        one process has imported another project's recipes too (tests do)."""
        roots = [folder.resolve() for folder in folders]
        own = Registry()
        own._recipes = {
            key: recipe
            for key, recipe in self._recipes.items()
            if any(recipe.source[0].resolve().is_relative_to(root) for root in roots)
        }
        return own


REGISTRY = Registry()  # every recipe imported in this process; a project uses its share


def figure(name: str) -> Callable[[F], F]:
    """Registers a function returning a matplotlib Figure under `name`."""
    return REGISTRY.register("figure", name)


def worked_example(name: str) -> Callable[[F], F]:
    """Registers a function returning an `ankigen.WorkedExample` under `name`."""
    return REGISTRY.register("example", name)


def _origin(function: Callable[..., Any]) -> tuple[str, int]:
    return (inspect.getfile(function), _first_line(function))


def _first_line(function: Callable[..., Any]) -> int:
    code = getattr(function, "__code__", None)
    return int(code.co_firstlineno) if code is not None else 1


class RecipeLoadError(Exception):
    """A recipe module that cannot be loaded, located in the author's file."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.message = path, line, message


def load_recipe_folders(folders: Sequence[Path]) -> Registry:
    """Imports every module of each folder (a package) so its decorators register,
    and returns the recipes these folders define.

    A folder is imported under its own name with its parent on `sys.path`, so
    tests and recipes import it the ordinary way (`from figures._style import ...`).
    """
    for folder in folders:
        folder = folder.resolve()
        loaded = sys.modules.get(folder.name)
        if loaded is not None and Path(loaded.__path__[0]).resolve() != folder:
            raise RecipeLoadError(
                folder, 0, f"another package named '{folder.name}' is already loaded: rename it"
            )
        if str(folder.parent) not in sys.path:
            sys.path.insert(0, str(folder.parent))
        for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
            if not module.name.startswith("_"):
                importlib.import_module(f"{folder.name}.{module.name}")
    return REGISTRY.within(folders)


def checked_arguments(recipe: Recipe, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters as keyword arguments once each is known, present and of its hinted
    type; otherwise a RecipeError naming the parameter."""
    signature = inspect.signature(recipe.function)
    hints = typing.get_type_hints(recipe.function)
    accepted = [p.name for p in signature.parameters.values()]
    label = f"{recipe.kind} '{recipe.name}'"
    for name in params:
        if name not in signature.parameters:
            takes = ", ".join(accepted) or "no parameters"
            raise RecipeError(f"unknown parameter '{name}' for {label}: it takes {takes}", name)
    for parameter in signature.parameters.values():
        if parameter.name not in params:
            if parameter.default is inspect.Parameter.empty:
                raise RecipeError(
                    f"missing parameter '{parameter.name}' for {label}: "
                    f"add '{parameter.name} = ...' to the block"
                )
            continue
        hint = hints.get(parameter.name, Any)
        value = params[parameter.name]
        if not _matches(value, hint):
            raise RecipeError(
                f"parameter '{parameter.name}' of {label} must be {_describe(hint)}, got {value!r}",
                parameter.name,
            )
    return dict(params)


def _matches(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return True
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in args)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if origin in (list, tuple, Sequence):
        item = args[0] if args else Any
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin in (list, tuple, Sequence):
        return f"a list of {_describe(args[0]) if args else 'values'}"
    return getattr(hint, "__name__", str(hint))
