"""Which files under the exports folder are exports, and of which family (docs/contract.md §2.2 "Files as people send them").

Nothing is silently ignored: every file is either an export of a family (read), or named with a reason (reported
in quality_report), or OS junk / an Office lock file (listed as ignored in the refresh summary). Family folders
match like controlled values (`Fiches_Actions/`, `Statut PTSM/`), sub-folders are walked, zip archives are opened
and their members read as if they were in the folder.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from functools import lru_cache

from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.catalogue.catalogue import family_names, sheets as catalogue_sheets
from pipelines.lib.core.parsing import fold
from pipelines.lib.ingest.readers import MAX_FILE_BYTES, MAX_XLSX_UNCOMPRESSED, FileRejected, header_rows

UNSORTED = "hors_famille"  # the ledger family of files that belong to no family folder
FAMILY_NAMES = tuple(family_names())  # the catalogue's families: one folder each
JUNK_NAMES = {"thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"}
JUNK_FOLDERS = {"__macosx", "$recycle.bin", "system volume information"}
NOTES = {"readme", "lisez moi", "lisezmoi"}  # a note beside the family folders (the sample has one): not an export
# An ordering prefix people put before a folder name: `1. `, `02 - `, `3)`, `A_` (issue 23 §1). A letter needs a
# separator after it, so that the first letter of a name is never taken for a prefix.
ORDER_PREFIX = re.compile(r"^\s*(?:\d{1,3}\s*[.)\-_:]?|[A-Za-z]\s*[.)\-_:])\s*")
WHERE = "placez-le dans l'un des dossiers enquete_coordonnateurs/, coordonnateurs/, fiches_actions/ ou statut_ptsm/"


@dataclass(frozen=True)
class Found:
    """One file to read (or to report, when `reason` is set)."""

    family: str | None       # None: in no family folder
    name: str                # source_file: path relative to the exports folder; a zip member as archive.zip/member
    path: Path               # the file on disk (the archive, for a member)
    member: str | None = None
    reason: str | None = None

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.member).name if self.member is not None else self.path.name


@dataclass
class Discovery:
    found: list[Found] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)   # OS junk and lock files, relative paths

    def of(self, family: str | None) -> list[Found]:
        return [f for f in self.found if f.family == family]

    @property
    def has_exports(self) -> bool:
        """An export family folder (or an archive) holds at least one file that is not junk."""
        return any(f.family is not None or f.member is not None for f in self.found)


def is_junk(name: str) -> bool:
    """`.DS_Store`, `Thumbs.db`, `desktop.ini`, Office lock files (`~$…`, LibreOffice `.~lock…#`), macOS `._…`
    and other hidden files: never exports."""
    lowered = name.lower()
    return lowered in JUNK_NAMES or name.startswith(("~$", ".")) or lowered in JUNK_FOLDERS


def family_of(folder_name: str) -> str | None:
    """`Fiches_Actions`, `fiches actions`, `Statut PTSM`, `Enquête coordonnateurs` -> the family; so are numbered or
    prefixed folders (`1. Fiches actions`, `2. Coordonnateurs`): people number folders to sort them, and a numbered
    folder left unrecognised made the refresh publish the synthetic sample instead of their exports."""
    for candidate in (folder_name, ORDER_PREFIX.sub("", folder_name, count=1)):
        key = fold(candidate)
        family = next((name for name in FAMILY_NAMES if fold(name) == key), None)
        if family is not None:
            return family
    return None


_PLACEHOLDERS = re.compile(r"<[^>]*>|AAAA(-MM(-JJ)?)?")


@lru_cache(maxsize=1)
def _name_words() -> tuple[tuple[str, str], ...]:
    """(words, family): each family's name and the name its template gives a file (catalogue `file_pattern`, its
    placeholders dropped: `enquete_AAAA.csv` -> `enquete`), longest first."""
    words = {fold(name): name for name in FAMILY_NAMES}
    for sheet in catalogue_sheets():
        stem = PurePosixPath(sheet.file_pattern.split()[0]).stem
        words.setdefault(fold(_PLACEHOLDERS.sub(" ", stem)), sheet.family)
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


def family_of_file(file_name: str) -> str | None:
    """A file outside the family folders named after its family (`coordonnateurs_2025-03.csv`,
    `Fiches actions PTSM-35.xlsx`) or as its template names it (`enquete_2024.csv`) is that family's export: the
    longest name found as whole words wins (`enquete_coordonnateurs` before `coordonnateurs`)."""
    key = f" {fold(PurePosixPath(file_name).stem)} "
    return next((family for words, family in _name_words() if words and f" {words} " in key), None)


def family_columns(family: str) -> list[str]:
    """The columns that make a header row this family's: its key column and the required columns of its main table."""
    spec = FAMILIES[family]
    required = next(iter(spec.required.values()))
    return [spec.key_column, *(c for c in required if c != spec.key_column)]


def header_families(path: Path) -> list[str]:
    """The families whose key and required columns one header row of the file holds; [] when none, or when the
    file cannot be read."""
    try:
        rows = _header_rows(str(path), *_stamp(path))
    except (FileRejected, OSError):
        return []
    wanted = {name: {fold(c) for c in family_columns(name)} for name in FAMILY_NAMES}
    return sorted(name for name in FAMILY_NAMES if any(wanted[name] <= keys for keys in rows))


def family_of_header(path: Path) -> str | None:
    """The one family the header row designates; None when none does, or when it holds the columns of two (no
    family's columns contain another's, so such a file is a mix: said, never guessed)."""
    matches = header_families(path)
    return matches[0] if len(matches) == 1 else None


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=256)
def _header_rows(path: str, mtime_ns: int, size: int) -> list[set[str]]:
    """Cached by path, modification time and size: a refresh discovers the folder once per family."""
    return header_rows(Path(path))


def unassigned_reason(path: Path, where: str) -> str:
    """Why a file outside the family folders is not read, and what to do: name each family's expected columns."""
    matches = header_families(path) if path.is_file() else []
    if len(matches) > 1:
        return (f"{where} ; sa ligne d'en-tête convient à plusieurs familles ({', '.join(sorted(matches))}) : "
                f"{WHERE}")
    columns = " ; ".join(f"{name} : {', '.join(family_columns(name))}" for name in FAMILY_NAMES)
    return (f"{where}, et ni son nom ni sa ligne d'en-tête ne désignent une famille (colonnes attendues — {columns}) : "
            f"{WHERE}, ou nommez-le d'après sa famille (ex. coordonnateurs_2025-03-31.csv)")


def family_outside_folders(path: Path) -> str | None:
    """The family of a file outside the family folders: from its name, else from its header row (issue 23 §1: a
    roster saved as `export.csv` at the root was never read); None when neither says (see `unassigned_reason`).
    The one rule: the refresh applies it to such files, `ptsm check` to any file not in a family folder."""
    family = family_of_file(path.name)
    if family is None and path.is_file() and not path.is_symlink():
        family = family_of_header(path)
    return family


def family_of_path(path: Path) -> str | None:
    """The family of a file seen on its own (`ptsm check`): the nearest family folder it sits in, else
    `family_outside_folders`, as the refresh would assign it."""
    for folder in path.resolve().parents:
        family = family_of(folder.name)
        if family:
            return family
    return family_outside_folders(path)


def _outside(name: str, path: Path, where: str) -> Found:
    """A file outside the family folders: assigned by `family_outside_folders`, else reported with what to do."""
    family = family_outside_folders(path)
    return Found(family, name, path) if family is not None else Found(None, name, path,
                                                                      reason=unassigned_reason(path, where))


def discover(root: Path) -> Discovery:
    result = Discovery()
    if not root.is_dir():
        return result
    for entry in sorted(root.iterdir()):
        if is_junk(entry.name) or (entry.is_file() and fold(entry.stem) in NOTES):
            result.ignored.append(entry.name)
            continue
        family = family_of(entry.name) if entry.is_dir() else None
        if family is not None:
            _walk(entry, family, root, result)
        elif entry.is_dir() and not entry.is_symlink():
            _walk(entry, None, root, result)
        elif entry.suffix.lower() == ".zip" and entry.is_file() and not entry.is_symlink():
            archive_members(entry, None, entry.name, result)
        else:
            result.found.append(_outside(entry.name, entry, "fichier hors des dossiers d'exports"))
    return result


def _walk(folder: Path, family: str | None, root: Path, result: Discovery) -> None:
    base = folder.relative_to(root).as_posix()
    for current, dirs, files in os.walk(folder, followlinks=False):
        here = Path(current)
        junk_dirs = [d for d in dirs if is_junk(d)]
        result.ignored += [(here / d).relative_to(root).as_posix() + "/" for d in sorted(junk_dirs)]
        linked = sorted(d for d in dirs if (here / d).is_symlink())
        dirs[:] = sorted(d for d in dirs if d not in junk_dirs and d not in linked)
        for name in sorted([*files, *linked]):
            path = here / name
            relative = path.relative_to(root).as_posix()
            if is_junk(name):
                result.ignored.append(relative)
            elif family is None:
                result.found.append(_outside(relative, path, f"dossier « {base} » non reconnu"))
            elif path.suffix.lower() == ".zip" and path.is_file() and not path.is_symlink() \
                    and path.resolve().is_relative_to(root.resolve()):  # else reported like any link outside
                archive_members(path, family, relative, result)
            else:
                result.found.append(Found(family, relative, path))


def archive_members(path: Path, family: str | None, relative: str, result: Discovery) -> None:
    """The members of a zip archive, each as if it were in the folder (a root archive's members go by their own
    first folder, else by their name, like a file outside the family folders). Refused whole, like a workbook, when
    it would inflate past the zip-bomb limit."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError):
        result.found.append(Found(family, relative, path, reason="archive zip illisible"))
        return
    total = sum(info.file_size for info in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        result.found.append(Found(family, relative, path, reason=f"archive refusée : {total} octets une fois décompressée "
                                                                  f"(limite {MAX_XLSX_UNCOMPRESSED})"))
        return
    for info in sorted(infos, key=lambda i: i.filename):
        parts = PurePosixPath(info.filename).parts
        name = f"{relative}/{info.filename}"
        if any(is_junk(part) for part in parts):
            result.ignored.append(name)
            continue
        member_family = family if family is not None else (family_of(parts[0]) if len(parts) > 1 else None)
        if member_family is None:
            member_family = family_of_file(info.filename)
        if info.filename.lower().endswith(".zip"):
            result.found.append(Found(member_family, name, path, info.filename,
                                      reason="archive dans une archive : décompressez-la et envoyez son contenu"))
        elif member_family is None:
            result.found.append(Found(None, name, path, info.filename,
                                      reason=f"fichier de l'archive hors des dossiers d'exports : {WHERE}"))
        else:
            result.found.append(Found(member_family, name, path, info.filename))


def member_bytes(found: Found) -> bytes:
    """The bytes of an archive member, never more than the file size limit (an archive may understate sizes)."""
    try:
        with zipfile.ZipFile(found.path) as archive, archive.open(found.member) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except RuntimeError:  # zipfile: "File ... is encrypted, password required for extraction"
        raise FileRejected("archive protégée par un mot de passe : envoyez-la sans mot de passe") from None
    except (zipfile.BadZipFile, KeyError, EOFError, ValueError) as error:
        raise FileRejected(f"membre d'archive illisible : {type(error).__name__}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(f"fichier trop volumineux (plus de {MAX_FILE_BYTES} octets)")
    if not data:
        raise FileRejected("fichier vide")
    return data


def has_exports(raw_dir: Path) -> bool:
    """True when an export family folder (matched like a controlled value, sub-folders included), a file assigned
    to a family by its name or header row, or a zip archive holds a file that is not OS junk or an Office lock file: a lone `.DS_Store` must not replace the sample by an
    empty real publication, and exports only in a sub-folder or a zip must not be taken for "no exports"."""
    return discover(raw_dir).has_exports


def input_dir(raw_dir: Path, sample_dir: Path) -> Path:
    """The folder actually read: the raw exports, or the synthetic sample when there are none."""
    return raw_dir if has_exports(raw_dir) else sample_dir
