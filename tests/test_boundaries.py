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
    assert not forbidden("duckdb") and not forbidden("pipelines.lib.config") and not forbidden(".vocab")


@pytest.mark.parametrize("path", sorted(LIB.rglob("*.py")), ids=lambda p: str(p.relative_to(LIB)))
def test_lib_imports_no_dagster_and_no_defs(path):
    assert sorted(m for m in imported_modules(path) if forbidden(m)) == []
