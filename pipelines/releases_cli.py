"""`ptsm releases list|rollback|hold|release`: operate the publications kept on disk."""

from __future__ import annotations

import json
import sys

from pipelines.lib.publish import gates
from pipelines.lib.publish import release as releases
from pipelines.lib.core.config import get_settings

VERDICTS = {
    "first": "première publication",
    "not_compared": "non comparée (synthétique / réelle)",
    "passed": "réussi",
    "accepted_drop": "baisse acceptée (--accept-drop)",
}
MEASURE_LABELS = {
    "ptsm_with_plan": "PTSM avec plan",
    "action_rows": "actions",
    "roster_posts": "postes",
    "survey_responses": "réponses",
    "national_figures": "indicateurs",
}


def _line(entry: dict) -> str:
    flags = ("*" if entry["current"] else " ") + ("R" if entry["reports_current"] else " ")
    produced = "produite le " + str(entry["produced_at"] or "?")[:16].replace("T", " ") + " UTC"
    if entry.get("checked_at"):  # content unchanged since, checked again by a later refresh
        produced += f", vérifiée le {str(entry['checked_at'])[:16].replace('T', ' ')} UTC"
    nature = "SYNTHÉTIQUE" if entry["synthetic"] else "réelle"
    source = entry["input"] or "?"
    if entry["input_dir"]:
        source += f" ({entry['input_dir']})"
    measures = entry["measures"] or {}
    counts = ", ".join(f"{label} {measures[key]}" for key, label in MEASURE_LABELS.items()
                       if measures.get(key) is not None)
    total = sum(entry["rows"].values()) if entry["rows"] else None
    rows = f"{total} lignes" + (f" ({counts})" if counts else "") if total is not None else counts or "?"
    backtest = entry["backtest"] or {}
    verdict = VERDICTS.get(backtest.get("verdict"), backtest.get("verdict") or "—")
    if backtest.get("drops"):
        verdict += " : " + "; ".join(f"{d['label']} {d['previous']} -> {d['current']}" for d in backtest["drops"])
    state = "" if entry["complete"] else "  INCOMPLÈTE (fichiers absents ou modifiés)"
    return f"{flags} {entry['release_id']}  {produced}  {nature}  entrée {source}  {rows}  backtest : {verdict}{state}"


def releases_list(as_json: bool = False) -> int:
    settings = get_settings()
    entries = releases.list_releases(settings.marts_dir, settings.reports_dir)
    if as_json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print(f"Aucune publication dans {releases.releases_dir(settings.marts_dir)}.")
        return 0
    hold = gates.read_hold(settings.marts_dir)
    if hold is not None:
        print(f"PUBLICATION SUSPENDUE depuis le {hold.get('at', '?')} (motif : {hold.get('reason') or 'non précisé'}) : "
              f"aucun rafraîchissement ne publie ; `ptsm releases release` lève la suspension.")
    print(f"Publications de {settings.marts_dir} (la plus récente d'abord ; * = en cours, R = rapports affichés) :")
    for entry in entries:
        print(_line(entry))
    return 0


def releases_rollback(release_id: str, wait: float = 10.0) -> int:
    from pipelines.lib.warehouse.locking import RefreshLocked, refresh_lock

    settings = get_settings()
    try:
        with refresh_lock(settings.db_path, wait=wait):  # never under a running refresh
            folder = releases.rollback(settings.marts_dir, release_id, reports_dir=settings.reports_dir)
    except RefreshLocked as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 3
    except (releases.ReleaseError, FileNotFoundError, RuntimeError) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    print(f"Publication {folder.name} rétablie : {settings.marts_dir} pointe de nouveau sur elle "
          f"(fichiers vérifiés contre son manifeste).")
    if (folder / releases.REPORTS).is_dir():
        print(f"Rapports de cette publication affichés dans {settings.reports_dir}.")
    else:
        print(f"Cette publication n'a pas de rapports : {settings.reports_dir} montre encore ceux d'une autre "
              f"publication ; relancez `ptsm refresh` pour les produire.")
    print("La base (PTSM_DB) garde les marts du dernier rafraîchissement.")
    if gates.read_hold(settings.marts_dir) is None:
        print("Le prochain rafraîchissement (capteur, planification) publiera de nouveau les exports présents : pour "
              "garder cette publication, suspendez la publication avec `ptsm releases hold --reason \"…\"`.")
    return 0


def releases_hold(reason: str) -> int:
    """Hold publication: every refresh still runs its checks but publishes nothing, until `ptsm releases release`
    (pipelines/lib/publish/gates.py). The hold lives beside the marts link, so it survives every run and restart."""
    settings = get_settings()
    now = releases.current_or_none(settings.marts_dir)
    entry = gates.set_hold(settings.marts_dir, reason, now.name if now is not None else None)
    kept = f"la publication {now.name} reste en place" if now is not None else "aucune publication n'est en place"
    print(f"Publication suspendue le {entry['at']} (motif : {reason or 'non précisé'}) : {kept}. Chaque "
          f"rafraîchissement tournera ses contrôles sans rien publier, en le disant, jusqu'à `ptsm releases release`.")
    return 0


def releases_release() -> int:
    settings = get_settings()
    entry = gates.lift_hold(settings.marts_dir)
    if entry is None:
        print("Aucune suspension de la publication en cours.")
        return 0
    print(f"Suspension levée (posée le {entry.get('at', '?')}, motif : {entry.get('reason') or 'non précisé'}) : le "
          f"prochain rafraîchissement publiera.")
    return 0
