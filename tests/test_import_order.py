"""Data flows one way: no part of pmo_xl imports a part above it, and no modules import each other in a circle.

The order is declared here as data, lowest first (docs/architecture.md explains it). Every import counts, at
module level or inside a function: a deferred import still ties the two parts together. The checker is run on a
fixture tree with one upward import and one circle, to show it finds both.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pmo_xl"

# Lowest first: a part may import only parts before it. The top-level modules are parts of their own.
LAYERS = (
    "errors",
    "values",
    "periods",
    "vba",  # the VBA project's binary format (MS-OVBA, MS-CFB): no PMO knowledge
    "excel",  # the zip package, sheet XML, the one atomic writer: no PMO knowledge
    "mail",  # the .eml drafts: who, what and which files come from the callers
    "portfolio",  # criteria, scoring, AHP, capacity, selection: pure models over tables
    "templates",  # the template contract (a request form's criteria come from portfolio)
    "settings",
    "reporting_calendar",  # each period's submission deadline and data-as-of date, and the .ics calendar
    "register",
    "submissions",
    "corrections",  # which of several reports for one project and period counts
    "ledger",
    "derived",  # the ledger's derived tables, kept current (the rules of a row are the views', passed in)
    "decisions",  # the steering committee's decisions: read by the generator (stamped) and the views (closed needs)
    "imports",  # plans from Microsoft Project, Project Online exports: they read files, and give ledger records
    "generate",
    "collect",
    "reporting",
    "monthly",  # the month's collect run: collect, then reporting
    "online",  # a Project Online import written into its folder, its report by the reporting layer's writer
    "workbook",  # the .xlsm: built from everything below it
    "demo",
    "cli",
    "__init__",  # the lazy public API names everything
)

# Upward imports that remain, each with its reason; a new one fails. None is left.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def _part(module: str) -> str:
    return module.split(".")[0]


def import_edges(root: Path, package: str) -> dict[str, set[str]]:
    """module -> the package's modules it imports (relative to `package`), from the source, by ast."""
    modules = {_module_name(path, root): path for path in root.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # `if TYPE_CHECKING:` imports name a type for the checker only: nothing is imported when the code runs.
        type_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for target in targets:
                if target != package and not target.startswith(f"{package}."):
                    continue
                name = target.removeprefix(f"{package}.") if target != package else "__init__"
                while name and name not in modules:  # `from pmo_xl.x import f`: the module is pmo_xl.x
                    name = name.rpartition(".")[0]
                # The package itself (`from pmo_xl import __version__`) ties nothing: its public API is lazy.
                if name and name not in (module, "__init__"):
                    edges[module].add(name)
    return edges


def upward_imports(edges: dict[str, set[str]], layers: tuple[str, ...]) -> set[tuple[str, str]]:
    rank = {name: index for index, name in enumerate(layers)}
    found = set()
    for module, targets in edges.items():
        for target in targets:
            if rank.get(_part(target), -1) > rank.get(_part(module), len(layers)):
                found.add((module, target))
    return found


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted({*edges, *(t for targets in edges.values() for t in targets)}):
        if node not in index:
            visit(node)
    return groups


def test_every_part_of_pmo_xl_has_its_place_in_the_order():
    parts = {_part(_module_name(path, PACKAGE)) for path in PACKAGE.rglob("*.py")}
    assert parts <= set(LAYERS), f"give these a place in LAYERS: {sorted(parts - set(LAYERS))}"


def test_no_part_of_pmo_xl_imports_one_above_it():
    found = upward_imports(import_edges(PACKAGE, "pmo_xl"), LAYERS)
    assert found - set(KNOWN_UPWARD) == set(), sorted(found - set(KNOWN_UPWARD))
    assert set(KNOWN_UPWARD) - found == set(), f"gone, take them off KNOWN_UPWARD: {sorted(set(KNOWN_UPWARD) - found)}"


def test_no_modules_import_each_other_in_a_circle():
    assert circles(import_edges(PACKAGE, "pmo_xl")) == []


def test_the_checker_finds_an_upward_import_and_a_circle(tmp_path):
    """A fixture tree: low imports high (upward), and high.a and high.b import each other (a circle)."""
    root = tmp_path / "fixture"
    (root / "high").mkdir(parents=True)
    (root / "__init__.py").write_text('__version__ = "1"\n')
    (root / "low.py").write_text("def f():\n    from fixture.high.a import g\n")
    (root / "high" / "__init__.py").write_text("")
    (root / "high" / "a.py").write_text("from fixture.high import b\n")
    (root / "high" / "b.py").write_text("import fixture.high.a\nfrom fixture import __version__\n")
    edges = import_edges(root, "fixture")
    assert upward_imports(edges, ("low", "high", "__init__")) == {("low", "high.a")}
    assert circles(edges) == [["high.a", "high.b"]]
