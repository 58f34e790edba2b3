"""The package's shape, checked: the pipeline's stages depend on each other one way only.

- no import circle between taxgate's modules (a circle is two concerns that cannot be read,
  tested or replaced apart: the ledger once imported the pipeline that imports the ledger);
- no stage imports ``pipeline`` or ``cli``: those call stages, never the other way round (the
  service and the demo's acts, callers like the CLI, may);
- every exception taxgate defines derives from ``TaxgateError``, and no module raises a
  bare built-in exception, so every caller (the CLI, the HTTP service) can map each error to
  one exit status and one HTTP status.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
from pathlib import Path

import taxgate
from taxgate.errors import TaxgateError

SOURCE = Path(taxgate.__file__).parent
CALLERS = (
    "taxgate.cli",
    "taxgate.pipeline",
    "taxgate.service",
    "taxgate.demo",
    "taxgate.__main__",
)
BUILTIN_ERRORS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type)
    and issubclass(value, BaseException)
    # KeyboardInterrupt and SystemExit are how a program stops, not errors it reports.
    and name not in ("KeyboardInterrupt", "SystemExit")
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(path): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(SOURCE.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The taxgate modules ``name`` names in its imports (TYPE_CHECKING ones included: a
    circle through type hints is still two modules that need each other)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("taxgate"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            module = node.module
            if node.level:
                base = name.split(".")[: -node.level]
                module = ".".join([*base, node.module])
            if not module.startswith("taxgate"):
                continue
            for alias in node.names:
                child = f"{module}.{alias.name}"
                found.add(child if child in known else module)
    found.discard(name)
    return found


def test_no_import_circle_between_modules() -> None:
    modules = _modules()
    graph = {
        name: _imports(name, tree, set(modules)) & set(modules) for name, tree in modules.items()
    }
    # Importing a package's submodule runs the package's __init__ first, but that is Python's
    # doing, not a dependency of the submodule: edges to a package's own __init__ from inside
    # the package are left out.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            raise AssertionError("import circle: " + " -> ".join(cycle))


def test_no_stage_imports_the_pipeline_or_the_cli() -> None:
    for name, tree in _modules().items():
        if name.startswith(CALLERS):
            continue
        callers = {m for m in _imports(name, tree, set()) if m.startswith(CALLERS[:2])}
        assert not callers, f"{name} imports {sorted(callers)}: stages never call their callers"


def test_every_exception_taxgate_defines_is_a_taxgate_error() -> None:
    for info in pkgutil.walk_packages(taxgate.__path__, "taxgate."):
        if ".migrations" in info.name or info.name.endswith("__main__"):
            continue  # migrations run under Alembic; __main__ runs the CLI on import
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == info.name and issubclass(value, BaseException):
                assert issubclass(value, TaxgateError), (
                    f"{info.name}.{value.__name__} derives from {value.__mro__[1].__name__}, "
                    "not TaxgateError"
                )


def test_no_module_raises_a_built_in_exception() -> None:
    for name, tree in _modules().items():
        # A module's __getattr__ must raise AttributeError: that is Python's protocol.
        protocol = {
            id(raised)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef) and function.name == "__getattr__"
            for raised in ast.walk(function)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Raise) or node.exc is None or id(node) in protocol:
                continue
            call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            raised = call.id if isinstance(call, ast.Name) else None
            assert raised not in BUILTIN_ERRORS, (
                f"{name} line {node.lineno} raises {raised}: raise a TaxgateError subclass "
                "(taxgate.errors) so every caller can map it"
            )
