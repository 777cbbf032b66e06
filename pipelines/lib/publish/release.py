"""Releases: the one module that lays out, writes, opens, verifies, lists, switches, prunes and rolls back
publications. Used by the publisher, the API, the notebook reader, the reports step and the test fixtures.

Layout: `marts_dir` (e.g. data/marts) is a relative symlink to `<parent>/.<name>-releases/<release_id>/`, which holds
`<mart>.parquet`, `<mart>.csv`, `DICTIONNAIRE.md`, `dictionary.json` and `manifest.json` (the files with their
sha256, the input, row counts and the backtest verdict). The HTML reports of a release live inside it
(`<release>/reports` -> `.reports-<n>/`) and `reports_dir` (e.g. data/reports) is a symlink to
`<release>/reports`, switched only once every report of that release is rendered. Readers resolve a symlink once
and always see one complete release. A synthetic release never replaces a non-synthetic one, by any path.
Plain Python: no Dagster here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Callable

import pyarrow.parquet as pq

from pipelines.lib.core.files import DIR_MODE, FILE_MODE, fsync_dir, make_dir, switch_symlink, write_atomic
from pipelines.lib.core.hashing import sha256_file

MANIFEST = "manifest.json"
REPORTS = "reports"
RELEASE_ID = re.compile(r"^[0-9a-f]{16}$")  # ids the publisher makes (content hashes); only those are pruned
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ReleaseError(Exception):
    """A release is missing, inconsistent or may not be published; the message is for the operator (French)."""


class SyntheticOverReal(ReleaseError):
    """A synthetic release was about to replace a non-synthetic one."""


# --- layout and reading -----------------------------------------------------------------------------------------


def releases_dir(marts_dir: Path) -> Path:
    marts_dir = Path(marts_dir)
    return marts_dir.parent / f".{marts_dir.name}-releases"


def current(marts_dir: Path) -> Path:
    """The release folder the symlink points at now; resolve once and read everything from it."""
    release = Path(os.path.realpath(marts_dir))
    if not (release / MANIFEST).is_file():
        raise FileNotFoundError(f"Aucune publication de marts dans {marts_dir} (pas de {MANIFEST}) : "
                                f"lancez d'abord `uv run ptsm refresh`.")
    return release


def current_or_none(marts_dir: Path) -> Path | None:
    try:
        return current(marts_dir)
    except FileNotFoundError:
        return None


def read_manifest(release: Path) -> dict[str, Any]:
    """The manifest of a release folder (or of the current release when given the marts symlink)."""
    path = Path(os.path.realpath(release)) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{MANIFEST} illisible dans la publication {Path(release).name}") from exc


def check(release: Path) -> dict[str, Any]:
    """Return the manifest once every file it lists is present with its sha256; raise `ReleaseError` otherwise."""
    manifest = read_manifest(release)
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ReleaseError(f"{MANIFEST} : liste de fichiers absente dans la publication {Path(release).name}")
    for name, expected in files.items():
        path = Path(release) / name
        if os.path.basename(name) != name or not path.is_file() or sha256_file(path) != expected:
            raise ReleaseError(f"publication incohérente : {name} ne correspond pas au manifeste "
                               f"({Path(release).name})")
    return manifest


def verify(release: Path) -> bool:
    """True when every file listed in the manifest is present with its sha256."""
    try:
        check(release)
        return True
    except ReleaseError:
        return False


def is_synthetic(manifest: dict[str, Any] | None) -> bool:
    """Only a manifest that says so is synthetic: an unreadable one is treated as real (fail closed)."""
    return bool(manifest) and manifest.get("synthetic") is True


# --- writing ----------------------------------------------------------------------------------------------------


def _content_id(folder: Path) -> tuple[str, dict[str, str]]:
    files = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.name != MANIFEST and p.is_file()}
    listing = "".join(f"{name}\0{digest}\n" for name, digest in sorted(files.items()))
    return hashlib.sha256(listing.encode()).hexdigest()[:16], files


def _row_counts(folder: Path) -> dict[str, int]:
    return {p.stem: pq.read_metadata(p).num_rows for p in sorted(folder.glob("*.parquet"))}


def _prepare_target(marts_dir: Path) -> None:
    """A legacy real folder at `marts_dir` is only replaced when empty; never delete someone's files."""
    if marts_dir.is_symlink() or not marts_dir.exists():
        return
    if marts_dir.is_dir() and not any(marts_dir.iterdir()):
        marts_dir.rmdir()
        return
    raise RuntimeError(
        f"{marts_dir} est un dossier réel non vide (ancienne mise en page) : déplacez ou supprimez-le, "
        f"la publication en fait un lien vers {releases_dir(marts_dir)}/<release_id>/."
    )


def refuse_synthetic_over_real(marts_dir: Path, *, synthetic: bool, what: str = "une publication SYNTHÉTIQUE") -> None:
    """Raise `SyntheticOverReal` when a synthetic release would replace the current non-synthetic one."""
    if not synthetic:
        return
    release = current_or_none(marts_dir)
    if release is None:
        return
    try:
        manifest = read_manifest(release)
    except ReleaseError:
        manifest = None
    if not is_synthetic(manifest):
        raise SyntheticOverReal(
            f"Publication refusée : {what} (échantillon de démonstration) ne remplace jamais la publication "
            f"en cours {release.name}, issue d'exports réels. Vérifiez que PTSM_RAW_DIR contient les exports (dossier "
            f"monté, fichiers présents). La publication précédente reste en place."
        )


def write_folder(root: Path, fill: Callable[[Path], Any], manifest: dict[str, Any], *,
                 release_id: str | None = None) -> Path:
    """Write one complete release folder under `root` and return it (not yet published).

    `fill(folder)` writes the data files; the manifest gets `release_id` (a hash of those files unless given),
    `files` (their sha256) and `rows` (rows per Parquet file). The folder appears under its final name only once
    complete; identical content reuses the existing folder (same id, same files, first manifest)."""
    root = make_dir(root)
    work = root / f".tmp-{uuid.uuid4().hex}"
    make_dir(work)
    try:
        fill(work)
        _make_readable(work)  # 0644 / 0755 whoever wrote the files and whatever their umask
        content_id, files = _content_id(work)
        release_id = release_id or content_id
        if not SAFE_NAME.match(release_id):
            raise ValueError(f"Not a release id: {release_id!r}")
        full = {**manifest, "release_id": release_id, "files": files, "rows": _row_counts(work)}
        write_atomic(work / MANIFEST, json.dumps(full, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        fsync_dir(work)
        release = root / release_id
        if release.exists() and verify(release) and read_manifest(release)["files"] == files:
            shutil.rmtree(work)
            _record_check(release, full)  # also makes it the most recently published, for listing and pruning
        else:
            if release.exists():  # a damaged folder with this id: set it aside, never half-replace it
                release.rename(root / f".tmp-damaged-{uuid.uuid4().hex}")
            work.rename(release)
            fsync_dir(root)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return release


def _record_check(release: Path, manifest: dict[str, Any]) -> None:
    """Unchanged content keeps its first manifest (when it was produced, by which run, its backtest verdict) and
    records when it was last checked: `checked_at` ("vérifiée le") and the run that checked it. Freshness reads
    `checked_at`, so monthly refreshes of unchanged exports never look like a publication 40 days old."""
    kept = read_manifest(release)
    kept["checked_at"] = manifest.get("produced_at") or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    kept["checked_run_id"] = manifest.get("run_id")
    write_atomic(release / MANIFEST, json.dumps(kept, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def last_checked(manifest: dict[str, Any]) -> dt.datetime | None:
    """When the release's content was last produced or checked unchanged (UTC); None when the manifest says neither."""
    moments = []
    for key in ("produced_at", "checked_at"):
        try:
            value = dt.datetime.fromisoformat(str(manifest[key]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            continue
        moments.append(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
    return max(moments) if moments else None


def write_release(
    marts_dir: Path,
    fill: Callable[[Path], Any],
    *,
    synthetic: bool,
    input_label: str,
    marts: list[str],
    produced_at: dt.datetime | None = None,
    extra: dict[str, Any] | None = None,
    annotate: Callable[[Path, Path | None], dict[str, Any]] | None = None,
    before_switch: Callable[[], Any] | None = None,
    release_id: str | None = None,
    keep: int | None = None,
    reports_dir: Path | None = None,
) -> Path:
    """Write a release with `fill`, then point `marts_dir` at it; return the release folder.

    Refused before anything is written when it is synthetic and the current release is not. `annotate(folder,
    current_release)` runs on the complete folder before the switch and returns more manifest entries (the
    backtest verdict); raising there blocks publication. `before_switch()` runs right before the symlink moves
    (the warehouse's marts swap). Any failure before the switch leaves the previous release published."""
    marts_dir = Path(marts_dir)
    refuse_synthetic_over_real(marts_dir, synthetic=synthetic)
    _prepare_target(marts_dir)
    previous = current_or_none(marts_dir)
    produced = (produced_at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    manifest = {"produced_at": produced.isoformat(timespec="seconds"), "synthetic": synthetic,
                "input": input_label, "marts": sorted(dict.fromkeys(marts)), **(extra or {})}

    def fill_and_annotate(folder: Path) -> None:
        fill(folder)
        if annotate is not None:
            manifest.update(annotate(folder, previous))

    release = write_folder(releases_dir(marts_dir), fill_and_annotate, manifest, release_id=release_id)
    if before_switch is not None:
        before_switch()
    switch(marts_dir, release)
    prune(marts_dir, keep=keep, reports_dir=reports_dir)
    return release


def switch(marts_dir: Path, release: Path) -> None:
    """Point `marts_dir` at a complete release folder in one step (never a synthetic one over a real one)."""
    marts_dir = Path(marts_dir)
    refuse_synthetic_over_real(marts_dir, synthetic=is_synthetic(read_manifest(release)))
    _prepare_target(marts_dir)
    switch_symlink(marts_dir, release)


# --- listing, pruning, rollback ---------------------------------------------------------------------------------


def _published_folders(marts_dir: Path) -> list[Path]:
    """Release folders, most recently published (or rolled back to) first."""
    root = releases_dir(marts_dir)
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file()]
    # the manifest's mtime, not the folder's: rendering reports into a release must not make it "newer"
    return sorted(folders, key=lambda p: ((p / MANIFEST).stat().st_mtime_ns, p.name), reverse=True)


def list_releases(marts_dir: Path, reports_dir: Path | None = None) -> list[dict[str, Any]]:
    """One entry per release folder, newest first: manifest facts plus `current`, `complete`, `reports`."""
    now = current_or_none(marts_dir)
    shown = Path(os.path.realpath(reports_dir)).parent if reports_dir and Path(reports_dir).is_symlink() else None
    entries = []
    for folder in _published_folders(marts_dir):
        try:
            manifest = read_manifest(folder)
        except ReleaseError:
            manifest = {}
        entries.append({
            "release_id": folder.name,
            "produced_at": manifest.get("produced_at"),
            "checked_at": manifest.get("checked_at"),
            "input": manifest.get("input"),
            "input_dir": manifest.get("input_dir"),
            "synthetic": manifest.get("synthetic"),
            "rows": manifest.get("rows", {}),
            "measures": manifest.get("measures", {}),
            "backtest": manifest.get("backtest"),
            "current": now is not None and folder == now,
            "reports_current": shown is not None and folder == shown,
            "complete": verify(folder),
            "has_reports": (folder / REPORTS).is_dir(),
        })
    return entries


def keep_setting() -> int:
    from pipelines.lib.core.config import get_settings

    return get_settings().keep_releases


def prune(marts_dir: Path, *, keep: int | None = None, reports_dir: Path | None = None) -> list[str]:
    """Keep the `keep` most recently published releases, and always the current one, the one whose reports are
    shown, and the newest complete non-synthetic one (a partial or synthetic run never pushes the last good one
    out). Stale temporary folders and links of killed runs go too. Return the removed ids."""
    marts_dir = Path(marts_dir)
    keep = keep_setting() if keep is None else keep
    root = releases_dir(marts_dir)
    if not root.is_dir():
        return []
    for stale in root.glob(".tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale_link in marts_dir.parent.glob(f".{marts_dir.name}.link-*"):  # a run killed between link and swap
        stale_link.unlink(missing_ok=True)
    folders = _published_folders(marts_dir)
    for folder in folders:  # reports of a run killed while rendering
        for stale in folder.glob(".reports-tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)
    protected = set()
    now = current_or_none(marts_dir)
    if now is not None:
        protected.add(now)
    if reports_dir is not None and Path(reports_dir).is_symlink():
        protected.add(Path(os.path.realpath(reports_dir)).parent)
    for folder in folders:
        try:
            real = not is_synthetic(read_manifest(folder))
        except ReleaseError:
            continue
        if real and verify(folder):
            protected.add(folder)
            break
    kept = [f for f in folders if f in protected]
    for folder in folders:
        if len(kept) >= keep:
            break
        if folder not in kept:
            kept.append(folder)
    removed = []
    for folder in folders:
        if folder not in kept and RELEASE_ID.match(folder.name):
            shutil.rmtree(folder)
            removed.append(folder.name)
    return removed


def rollback(marts_dir: Path, release_id: str, *, reports_dir: Path | None = None) -> Path:
    """Publish an earlier release again, byte for byte (checked against its manifest), in one symlink switch;
    its reports, when it has some, are shown again too."""
    marts_dir = Path(marts_dir)
    if not SAFE_NAME.match(release_id):
        raise ReleaseError(f"Identifiant de publication invalide : {release_id!r}.")
    release = releases_dir(marts_dir) / release_id
    if not (release / MANIFEST).is_file():
        known = ", ".join(f.name for f in _published_folders(marts_dir)) or "aucune"
        raise ReleaseError(f"Publication inconnue : {release_id}. Publications disponibles : {known}.")
    manifest = check(release)
    refuse_synthetic_over_real(marts_dir, synthetic=is_synthetic(manifest),
                               what=f"le retour à la publication SYNTHÉTIQUE {release_id}")
    switch(marts_dir, release)
    os.utime(release / MANIFEST)  # most recently published again
    if reports_dir is not None and (release / REPORTS).is_dir():
        link_reports(reports_dir, release)
    return release


# --- reports ----------------------------------------------------------------------------------------------------


def _prepare_reports_link(reports_dir: Path) -> None:
    """The old layout wrote reports straight into `reports_dir`: generated HTML only, so it may go."""
    if reports_dir.is_symlink() or not reports_dir.exists():
        return
    names = [p.name for p in reports_dir.iterdir()]
    if reports_dir.is_dir() and all(n.endswith(".html") or n.startswith(".") for n in names):
        shutil.rmtree(reports_dir)
        return
    raise RuntimeError(f"{reports_dir} est un dossier réel qui ne contient pas que des rapports HTML : déplacez-le, "
                       f"la publication en fait un lien vers les rapports de la publication en cours.")


def link_reports(reports_dir: Path, release: Path) -> None:
    """Point `reports_dir` at `<release>/reports` in one switch."""
    reports_dir = Path(reports_dir)
    _prepare_reports_link(reports_dir)
    reports_dir.parent.mkdir(parents=True, exist_ok=True)
    switch_symlink(reports_dir, Path(release) / REPORTS)


def _make_readable(folder: Path) -> None:
    for root, dirs, names in os.walk(folder):
        os.chmod(root, DIR_MODE)
        for name in names:
            path = Path(root) / name
            if not path.is_symlink():
                os.chmod(path, FILE_MODE)


def publish_reports(marts_dir: Path, reports_dir: Path, render: Callable[[Path, Path], Any]) -> Path:
    """Render the current release's reports into it, then show them: `render(release, folder)` writes the HTML
    into a fresh folder; only when it returns is `<release>/reports` switched to it and `reports_dir` pointed at
    the release. A run killed while rendering leaves `reports_dir` on the reports of one earlier release."""
    release = current(marts_dir)
    reports_dir = Path(reports_dir)
    _prepare_reports_link(reports_dir)
    work = release / f".reports-tmp-{uuid.uuid4().hex}"
    make_dir(work, DIR_MODE)
    try:
        render(release, work)
        _make_readable(work)  # whatever the renderer's umask: reports are for everyone to read
        fsync_dir(work)
        final = release / f".reports-{uuid.uuid4().hex[:12]}"
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    switch_symlink(release / REPORTS, final)
    link_reports(reports_dir, release)
    for old in release.glob(".reports-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final
