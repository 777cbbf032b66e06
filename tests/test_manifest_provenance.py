"""Issue 22 §1: a release can be traced to its code and its run (manifest.json records both)."""

from __future__ import annotations

import json
import subprocess
import tomllib
import uuid

from pipelines.lib.core import provenance
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.publish import release as releases
from tests.test_publish import _publish, _warehouse


def _head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_manifest_records_code_commit_and_run_id(tmp_path):
    marts_dir = tmp_path / "marts"
    _publish(_warehouse(), marts_dir, run_id="run-4242")
    manifest = releases.read_manifest(marts_dir)
    assert manifest["run_id"] == "run-4242"
    assert manifest["code_commit"] == _head()
    assert len(manifest["code_commit"]) == 40


def test_code_version_without_git_is_the_package_version(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # no git on this machine
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert provenance.code_version() == f"ptsm-observatory {version}"


def test_code_version_outside_a_checkout_is_the_package_version(tmp_path):
    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert provenance.code_version(tmp_path) == f"ptsm-observatory {version}"


def test_a_dagster_run_records_its_run_id(mini_run):
    manifest = json.loads((mini_run.marts / "manifest.json").read_text())
    assert uuid.UUID(manifest["run_id"])  # Dagster run ids are UUIDs; absent or empty fails here
    assert manifest["code_commit"] == _head()
