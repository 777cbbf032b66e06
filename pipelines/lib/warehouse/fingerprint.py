"""Fingerprints of the rules a layer applies, so "already done" means "done with these very rules".

The raw ledger and the staging bookkeeping skip a file whose content is unchanged. That is only right when the
rules that turned it into rows are unchanged too: the reading code, the typing code, the vocabularies, the
registry. Hand-bumped version numbers were forgotten (a synonym added to the vocabularies left old rows in
quarantine), so the key is computed instead: the source of the module and of every project module it imports,
transitively, plus the data the rules read. Nothing to remember when a rule changes.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

PACKAGE = "pipelines"


def fingerprint(*parts: bytes | str) -> str:
    """SHA-256 of the parts, each length-prefixed (so ("ab", "c") and ("a", "bc") differ)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_fingerprint(module_name: str) -> str:
    """Fingerprint of a module's source and of every `pipelines.*` module it imports, transitively.

    Cached per process: the code a process runs is the code it imported, whatever happens to the files later."""
    parts: list[bytes | str] = []
    for name in code_closure(module_name):
        parts += [name, _source_path(name).read_bytes()]
    return fingerprint(*parts)


def code_closure(module_name: str) -> list[str]:
    """`module_name` and the project modules it imports, directly or not, sorted by name."""
    seen: set[str] = set()
    todo = [module_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [imported for imported in _project_imports(name) if imported not in seen]
    return sorted(seen)


def _source_path(module_name: str) -> Path:
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module_name)
    return Path(spec.origin)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@lru_cache(maxsize=None)
def _project_imports(module_name: str) -> tuple[str, ...]:
    """Project modules named by the import statements of one module (`from pipelines.lib import x` names x).

    Cached per process like `code_fingerprint`: the closures of the reading and the typing code share most modules,
    each parsed once."""
    tree = ast.parse(_source_path(module_name).read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append(submodule if _is_module(submodule) else node.module)
    return tuple(name for name in dict.fromkeys(found) if _source_path(name).suffix == ".py")
