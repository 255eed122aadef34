"""The engine's layers, read from the imports (docs/architecture.md, "Layers").

Every import counts: at module level, inside functions, under TYPE_CHECKING,
relative, and a string that is exactly a module's dotted name (the front-end
registry imports its modules by name). The package's own ``__init__`` is left
out: it holds the version and a lazy facade over :func:`aiblint.run.lint_paths`,
and every ``aiblint.x`` import runs it first anyway.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aiblint"
ROOT = "aiblint"

#: Lowest first. A module never imports, even through other modules, one of a later layer.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("filter", ("aiblint.filtering",)),
    ("single-file linter", ("aiblint.engine",)),
    ("result cache", ("aiblint.cache",)),
    ("chunks and workers", ("aiblint.parallel",)),
    ("named scripts", ("aiblint.script_paths",)),
    ("run", ("aiblint.run",)),
    ("front doors", ("aiblint.fixes", "aiblint.cli", "aiblint.lsp", "aiblint.invocation", "aiblint.server")),
)
#: What the single-file linter must not reach: how a run is organised, and who calls it.
ORCHESTRATION = ("aiblint.parallel", "aiblint.cache", "aiblint.script_paths", "aiblint.run",
                 "aiblint.server", "aiblint.cli", "aiblint.invocation", "aiblint.lsp")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = [package.name, *path.relative_to(package).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, name: str, is_package: bool) -> tuple[set[str], set[str]]:
    """What ``source`` (the module ``name``) imports, anywhere in it: the dotted
    names of its import statements, and the strings that may name a module."""
    found: set[str] = set()
    strings: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                parts = name.split(".") if is_package else name.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # ``from package import module``
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(ROOT + "."):
            strings.add(node.value)
    return found, strings


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (the root package left out)."""
    files = {module_name(path, package): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found, strings = imported_names(path.read_text(encoding="utf-8"), name, path.name == "__init__.py")
        # A string is an import only if it is exactly a module's name (not an entry-point group or a file name).
        targets = [_module_of(dotted, files) for dotted in found] + [dotted for dotted in strings if dotted in files]
        modules: set[str] = set()
        for target in filter(None, targets):
            # importing a.b.c runs a.b's __init__ first
            modules.update(".".join(target.split(".")[:end]) for end in range(2, target.count(".") + 2))
        graph[name] = modules - {name, ROOT}
    return graph


def _module_of(dotted: str, files: Mapping[str, Path]) -> str:
    """The module a dotted name is in: ``aiblint.engine`` for ``aiblint.engine.Linter``."""
    while dotted and dotted not in files:
        dotted = dotted.rpartition(".")[0]
    return dotted


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _member(module: str, names: Iterable[str]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in names)


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def test_the_import_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "aiblint"
    (package / "sub").mkdir(parents=True)
    for name in ("__init__", "low", "mid", "high", "lazy", "typed", "sub/__init__", "sub/leaf", "sub/other"):
        (package / f"{name}.py").write_text("", encoding="utf-8")
    (package / "mid.py").write_text(
        "from typing import TYPE_CHECKING\nimport aiblint.low\nif TYPE_CHECKING:\n    from aiblint.typed import X\n"
        "def f():\n    from aiblint import lazy\n    from .sub import leaf\n    return 'aiblint.high'\n",
        encoding="utf-8",
    )
    (package / "sub" / "leaf.py").write_text("from . import other\nfrom ..low import y\nNAME = 'aiblint.low.data'\n",
                                             encoding="utf-8")
    graph = import_graph(package)
    assert graph["aiblint.mid"] == {"aiblint.low", "aiblint.typed", "aiblint.lazy", "aiblint.sub", "aiblint.sub.leaf",
                                    "aiblint.high"}
    assert graph["aiblint.sub.leaf"] == {"aiblint.sub", "aiblint.sub.other", "aiblint.low"}
    assert reachable(graph, "aiblint.mid") >= {"aiblint.sub.other"}


def test_the_reader_sees_the_engines_lazy_and_type_only_imports(graph: dict[str, set[str]]) -> None:
    # parallel names the linter under TYPE_CHECKING and imports it in a worker's start;
    # the cache only under TYPE_CHECKING; the front-end registry imports front ends by name.
    assert "aiblint.engine" in graph["aiblint.parallel"]
    assert "aiblint.engine" in graph["aiblint.cache"]
    assert "aiblint.frontends.bicep" in graph["aiblint.frontends"]
    assert {"aiblint.parallel", "aiblint.script_paths", "aiblint.engine"} <= graph["aiblint.run"]


def test_the_single_file_linter_knows_nothing_of_the_run(graph: dict[str, set[str]]) -> None:
    below = reachable(graph, "aiblint.engine")
    assert sorted(module for module in below if _member(module, ORCHESTRATION)) == []


@pytest.mark.parametrize(("index", "layer"), list(enumerate(LAYERS)), ids=[name for name, _ in LAYERS])
def test_a_layer_never_imports_a_higher_one(graph: dict[str, set[str]], index: int, layer: tuple[str, tuple[str, ...]]) -> None:
    higher = [name for _, names in LAYERS[index + 1 :] for name in names]
    for module in (module for module in graph if _member(module, layer[1])):
        wrong = sorted(target for target in reachable(graph, module) if _member(target, higher))
        assert wrong == [], f"{module} ({layer[0]}) reaches {wrong}"


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_engine_module_is_in_an_import_cycle(graph: dict[str, set[str]]) -> None:
    engine = [name for _, names in LAYERS[:-1] for name in names]
    assert [group for group in cycles(graph) if any(_member(module, engine) for module in group)] == []


def test_the_rule_contract_and_the_script_units_are_not_in_a_cycle(graph: dict[str, set[str]]) -> None:
    # rule.py names ScriptUnit (check_script); a unit makes Problems, which live below both (aiblint/problem.py)
    assert "aiblint.scripts.units" in graph["aiblint.rule"]
    assert "aiblint.rule" not in reachable(graph, "aiblint.scripts.units")
