"""Files marked synthetic are never read as real exports.

Copying the sample's files (`…_SYNTHETIQUE_….xlsx`, or the sample's roster and milestone files, whose contract names (docs/contract.md)
cannot carry the word) into the exports folder made a "real" release with exactly the synthetic release's rows. A file
is synthetic when its name says so (`SYNTHETIQUE` / `SYNTHÉTIQUE`, any case) or when its bytes are those of a file of
the synthetic sample (the sample's marker: its content, whatever the copy was renamed to). Such a file in the real
exports is quarantined with a French reason in quality_report; the sample itself is read as usual when the refresh
runs on it (`ptsm refresh` with no exports).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from pipelines.lib.core.hashing import sha256_file
from pipelines.lib.core.parsing import fold

NAME_MARKS = ("synthetique",)  # folded: SYNTHETIQUE, SYNTHÉTIQUE, Synthétique


def synthetic_reason(file_name: str, sha256: str | None, sample_dir: Path) -> str | None:
    """The French reason a file of the real exports is refused as synthetic, or None when it is not marked."""
    if any(mark in fold(file_name) for mark in NAME_MARKS):
        return (f"fichier marqué SYNTHÉTIQUE dans son nom ({file_name}) : donnée de démonstration, refusée comme "
                f"export réel ; retirez-le du dossier des exports")
    if sha256 is not None:
        twin = _sample_hashes(*_listing(Path(sample_dir))).get(sha256)
        if twin is not None:
            return (f"fichier identique au fichier {twin} de l'échantillon SYNTHÉTIQUE : donnée de démonstration, "
                    f"refusée comme export réel ; retirez-le du dossier des exports")
    return None


def _listing(sample_dir: Path) -> tuple[str, tuple[tuple[str, int, int], ...]]:
    """The sample's files with size and mtime: the cache key (a regenerated sample is hashed again)."""
    files = []
    for root, _dirs, names in os.walk(sample_dir):
        for name in names:
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            files.append((os.path.relpath(path, sample_dir), stat.st_size, stat.st_mtime_ns))
    return str(sample_dir), tuple(sorted(files))


@functools.lru_cache(maxsize=4)
def _sample_hashes(sample_dir: str, files: tuple[tuple[str, int, int], ...]) -> dict[str, str]:
    """sha256 -> the sample file's relative path (hashed once per process and state of the sample)."""
    return {sha256_file(Path(sample_dir) / relative): relative for relative, _size, _mtime in files
            if not relative.endswith(".md") and not relative.startswith(".")}
