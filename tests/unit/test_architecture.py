"""The layout's rules, read from the source with `ast`: no cycles between areas, the dependency
direction workers → queueing ← displays, and SQL only in repository modules."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("queueing", "workers", "displays")

# Cycles through the read side (estimates/, displays_api/, tickets' views). They are being removed
# by the lobby read model (queueing/lobby/), which gathers those reads in one package; each entry
# is an area cycle as `cycles()` prints it. Anything else, or any new cycle, fails.
CYCLES_BEING_REMOVED_BY_LOBBY: set[tuple[str, ...]] = set()


# Where SQL belongs: repositories, tables, migrations and the engine itself.
# A repository may be split by database (tickets/repository_pg.py: PostgreSQL's folded statements).
SQL_HOMES = re.compile(r"(^|/)(repository(_[a-z]+)?\.py|db\.py|models/.*|migrations/.*)$")
SQL_CALLS = {"select", "update", "delete", "insert"}


def modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def imported(module: str, path: Path) -> Iterator[str]:
    """Every project module `module` imports, at any depth of its code."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join([*parent, *([base] if base else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def area(module: str) -> str:
    """Each first-level subpackage or module of queueing is an area; workers, displays one each."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "queueing" and len(parts) > 1 else parts[0]


def area_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in modules():
        source = area(module)
        for name in imported(module, path):
            if name.split(".")[0] in PACKAGES and area(name) != source:
                graph.setdefault(source, set()).add(area(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected groups of more than one area (Tarjan), each as a sorted tuple."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.add(tuple(sorted(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_between_areas() -> None:
    new = cycles(area_graph()) - CYCLES_BEING_REMOVED_BY_LOBBY
    assert not new, "areas importing each other: " + "; ".join(" <-> ".join(c) for c in new)


def test_cycles_listed_as_being_removed_still_exist() -> None:
    gone = CYCLES_BEING_REMOVED_BY_LOBBY - cycles(area_graph())
    assert not gone, f"no longer cycles, take them off the list: {sorted(gone)}"


def test_cycle_finder_reports_a_cycle_of_three_areas() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {("a", "b", "c")}


def test_dependencies_run_workers_to_queueing_to_nothing_and_displays_to_queueing() -> None:
    graph = area_graph()
    queueing_uses = {t for s, ts in graph.items() if s.startswith("queueing") for t in ts}
    assert "workers" not in queueing_uses
    # The composition root mounts the pages; nothing else of queueing/ knows them.
    users_of_displays = {s for s, ts in graph.items() if "displays" in ts}
    assert users_of_displays <= {"queueing.app"}
    assert "workers" not in graph.get("displays", set())
    assert "displays" not in graph.get("workers", set())


def _sql_calls(path: Path) -> list[str]:
    """Calls of SQLAlchemy's statement builders (not Litestar's `@delete` route decorator)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    builders = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in SQL_CALLS
    }
    return [
        f"{node.func.id}() at line {node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in builders
    ]


def test_sql_is_written_only_in_repository_modules() -> None:
    offenders = {}
    for _, path in modules():
        relative = path.relative_to(ROOT).as_posix()
        if SQL_HOMES.search(relative):
            continue
        if calls := _sql_calls(path):
            offenders[relative] = calls
    assert not offenders, f"SQL outside repository modules: {offenders}"


def test_handlers_never_build_a_service() -> None:
    """create_app builds each service once; controllers and pages receive them by name."""
    built = {}
    for _, path in modules():
        relative = path.relative_to(ROOT).as_posix()
        if not (path.name == "controllers.py" or relative.startswith("displays/")):
            continue
        calls = [
            f"{node.func.id}() at line {node.lineno}"
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.endswith("Service")
        ]
        if calls:
            built[relative] = calls
    assert not built, f"services built per request: {built}"
