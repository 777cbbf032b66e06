"""Module boundaries (STYLE "Layout"): `pipelines/lib/` is plain Python. It imports no Dagster, so the rules it holds
can be used and tested without an orchestrator, and never imports `pipelines.defs` / `pipelines.definitions`, so
the dependency points one way (defs -> lib). Read from the source, imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "pipelines" / "lib"


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            modules.add("." * node.level + (node.module or ""))  # relative: inside pipelines.lib unless it climbs
    return modules


def forbidden(module: str) -> bool:
    return (module.split(".")[0] in ("dagster", "dagster_duckdb", "dagster_webserver")
            or module.startswith(("pipelines.defs", "pipelines.definitions", "..")))


def test_the_rule_catches_what_it_should():
    # why: a boundary test that cannot fail proves nothing
    assert forbidden("dagster") and forbidden("dagster_duckdb") and forbidden("pipelines.defs.resources")
    assert forbidden("pipelines.definitions") and forbidden("..defs")
    assert not forbidden("duckdb") and not forbidden("pipelines.lib.core.config") and not forbidden(".vocab")


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: str(p.relative_to(LIB)))
def test_lib_imports_no_dagster_and_no_defs(path):
    assert sorted(m for m in imported_modules(path) if forbidden(m)) == []


# --- Rooms (STYLE "Our shape"): pipelines/lib holds sub-packages that follow the data, each allowed to import only
# the rooms below it. The order is the data's: settings and value rules, the warehouse's plumbing, the catalogue of
# what the exports hold, reading files, typing rows, finding problems, publishing a release, serving the producers,
# drawing the pages, each PTSM's review, telling the operators.
ROOMS = ["core", "warehouse", "catalogue", "ingest", "staging", "quality", "publish", "producers", "reports", "reviews",
         "ops"]
MAX_MODULES_PER_ROOM = 12


def lib_module(path: Path) -> str:
    return "pipelines.lib." + ".".join(path.relative_to(LIB).with_suffix("").parts).removesuffix(".__init__")


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[:2] == ["pipelines", "lib"] else None


def climbs(importer: str, imported: str) -> bool:
    """True when `importer` reaches a room above its own (or a module outside the rooms)."""
    source, target = room_of(importer), room_of(imported)
    if target is None or source == target:
        return False
    if source not in ROOMS or target not in ROOMS:
        return True
    return ROOMS.index(target) > ROOMS.index(source)


def module_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), sorted: a circle of imports."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def imported_lib_modules(path: Path, modules: set[str]) -> set[str]:
    """The project modules one file imports: `from pipelines.lib.reports import figures` names
    pipelines.lib.reports.figures, `from pipelines.lib.reports.figures import UNKNOWN` names the same module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.update(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                         for alias in node.names)
    return {m for m in found if m in modules}


def lib_graph() -> dict[str, set[str]]:
    paths = {lib_module(p): p for p in LIB.rglob("*.py")}
    return {name: imported_lib_modules(path, set(paths)) - {name} for name, path in paths.items()}


def test_the_room_rules_catch_what_they_should():
    # why: each rule is shown failing on a made-up import before it is trusted on the code
    assert climbs("pipelines.lib.core.config", "pipelines.lib.ingest.discovery")      # runs back up
    assert climbs("pipelines.lib.publish.release", "pipelines.lib.reports.figures")
    assert climbs("pipelines.lib.reports.maps", "pipelines.lib.flat_module")         # outside every room
    assert not climbs("pipelines.lib.reports.maps", "pipelines.lib.core.config")
    assert not climbs("pipelines.lib.reports.maps", "pipelines.lib.reports.figures")
    assert module_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert module_cycles({"a": {"b"}, "b": set()}) == []


def test_lib_is_only_rooms():
    flat = sorted(p.name for p in LIB.glob("*.py") if p.name != "__init__.py")
    assert flat == [], "modules outside a room: move each into the room of the data it handles"
    assert sorted(p.name for p in LIB.iterdir() if p.is_dir() and p.name != "__pycache__") == sorted(ROOMS)


@pytest.mark.parametrize("room", ROOMS)
def test_room_is_small(room):
    modules = [p for p in (LIB / room).glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MAX_MODULES_PER_ROOM, f"{room} has {len(modules)} modules: split it"


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: str(p.relative_to(LIB)))
def test_no_import_runs_back_up(path):
    importer = lib_module(path)
    assert sorted(m for m in imported_modules(path) if m.startswith("pipelines.lib") and climbs(importer, m)) == []


def test_no_circle_between_modules():
    assert module_cycles(lib_graph()) == []


def test_the_architecture_page_names_every_room():
    # why: docs/architecture.md tells a newcomer where a new thing goes; a room it does not name is a room nobody finds
    page = (LIB.parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1].strip().strip("`") for line in page.splitlines() if line.startswith("| `")]
    assert [room for room in rows if "/" not in room] == ROOMS  # in the order of the data
