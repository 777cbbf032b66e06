"""Publication gates beside the backtest: what a release is judged against when it has nothing to compare with,
what a refusal saw in the exports folder, the memory of a refusal until a later run resolves it, and the operator's
hold. Plain Python: no Dagster here (pipelines/defs/publish/release.py applies them, the CLI sets the hold).

- Coverage of a first publication: the backtest compares with the publication in place, so a first publication (or
  the first real one after the synthetic sample) made from half a copy went out unchecked. It is judged against the
  registry instead: fewer than PTSM_FIRST_RELEASE_MIN_PLAN_SHARE (0.8) of the registry's PTSM with an action plan
  holds it, unless accepted (`ptsm refresh --accept-partial`, run tag `ptsm/accept_partial=true`).
- What was seen: a drop blocked by the backtest is most often a copy still in progress, so the refusal says what
  the exports folder shows (files that landed a moment ago, a family with fewer files than the publication in
  place) and advises waiting before `--accept-drop`.
- Refusal memory: a refusal is written beside the warehouse (`<PTSM_DB>.refusal.json`); the next publication that
  passes says that it is resolved (log, run metadata, a "résolu" alert) and removes it.
- Hold: `ptsm releases hold` writes `.<marts>-hold.json` beside the marts link; while it is there every refresh
  runs its checks but publishes nothing and says why, so a rollback is not undone by the next automatic run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from pipelines.lib.core.files import write_atomic
from pipelines.lib.ingest.discovery import discover

ACCEPT_PARTIAL_TAG = "ptsm/accept_partial"


class PublicationHeld(Exception):
    """A release that may not be published now (partial first publication, operator's hold); French message."""


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}".replace(".", ",")
    return (text[:-2] if text.endswith(",0") else text) + "\u202f%"


# --- coverage of a publication with nothing to compare with -----------------------------------------------------


def first_release_coverage(measures: dict[str, Any], registry_ptsm: int, *, min_share: float,
                           accept_partial: bool) -> dict[str, Any]:
    """The coverage recorded in the manifest; raise `PublicationHeld` when the share of the registry's PTSM with an
    action plan is under `min_share` and the partial publication is not accepted."""
    with_plan = int(measures.get("ptsm_with_plan") or 0)
    share = with_plan / registry_ptsm if registry_ptsm > 0 else 1.0
    coverage = {"registry_ptsm": registry_ptsm, "ptsm_with_plan": with_plan, "plan_share": round(share, 4),
                "min_share": min_share, "accepted_partial": accept_partial}
    if share < min_share and not accept_partial:
        raise PublicationHeld(
            f"Première publication retenue : {with_plan} PTSM sur les {registry_ptsm} du registre ont un plan "
            f"d'actions ({_pct(share)}), sous le seuil de {_pct(min_share)} (PTSM_FIRST_RELEASE_MIN_PLAN_SHARE) ; "
            f"rien n'est publié. Si la copie des exports est en cours, attendez sa fin : le prochain "
            f"rafraîchissement publiera sans option. Si cette couverture est la bonne, relancez avec "
            f"`ptsm refresh --accept-partial` (ou le tag de run Dagster {ACCEPT_PARTIAL_TAG}=true)."
        )
    return coverage


def accepts_partial(tags: dict[str, str]) -> bool:
    return str(tags.get(ACCEPT_PARTIAL_TAG, "")).strip().lower() in ("true", "1", "oui", "yes")


# --- what the exports folder shows ------------------------------------------------------------------------------


def input_files(input_dir: Path | str | None) -> dict[str, int]:
    """Files per export family in the input folder (recorded in the manifest, compared by the next refusal)."""
    counts: dict[str, int] = {}
    if not input_dir:
        return counts
    for found in discover(Path(input_dir)).found:
        if found.family is not None and found.reason is None:
            counts[found.family] = counts.get(found.family, 0) + 1
    return dict(sorted(counts.items()))


def what_was_seen(input_dir: Path | str | None, previous_files: dict[str, int] | None, *, recent_seconds: float,
                  now: float | None = None) -> list[str]:
    """French observations of a copy in progress: files whose last change (ctime as well as mtime: `cp -p` keeps
    an old mtime, the kernel sets the ctime when the copy lands) is under `recent_seconds` old, and families with
    fewer files than in the publication in place."""
    if not input_dir or not Path(input_dir).is_dir():
        return []
    now = time.time() if now is None else now
    seen = []
    found = [f for f in discover(Path(input_dir)).found if f.family is not None and f.reason is None]
    changes = []
    for f in found:
        try:
            stat = os.stat(f.path)
        except OSError:  # vanished while we looked: a copy or a move in progress
            changes.append((now, f.name))
            continue
        changes.append((max(stat.st_mtime, stat.st_ctime), f.name))
    recent = sorted((c for c in changes if now - c[0] < recent_seconds), reverse=True)
    if recent:
        age, name = max(now - recent[0][0], 0), recent[0][1]
        seen.append(f"fichiers encore en arrivée : {len(recent)} fichier(s) arrivé(s) il y a moins de "
                    f"{recent_seconds:.0f} s, le dernier ({name}) il y a {age:.0f} s")
    counts = input_files(input_dir)
    for family, before in sorted((previous_files or {}).items()):
        now_count = counts.get(family, 0)
        if now_count < before:
            state = "absente" if now_count == 0 else "partiellement présente"
            seen.append(f"famille {family} {state} : {now_count} fichier(s) contre {before} dans la publication "
                        f"en cours")
    return seen


# --- a refusal until a run resolves it --------------------------------------------------------------------------


def refusal_path(db_path: Path) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".refusal.json")


def remember_refusal(db_path: Path, message: str, run_id: str | None) -> None:
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "run_id": run_id,
             "message": message}
    path = refusal_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(entry, ensure_ascii=False, indent=2) + "\n")


def resolve_refusal(db_path: Path) -> dict[str, Any] | None:
    """The refusal a passing publication resolves (removed), or None when there was none."""
    path = refusal_path(db_path)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:
        entry = {"at": "", "run_id": None, "message": "(état de refus illisible)"}
    path.unlink(missing_ok=True)
    return entry


def resolution_message(entry: dict[str, Any], release_id: str) -> str:
    first = (entry.get("message") or "").split(" ; ")[0]
    run = f" (run {entry['run_id']})" if entry.get("run_id") else ""
    return (f"Résolu : le refus de publication du {entry.get('at') or '?'}{run} est levé, la publication {release_id} "
            f"est en place. Refus d'alors : {first}")


# --- the operator's hold ----------------------------------------------------------------------------------------


def hold_path(marts_dir: Path) -> Path:
    marts_dir = Path(marts_dir)
    return marts_dir.parent / f".{marts_dir.name}-hold.json"


def read_hold(marts_dir: Path) -> dict[str, Any] | None:
    path = hold_path(marts_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError:  # unreadable: still a hold (fail closed)
        return {"at": "?", "reason": "(fichier de suspension illisible)", "release_id": None}


def set_hold(marts_dir: Path, reason: str, release_id: str | None) -> dict[str, Any]:
    entry = {"at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "reason": reason,
             "release_id": release_id}
    path = hold_path(marts_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(entry, ensure_ascii=False, indent=2) + "\n")
    return entry


def lift_hold(marts_dir: Path) -> dict[str, Any] | None:
    entry = read_hold(marts_dir)
    hold_path(marts_dir).unlink(missing_ok=True)
    return entry


def refuse_when_held(marts_dir: Path) -> None:
    """Raise `PublicationHeld` while the operator's hold is set: nothing is published, the release in place stays."""
    entry = read_hold(marts_dir)
    if entry is None:
        return
    kept = f"la publication {entry['release_id']} reste en place" if entry.get("release_id") else \
        "la publication en cours reste en place"
    raise PublicationHeld(
        f"Publication suspendue par l'opérateur depuis le {entry.get('at', '?')} (motif : "
        f"{entry.get('reason') or 'non précisé'}) : rien n'est publié, {kept}. Les contrôles ont tourné ; levez la "
        f"suspension avec `ptsm releases release` pour publier au prochain rafraîchissement."
    )
