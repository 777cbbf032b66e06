"""What a deposit does, apart from the web: where an upload waits, the checks beyond `ptsm check` (whose file it
is, which family), the canonical name, the atomic write into the exports folder, the receipt and the deposit log.

A deposit is written as a hidden temporary file in the family folder (a dot-file: discovery ignores it, so the
sensor never sees half a file), then hard-linked under its canonical name, which fails rather than replaces when
the name exists: a deposit never overwrites another, even when twenty arrive at the same moment.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import BinaryIO

from pipelines.lib.catalogue.families import FAMILIES
from pipelines.lib.core.config import get_settings
from pipelines.lib.ingest import raw as ingest
from pipelines.lib.ingest.discovery import family_of_header
from pipelines.lib.producers.validate import check_file
from pipelines.lib.quality.findings import FileFindings, finding

# Who deposits which family (the one place of this rule): an action workbook is one PTSM's; the roster, the
# milestones and the survey are national files that replace the previous one whole (latest_file_selection.sql), so
# only the DMSMP deposits them: a PTSM's roster would otherwise become everyone's roster.
PTSM_FAMILIES = ("fiches_actions",)
NATIONAL_FAMILIES = ("fiches_actions", "coordonnateurs", "statut_ptsm", "enquete_coordonnateurs")
FAMILY_LABELS = {
    "fiches_actions": "Fiches actions (classeur du PTSM)",
    "coordonnateurs": "Recensement des coordonnateurs",
    "statut_ptsm": "Statut des PTSM et CTSM",
    "enquete_coordonnateurs": "Enquête auprès des coordonnateurs",
}
PENDING_ID = re.compile(r"^[0-9a-f]{32}$")
PORTAL_MARK = "_portail-"  # in every canonical name: collection_status's `source` reads it


class DepositRefused(Exception):
    """A deposit that cannot go on; the message is the French reason shown on the page."""


def portal_dir() -> Path:
    """`PTSM_PORTAL_DIR`, else `portail/` beside the warehouse: uploads waiting for confirmation and the deposit log,
    never inside the exports folder."""
    override = os.environ.get("PTSM_PORTAL_DIR")
    return Path(override) if override else get_settings().db_path.parent / "portail"


def max_upload_bytes() -> int:
    """`PTSM_PORTAL_MAX_BYTES` (default 20 MB: a real export is well under 5 MB)."""
    return int(os.environ.get("PTSM_PORTAL_MAX_BYTES", str(20 * 1024 * 1024)))


def families_for(scope: str) -> tuple[str, ...]:
    from pipelines.api.tokens import DEPOSIT, NATIONAL
    return PTSM_FAMILIES if scope == DEPOSIT else NATIONAL_FAMILIES if scope == NATIONAL else ()


def safe_client_name(name: str | None) -> str:
    """The file name as the browser sent it, refused when it carries a path or control characters (it is never
    used as a path: the deposit gets a canonical name)."""
    name = name or ""
    if not name.strip():
        raise DepositRefused("aucun fichier choisi : choisissez le fichier à déposer")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name or any(ord(c) < 32 for c in name):
        raise DepositRefused("nom de fichier refusé : il contient un chemin (/, \\ ou ..) ; renommez le fichier "
                             "(ex. fiches_actions.xlsx) et déposez-le à nouveau")
    if len(name) > 200:
        raise DepositRefused("nom de fichier trop long (plus de 200 caractères) : raccourcissez-le")
    return name


def canonical_name(family: str, owner: str, extraction: date, suffix: str, now: datetime) -> str:
    """PTSM (or DMSMP), family, extraction date, and the deposit instant plus a random part: read by the refresh
    like any export of its family (docs/contract.md §2 names), unique without looking at the folder."""
    stamp = f"{PORTAL_MARK[1:]}{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(3)}"
    if family == "fiches_actions":
        return f"{owner}_fiches_actions_{stamp}_{extraction.isoformat()}{suffix}"
    if family == "coordonnateurs":
        return f"recensement_coordonnateurs_{stamp}_{extraction.isoformat()}{suffix}"
    if family == "statut_ptsm":
        return f"statut_ptsm_{stamp}_{extraction.isoformat()}{suffix}"
    return f"enquete_{extraction.year}_{stamp}{suffix}"


@dataclass
class Pending:
    """An upload waiting for confirmation (`<portal_dir>/attente/<id>/`)."""

    pending_id: str
    token_id: str
    owner: str
    family: str
    client_name: str
    file_name: str
    size: int
    sha256: str
    acceptable: bool

    @property
    def folder(self) -> Path:
        return portal_dir() / "attente" / self.pending_id

    @property
    def path(self) -> Path:
        return self.folder / self.file_name


def receive(stream: BinaryIO, *, token_id: str, owner: str, family: str, client_name: str,
            extraction: date, max_bytes: int) -> Pending:
    """Copy the upload into its waiting folder under its canonical name (hashing it on the way, stopping past
    `max_bytes`)."""
    _forget_stale_uploads()
    suffix = Path(client_name).suffix.lower()
    if suffix not in FAMILIES[family].suffixes:
        raise DepositRefused(f"format non pris en charge : « {suffix or 'sans extension'} » (attendu : "
                             f"{', '.join(FAMILIES[family].suffixes)})")
    pending = Pending(secrets.token_hex(16), token_id, owner, family, client_name,
                      canonical_name(family, owner, extraction, suffix, datetime.now(timezone.utc)), 0, "", False)
    pending.folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        with pending.path.open("xb") as out:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
                pending.size += len(chunk)
                if pending.size > max_bytes:
                    raise DepositRefused(f"fichier trop volumineux (plus de {max_bytes // (1024 * 1024)} Mo) : "
                                         "il n'a pas été lu")
    except DepositRefused:
        shutil.rmtree(pending.folder, ignore_errors=True)
        raise
    except OSError as error:
        shutil.rmtree(pending.folder, ignore_errors=True)
        raise DepositRefused(_disk_message(error)) from None
    pending.sha256 = digest.hexdigest()
    return pending


STALE_SECONDS = 24 * 3600


def _forget_stale_uploads() -> None:
    """Uploads checked but never confirmed are deleted after a day: the waiting folder does not grow forever."""
    waiting = portal_dir() / "attente"
    if not waiting.is_dir():
        return
    for folder in waiting.iterdir():
        try:
            if time.time() - folder.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def check(pending: Pending, registry: set[str] | None = None) -> FileFindings:
    """`ptsm check`'s report on the upload, plus what only a deposit can know: a file with the columns of another
    family, and, for a PTSM's token, rows of another PTSM. A file refused whole cannot be confirmed."""
    path = pending.path
    report = check_file(path, registry, family=pending.family)
    report.name = pending.client_name
    blocking: list = []
    header = family_of_header(path)
    if header is not None and header != pending.family:
        blocking.append(finding(pending.family, "", None, "fichier", pending.client_name,
                                f"mauvaise famille : ce fichier a les colonnes d'un export « {FAMILY_LABELS[header]} », "
                                f"pas « {FAMILY_LABELS[pending.family]} » ; choisissez la bonne famille"))
    if pending.owner.startswith("PTSM-") and not blocking:
        entry = ingest.read_export(path, FAMILIES[pending.family])
        others: dict[str, list[int]] = {}
        for rows in entry.rows.values():
            for row in rows:
                value = (row.get("ptsm_id") or "").strip().upper()
                if value and value != pending.owner:
                    others.setdefault(value, []).append(row["_row_number"])
        for other, numbers in sorted(others.items()):
            shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
            blocking.append(finding(pending.family, "", None, "ptsm_id", other,
                                    f"lignes d'un autre PTSM ({other}, lignes {shown}) : un PTSM ne dépose que ses "
                                    f"propres lignes ({pending.owner}) ; retirez-les ou corrigez ptsm_id"))
    report.findings[:0] = blocking
    # the producer knows the file by the name they sent, not by its canonical name
    report.findings = [replace(f, value=pending.client_name) if f.value == pending.file_name else f
                       for f in report.findings]
    whole = report.rows_read is None  # check_file stops before counting rows when the file is refused whole
    pending.acceptable = not blocking and not whole
    (pending.folder / "depot.json").write_text(json.dumps(asdict(pending), ensure_ascii=False), encoding="utf-8")
    return report


def load_pending(pending_id: str, token_id: str) -> Pending:
    """The upload waiting under this id, for this token only."""
    if not PENDING_ID.match(pending_id or ""):
        raise DepositRefused("dépôt inconnu : déposez le fichier à nouveau")
    try:
        data = json.loads((portal_dir() / "attente" / pending_id / "depot.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DepositRefused("dépôt inconnu ou déjà confirmé : déposez le fichier à nouveau") from None
    pending = Pending(**data)
    if pending.token_id != token_id:
        raise DepositRefused("ce dépôt n'est pas le vôtre")
    return pending


@dataclass(frozen=True)
class Receipt:
    deposited_at: str
    token_id: str
    owner: str
    family: str
    client_name: str
    file: str       # relative to the exports folder
    size: int
    sha256: str


def commit(pending: Pending, raw_dir: Path) -> Receipt:
    """Write the checked upload into `<raw_dir>/<family>/` under its canonical name, atomically, never over an
    existing file; log and return the receipt. On any failure nothing is left in the exports folder."""
    if not pending.acceptable:
        raise DepositRefused("ce fichier a des problèmes qui empêchent son dépôt : corrigez-le et déposez-le à nouveau")
    folder = raw_dir / pending.family
    temporary = folder / f".portail-{pending.pending_id}.tmp"
    target = folder / pending.file_name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with pending.path.open("rb") as source, temporary.open("xb") as out:
            while chunk := source.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != pending.sha256:
            raise DepositRefused("le fichier reçu a changé depuis sa vérification : déposez-le à nouveau")
        os.link(temporary, target)  # fails with EEXIST instead of replacing
    except OSError as error:
        raise DepositRefused(_disk_message(error)) from None
    finally:
        temporary.unlink(missing_ok=True)
    receipt = Receipt(datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                      pending.token_id, pending.owner, pending.family, pending.client_name,
                      f"{pending.family}/{pending.file_name}", pending.size, pending.sha256)
    log_deposit(receipt)
    shutil.rmtree(pending.folder, ignore_errors=True)
    return receipt


def log_deposit(receipt: Receipt) -> None:
    """One JSON line per deposit in `<portal_dir>/depots.jsonl`, appended under an exclusive lock and synced."""
    path = portal_dir() / "depots.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(asdict(receipt), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
        fcntl.flock(handle, fcntl.LOCK_UN)


def deposits(owner: str | None = None) -> list[dict]:
    """The deposit log, newest first (one owner's only when given)."""
    path = portal_dir() / "depots.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in reversed(rows) if owner is None or r["owner"] == owner]


def _disk_message(error: OSError) -> str:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disque plein côté serveur : le dépôt n'a pas été enregistré (rien n'a été écrit) ; réessayez plus tard"
    if error.errno == errno.EEXIST:
        return "un dépôt du même nom existe déjà : déposez le fichier à nouveau"
    return f"écriture impossible côté serveur ({error.strerror or type(error).__name__}) : rien n'a été enregistré"
