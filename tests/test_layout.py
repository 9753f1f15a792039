"""The package's shape: the file list reads as the pipeline, and it stays that way.

What a reader relies on: a module imports only from its own layer or the layers below it
(LAYERS, lowest first, as the code has them), no import cycle among the package's
modules (counting imports made inside functions, not those under TYPE_CHECKING; a name
taken from a package counts as its `__init__`, a submodule as itself), no module takes a
name another module keeps private, and no module passes style.md's 600 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"
MAX_LINES = 600

# Lowest first. A module belongs to the longest entry its name starts with.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("publisher", "publisher.errors", "publisher.model"),  # the records and the error tree
    ("publisher.messages", "publisher.migrations", "publisher.fetch", "publisher.sources"),
    ("publisher.formats", "publisher.output"),  # pure codecs; the published folder's rules
    ("publisher.tools",),  # the doors of the outside tools
    ("publisher.state", "publisher.catalog", "publisher.guids"),
    ("publisher.build.run", "publisher.build.plan"),  # the run and the episode plan
    ("publisher.stages",),
    ("publisher.check",),
    ("publisher.render", "publisher.deliver"),
    ("publisher.build",),  # the pipeline: stage lists, runner, restore, sweep
    ("publisher.editor",),
    ("publisher.cli", "publisher.__main__"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                skipped.update(id(inner) for inner in ast.walk(statement))
    return skipped


def imported_names(path: Path, known: set[str]) -> list[tuple[str, str]]:
    """(module, name) of each `from publisher… import name` in `path`, wherever it is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return [(module, name) for module, name in found if module in known]


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that loading `name` (or calling its functions) imports."""
    found = {
        f"{module}.{imported}" if f"{module}.{imported}" in known else module
        for module, imported in imported_names(path, known)
    }
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = modules()
    return {name: imports(name, path, set(paths)) for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str] | None:
        if name in visiting:
            return visiting[visiting.index(name) :] + [name]
        if name in done:
            return None
        visiting.append(name)
        for imported in sorted(graph[name]):
            cycle = visit(imported)
            if cycle:
                return cycle
        visiting.pop()
        done.add(name)
        return None

    for name in sorted(graph):
        cycle = visit(name)
        if cycle:
            return cycle
    return None


def layer_of(name: str) -> int:
    matches = [
        (len(prefix), index)
        for index, layer in enumerate(LAYERS)
        for prefix in layer
        if name == prefix or name.startswith(prefix + ".")
    ]
    assert matches, f"{name} is in no layer: add it to LAYERS"
    return max(matches)[1]


def upward_arrows(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name} -> {imported}"
        for name, targets in graph.items()
        for imported in targets
        if layer_of(imported) > layer_of(name)
    )


def test_no_import_cycle_in_the_package():
    assert find_cycle(import_graph()) is None


def test_the_cycle_finder_sees_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_module_imports_from_a_layer_above_its_own():
    assert upward_arrows(import_graph()) == []


def test_an_arrow_up_is_seen():
    graph = {"publisher.model": {"publisher.stages.tag"}, "publisher.stages.tag": set()}
    assert upward_arrows(graph) == ["publisher.model -> publisher.stages.tag"]


def test_a_function_level_import_counts(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from publisher.cli import main\n")
    known = {"publisher.model", "publisher.cli"}
    assert imports("publisher.model", path, known) == {"publisher.cli"}


def test_no_module_imports_a_private_name():
    paths = modules()
    private = sorted(
        f"{name}: from {module} import {imported}"
        for name, path in paths.items()
        for module, imported in imported_names(path, set(paths))
        if imported.startswith("_") and module != name
    )
    assert private == []


def test_no_module_is_over_600_lines():
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: lines for path, lines in sizes.items() if lines > MAX_LINES} == {}
