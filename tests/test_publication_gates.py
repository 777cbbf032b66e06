"""Issue 22 §1: the gates beside the backtest (pipelines/lib/publish/gates.py).

- A first publication covering under PTSM_FIRST_RELEASE_MIN_PLAN_SHARE of the registry's PTSM with a plan is held
  (it had nothing to compare with: 98/196 workbooks, 54/104 PTSM went out), unless `--accept-partial`.
- A drop blocked by the backtest says what the exports folder shows and advises waiting before `--accept-drop`;
  the next passing run says the refusal is resolved (printed, and a "résolu" alert).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from pipelines.lib.publish import backtest, gates

sys.path.insert(0, str(Path(__file__).parent))
from pipeline_runner import MINI_EXPORTS, Installation  # noqa: E402
from test_automation_alerts import webhook  # noqa: E402,F401 (fixture: a real http.server)

BASE = {"ptsm_with_plan": 104, "action_rows": 3313, "roster_posts": 89, "survey_responses": 47, "national_figures": 60}


# --- coverage of a first publication -----------------------------------------------------------------------------


def test_the_observed_partial_first_publication_is_held_in_french():
    with pytest.raises(gates.PublicationHeld) as held:
        gates.first_release_coverage({**BASE, "ptsm_with_plan": 54}, 104, min_share=0.8, accept_partial=False)
    message = str(held.value)
    assert "\n" not in message
    assert message.startswith("Première publication retenue : 54 PTSM sur les 104 du registre ont un plan "
                              "d'actions (51,9\u202f%), sous le seuil de 80\u202f% "
                              "(PTSM_FIRST_RELEASE_MIN_PLAN_SHARE) ; rien n'est publié.")
    assert message.index("attendez") < message.index("--accept-partial")
    assert "ptsm/accept_partial=true" in message


@pytest.mark.parametrize(("with_plan", "held"), [(83, True),    # 79,8 %
                                                 (84, False),   # 80,8 %
                                                 (104, False), (0, True)])
def test_the_threshold_edge(with_plan, held):
    measures = {**BASE, "ptsm_with_plan": with_plan}
    if held:
        with pytest.raises(gates.PublicationHeld):
            gates.first_release_coverage(measures, 104, min_share=0.8, accept_partial=False)
    coverage = gates.first_release_coverage(measures, 104, min_share=0.8, accept_partial=True)
    assert coverage == {"registry_ptsm": 104, "ptsm_with_plan": with_plan, "plan_share": round(with_plan / 104, 4),
                        "min_share": 0.8, "accepted_partial": True}


def test_the_threshold_setting_is_a_share(monkeypatch):
    from pipelines.lib.core.config import get_settings, settings_errors

    monkeypatch.setenv("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE", "80")
    assert any("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE doit être une part entre 0 et 1" in e for e in settings_errors())
    monkeypatch.setenv("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE", "0.5")
    assert get_settings().first_release_min_plan_share == 0.5
    monkeypatch.delenv("PTSM_FIRST_RELEASE_MIN_PLAN_SHARE")
    assert get_settings().first_release_min_plan_share == 0.8


# --- what a refusal saw --------------------------------------------------------------------------------------------


def _drop(root: Path, names: dict[str, list[str]]) -> Path:
    for family, files in names.items():
        (root / family).mkdir(parents=True, exist_ok=True)
        for name in files:
            (root / family / name).write_bytes(b"x")
    return root


def test_what_was_seen_names_files_arriving_and_half_families(tmp_path):
    raw = _drop(tmp_path / "raw", {"fiches_actions": ["a_2024-01-01.xlsx", "b_2024-01-01.xlsx"],
                                   "statut_ptsm": ["statut_2024-01-31.csv"]})
    old = time.time() - 3600
    for path in raw.rglob("*.*"):
        os.utime(path, (old, old))  # `cp -p`: an old mtime, but the ctime says the copy just landed
    previous = {"fiches_actions": 6, "coordonnateurs": 1, "statut_ptsm": 1}
    now = time.time()
    seen = gates.what_was_seen(raw, previous, recent_seconds=300, now=now)
    assert len(seen) == 3
    assert seen[0].startswith("fichiers encore en arrivée : 3 fichier(s) arrivé(s) il y a moins de 300 s, le dernier (")
    assert seen[1:] == ["famille coordonnateurs absente : 0 fichier(s) contre 1 dans la publication en cours",
                        "famille fiches_actions partiellement présente : 2 fichier(s) contre 6 dans la publication "
                        "en cours"]
    # ten minutes later nothing is arriving any more; the half family is still half
    later = gates.what_was_seen(raw, previous, recent_seconds=300, now=now + 600)
    assert later == seen[1:]
    assert gates.what_was_seen(raw, {"fiches_actions": 2, "statut_ptsm": 1}, recent_seconds=300,
                               now=now + 600) == []
    assert gates.input_files(raw) == {"fiches_actions": 2, "statut_ptsm": 1}


def test_a_blocked_drop_advises_waiting_before_accepting():
    seen = ["famille fiches_actions partiellement présente : 2 fichier(s) contre 6 dans la publication en cours"]
    with pytest.raises(backtest.BacktestBlocked) as caught:
        backtest.compare(BASE, {**BASE, "ptsm_with_plan": 47}, accept_drop=False, previous_id="abc", seen=lambda: seen)
    message = str(caught.value)
    assert f"Constaté dans le dossier des exports : {seen[0]}. Une copie semble en cours ou incomplète : attendez " \
           f"qu'elle se termine" in message
    assert message.index("attendez") < message.index("--accept-drop")
    with pytest.raises(backtest.BacktestBlocked) as nothing_seen:
        backtest.compare(BASE, {**BASE, "ptsm_with_plan": 47}, accept_drop=False, previous_id="abc", seen=lambda: [])
    message = str(nothing_seen.value)
    assert "Constaté" not in message
    assert message.index("attendez d'abord") < message.index("--accept-drop")


def test_a_refusal_is_remembered_until_resolved_once(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    assert gates.resolve_refusal(db) is None
    gates.remember_refusal(db, "Publication bloquée par le contrôle de non-régression : baisse ; détail", "run-1")
    entry = gates.resolve_refusal(db)
    assert entry["run_id"] == "run-1" and not gates.refusal_path(db).exists()
    assert gates.resolve_refusal(db) is None
    assert gates.resolution_message(entry, "0123456789abcdef") == (
        f"Résolu : le refus de publication du {entry['at']} (run run-1) est levé, la publication 0123456789abcdef est "
        f"en place. Refus d'alors : Publication bloquée par le contrôle de non-régression : baisse")


# --- the whole path, through `ptsm refresh` ------------------------------------------------------------------------


@pytest.mark.slow
def test_partial_first_release_then_copy_in_progress_then_resolved(tmp_path, webhook):  # noqa: F811
    raw = tmp_path / "raw"
    shutil.copytree(MINI_EXPORTS, raw)
    site = Installation(tmp_path / "site", raw, extra_env={"PTSM_FIRST_RELEASE_MIN_PLAN_SHARE": "0.8",
                                                           "PTSM_ALERT_BACKOFF_SECONDS": "0"})
    # 1. the mini exports: 3 of the registry's 104 PTSM have a plan -> the first publication is held
    held = site.refresh(in_process=True)
    assert held.returncode == 1, held.stdout
    assert ("Première publication retenue : 3 PTSM sur les 104 du registre ont un plan d'actions (2,9\u202f%), sous "
            "le seuil de 80\u202f%") in held.stdout
    assert not site.marts.exists()
    assert gates.refusal_path(site.db).is_file()

    # 2. accepted explicitly: published, the coverage recorded, the earlier refusal said resolved
    accepted = site.refresh("--accept-partial", in_process=True)
    assert accepted.returncode == 0, accepted.stdout
    first = json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))
    assert first["backtest"]["verdict"] == "first"
    assert first["coverage"] == {"registry_ptsm": 104, "ptsm_with_plan": 3, "plan_share": 0.0288, "min_share": 0.8,
                                 "accepted_partial": True}
    assert first["input_files"] == {"coordonnateurs": 2, "enquete_coordonnateurs": 2, "fiches_actions": 8,
                                    "statut_ptsm": 1}
    assert "Résolu : le refus de publication du" in accepted.stdout
    assert [w["resolved"] != "" for w in webhook] == [True] and "Résolu" in webhook[0]["text"]
    assert not gates.refusal_path(site.db).exists()

    # 3. half of the action workbooks of the next drop: blocked, saying what was seen, waiting advised first
    aside = tmp_path / "aside"
    aside.mkdir()
    for name in ("ptsm02_2022-02-01.xlsx", "ptsm03_2021-12-01.xlsx", "ptsm03a_2022-03-01.xlsx",
                 "ptsm03b_2022-03-01.xlsx"):
        shutil.move(raw / "fiches_actions" / name, aside / name)
    blocked = site.refresh(in_process=True)
    assert blocked.returncode == 1, blocked.stdout
    assert "Constaté dans le dossier des exports : fichiers encore en arrivée" in blocked.stdout
    assert ("famille fiches_actions partiellement présente : 4 fichier(s) contre 8 dans la publication en cours"
            in blocked.stdout)
    line = next(x for x in blocked.stdout.splitlines() if "non-régression" in x)
    assert line.index("attendez") < line.index("--accept-drop")

    # 4. the copy completes: published without any option, and the refusal is said resolved (once)
    for name in os.listdir(aside):
        shutil.move(aside / name, raw / "fiches_actions" / name)
    passed = site.refresh(in_process=True)
    assert passed.returncode == 0, passed.stdout
    assert "Résolu : le refus de publication du" in passed.stdout and "Publication bloquée" in passed.stdout
    assert len(webhook) == 2 and webhook[1]["release_id"] == first["release_id"]
    again = site.refresh(in_process=True)
    assert again.returncode == 0 and "Résolu" not in again.stdout and len(webhook) == 2
