"""Reading one published release: the folder the marts symlink points to, resolved once per request.

Release folders are immutable once the symlink points at them, so everything read from one is cached
under its real path; a refresh that swaps the symlink simply makes the next request see a new key.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.lib.publish import release as releases
from pipelines.lib.publish.dictionary import DICTIONARY_JSON

MART_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class PublicationError(Exception):
    """The publication is missing or inconsistent: nothing trustworthy can be served."""


@dataclass
class Release:
    path: str
    manifest: dict
    dictionary: dict
    columns: dict[str, list[tuple[str, str]]]  # mart -> [(column, arrow type)]; a broken mart has none
    regions_of_ptsm: dict[str, str] = field(default_factory=dict)
    # mart -> why it cannot be served (file absent, changed since publication): that mart fails, the others serve
    broken_marts: dict[str, str] = field(default_factory=dict)
    # file name -> (inode, mtime, size) when its sha256 last matched the manifest
    verified: dict[str, tuple] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tables: dict[str, pa.Table] = field(default_factory=dict, repr=False)

    @property
    def release_id(self) -> str:
        return str(self.manifest.get("release_id", os.path.basename(self.path)))

    @property
    def marts(self) -> list[str]:
        return list(self.manifest["marts"])

    def parquet(self, mart: str) -> str:
        return os.path.join(self.path, f"{mart}.parquet")

    def column_names(self, mart: str) -> list[str]:
        return [name for name, _ in self.columns.get(mart, [])]

    def table(self, mart: str) -> pa.Table:
        """The mart's rows in memory, read once per release right after its file was checked against the manifest
        (Release.check_mart): a filter no cache has seen queries these bytes instead of re-reading the Parquet file
        (issue 20 §4), and what is served is exactly what was verified."""
        table = self._tables.get(mart)
        if table is None:
            with self._lock:
                table = self._tables.get(mart)
                if table is None:
                    table = self._tables[mart] = pq.read_table(self.parquet(mart))
        return table

    def check_mart(self, mart: str) -> str | None:
        """Why `mart` cannot be served, or None. Its Parquet file is re-hashed against the manifest whenever its
        inode, mtime or size differ from when it last matched (a file rewritten or deleted in place), so a response
        is never built from bytes the manifest does not vouch for; a failure is remembered for this release."""
        if mart in self.broken_marts:
            return self.broken_marts[mart]
        name = f"{mart}.parquet"
        expected = (self.manifest.get("files") or {}).get(name)
        stamp = _stamp(os.path.join(self.path, name))
        if stamp is not None and stamp == self.verified.get(name):
            return None
        if stamp is None:
            reason = f"fichier absent ({name})"
        elif expected is None or releases.sha256_file(Path(self.path) / name) != expected:
            reason = f"{name} ne correspond plus au manifeste"
        else:
            with self._lock:
                self.verified[name] = stamp
            return None
        with self._lock:
            self.broken_marts.setdefault(mart, reason)
        return self.broken_marts[mart]

    def mart_problems(self) -> list[str]:
        """Every mart that cannot be served, checked now (for /v1/health)."""
        return [f"mart {mart} : {reason}" for mart in self.marts if (reason := self.check_mart(mart))]


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _mart_of(name: str, marts: list[str]) -> str | None:
    stem, _, suffix = name.rpartition(".")
    return stem if suffix in ("parquet", "csv") and stem in marts else None


def load_release(path: str) -> Release:
    """Read and check a release folder: manifest, every file's sha256, then the dictionary and the Parquet schemas.

    A mart whose own files (`<mart>.parquet`, `<mart>.csv`) are missing or differ from the manifest is set aside
    (`broken_marts`: that mart answers 503, the others are served); any other file that does not match (dictionary,
    Data Package, a file the manifest names) makes the whole release unusable, as `releases.check` decides."""
    try:
        manifest = releases.read_manifest(Path(path))
    except releases.ReleaseError as exc:
        raise PublicationError(str(exc)) from exc
    marts = manifest.get("marts")
    if not isinstance(marts, list) or not all(isinstance(m, str) and MART_NAME_RE.match(m) for m in marts):
        raise PublicationError("manifest.json : liste de marts absente ou invalide")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise PublicationError(f"manifest.json : liste de fichiers absente dans la publication {os.path.basename(path)}")
    broken: dict[str, str] = {}
    verified: dict[str, tuple] = {}
    for name, expected in files.items():
        file_path = os.path.join(path, name)
        stamp = _stamp(file_path) if os.path.basename(name) == name else None
        if stamp is not None and releases.sha256_file(Path(file_path)) == expected:
            verified[name] = stamp
            continue
        mart = _mart_of(name, marts)
        if mart is None:
            raise PublicationError(f"publication incohérente : {name} ne correspond pas au manifeste "
                                   f"({os.path.basename(path)})")
        broken.setdefault(mart, f"{name} ne correspond pas au manifeste")
    try:
        with open(os.path.join(path, DICTIONARY_JSON), encoding="utf-8") as fh:
            dictionary = json.load(fh)
    except FileNotFoundError:
        dictionary = {}
    columns = {
        mart: [(f.name, str(f.type)) for f in pq.read_schema(os.path.join(path, f"{mart}.parquet"))]
        for mart in marts if mart not in broken
    }
    release = Release(path=path, manifest=manifest, dictionary=dictionary, columns=columns, broken_marts=broken,
                      verified=verified)
    if "ptsm_overview" in columns:
        table = pq.read_table(release.parquet("ptsm_overview"), columns=["ptsm_id", "region_code"])
        release.regions_of_ptsm = dict(zip(table["ptsm_id"].to_pylist(), table["region_code"].to_pylist()))
    return release


class Publications:
    """Resolves the marts symlink and keeps the last few releases read.

    A release is keyed by its real path plus its manifest's inode and mtime: with the symlink layout the
    folder never changes, and if someone rewrites a plain folder in place the new manifest still shows.
    """

    def __init__(self, marts_dir: Path, keep: int = 4):
        self.marts_dir = Path(marts_dir)
        self.keep = keep
        self._lock = threading.Lock()
        self._releases: OrderedDict[tuple, Release] = OrderedDict()
        self._failures: OrderedDict[tuple, PublicationError] = OrderedDict()

    @staticmethod
    def key(path: str) -> tuple:
        try:
            st = os.stat(os.path.join(path, releases.MANIFEST))
        except OSError:
            return (path, None, None)
        return (path, st.st_ino, st.st_mtime_ns)

    def cached(self, path: str) -> Release | None:
        key = self.key(path)
        with self._lock:
            release = self._releases.get(key)
            if release is not None:
                self._releases.move_to_end(key)
                return release
            failure = self._failures.get(key)
        if failure is not None:
            raise failure
        return None

    def load(self, path: str) -> Release:
        """Read a release folder once (checksums included); later requests get the cached copy."""
        release = self.cached(path)
        if release is not None:
            return release
        key = self.key(path)
        if key[1] is None:
            raise PublicationError("aucune publication des marts n'est disponible (lancer `ptsm refresh`)")
        try:
            release = load_release(path)
        except PublicationError as exc:  # an immutable folder stays broken: do not re-hash it on every request
            with self._lock:
                self._failures[key] = exc
                while len(self._failures) > self.keep:
                    self._failures.popitem(last=False)
            raise
        with self._lock:
            self._releases[key] = release
            while len(self._releases) > self.keep:
                self._releases.popitem(last=False)
        return release

    def current(self) -> Release:
        return self.load(os.path.realpath(self.marts_dir))  # the same resolution as releases.current()
