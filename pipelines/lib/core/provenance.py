"""Which code produced a release: the git commit of the checkout, else the installed package's version.

Recorded in every manifest.json (with the Dagster run id) so that a publication can be traced back to its code
and its run (issue 22 §1)."""

from __future__ import annotations

import importlib.metadata
import subprocess
from pathlib import Path

from pipelines.lib.core.config import PROJECT_ROOT

PACKAGE = "ptsm-observatory"


def code_version(root: Path = PROJECT_ROOT) -> str:
    """`git rev-parse HEAD` of `root` when it is a checkout and git is installed; otherwise
    `ptsm-observatory <version>` (a server deployed from a wheel or a copy without `.git`)."""
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        commit = done.stdout.strip()
        if done.returncode == 0 and len(commit) == 40 and (root / ".git").exists():
            return commit
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"{PACKAGE} {importlib.metadata.version(PACKAGE)}"
    except importlib.metadata.PackageNotFoundError:
        return f"{PACKAGE} (version inconnue)"
