"""The raw-folder sensor waits for complete drops and can start a run again on a folder state seen before.

Reproduced before the fix: the first tick on an empty folder asked for a run; a tick mid-copy (temporary files
present, files still landing) asked for a run; a folder coming back to an earlier state reused that state's run key,
so Dagster skipped it silently and a wrong release stayed published.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.automation import raw_exports_sensor

MINI = Path(__file__).resolve().parent / "fixtures" / "exports" / "mini"


@pytest.fixture
def raw(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    monkeypatch.setenv("PTSM_RAW_DIR", str(raw))
    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "0")
    return raw


def tick(cursor=None):
    context = dg.build_sensor_context(cursor=cursor)
    result = raw_exports_sensor(context)
    return result, context.cursor


def test_a_missing_folder_and_an_empty_folder_never_start_a_run(raw):
    result, cursor = tick()
    assert isinstance(result, dg.SkipReason) and cursor is None
    assert result.skip_message == f"Dossier des exports {raw} absent (PTSM_RAW_DIR non monté ?) : aucun run lancé."
    (raw / "statut_ptsm").mkdir(parents=True)
    result, cursor = tick()
    assert isinstance(result, dg.SkipReason) and cursor is None
    assert result.skip_message == (f"Aucun export dans {raw} : aucun run lancé (Dagster n'utilise jamais "
                                   "l'échantillon synthétique).")


@pytest.mark.parametrize("name", ["~$ptsm01_2022-01-15.xlsx", "ptsm02_2022-02-01.xlsx.part", "statut.tmp",
                                  ".~lock.ptsm01_2022-01-15.xlsx#", "export.csv.crdownload"])
def test_a_drop_with_a_temporary_file_waits(raw, name):
    shutil.copytree(MINI, raw)
    (raw / "fiches_actions" / "sous-dossier").mkdir()
    (raw / "fiches_actions" / "sous-dossier" / name).write_bytes(b"...")
    result, cursor = tick()
    assert isinstance(result, dg.SkipReason) and cursor is None
    assert result.skip_message == (f"Dépôt en cours dans {raw} : fichiers temporaires ou partiels présents "
                                   f"(fiches_actions/sous-dossier/{name}) ; attente de la fin de la copie.")
    (raw / "fiches_actions" / "sous-dossier" / name).unlink()
    assert isinstance(tick()[0], dg.RunRequest)


def test_a_drop_still_landing_waits_for_the_settle_window(raw, monkeypatch):
    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "3600")
    shutil.copytree(MINI, raw)  # copy2 keeps the old mtimes, as `cp -p` and `rsync -a` do: the ctime is new
    result, cursor = tick()
    assert isinstance(result, dg.SkipReason) and cursor is None
    assert result.skip_message.startswith(f"Dépôt récent dans {raw} : dernier changement il y a ")
    assert result.skip_message.endswith(" s ; un run partira après 3600 s sans changement.")


def test_a_complete_drop_starts_one_run_then_skips_until_something_changes(raw):
    shutil.copytree(MINI, raw)
    first, cursor = tick()
    assert isinstance(first, dg.RunRequest) and first.job_name in (None, "ptsm_refresh")
    assert json.loads(cursor) == {"last_run_key": first.run_key}
    again, same_cursor = tick(cursor)
    assert isinstance(again, dg.SkipReason) and same_cursor == cursor
    assert again.skip_message == f"Aucun changement dans {raw} depuis le dernier run demandé ({first.run_key})."


def test_a_folder_back_to_an_earlier_state_starts_a_new_run(raw):
    shutil.copytree(MINI, raw)
    first, cursor = tick()
    kept = raw.parent / "kept.csv"
    shutil.move(raw / "statut_ptsm" / "statut_ptsm_2022-03-31.csv", kept)
    second, cursor = tick(cursor)
    shutil.copy2(kept, raw / "statut_ptsm" / "statut_ptsm_2022-03-31.csv")  # the same file, same mtime, back
    third, cursor = tick(cursor)
    assert all(isinstance(r, dg.RunRequest) for r in (first, second, third))
    assert third.tags["ptsm/raw_fingerprint"] == first.tags["ptsm/raw_fingerprint"]  # the same folder content
    assert len({first.run_key, second.run_key, third.run_key}) == 3  # yet a new run key: Dagster runs it


def test_links_are_not_followed(raw):
    shutil.copytree(MINI, raw)
    os.symlink(raw, raw / "fiches_actions" / "boucle")
    assert isinstance(tick()[0], dg.RunRequest)


def test_an_unmounted_then_remounted_folder_skips_then_runs_again(raw):
    """The issue's `mv raw raw.moved; mkdir raw`, then the share back: no run on the empty folder, a run after."""
    shutil.copytree(MINI, raw)
    first, cursor = tick()
    moved = raw.parent / "raw.moved"
    raw.rename(moved)
    raw.mkdir()
    empty, cursor_after_empty = tick(cursor)
    assert isinstance(empty, dg.SkipReason) and cursor_after_empty == cursor
    raw.rmdir()
    moved.rename(raw)
    back, _ = tick(cursor)
    assert isinstance(first, dg.RunRequest) and isinstance(back, dg.RunRequest)
    assert back.tags["ptsm/raw_fingerprint"] == first.tags["ptsm/raw_fingerprint"] and back.run_key != first.run_key


def test_os_junk_is_not_a_new_drop(raw):
    shutil.copytree(MINI, raw)
    first, cursor = tick()
    (raw / "fiches_actions" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (raw / "Thumbs.db").write_bytes(b"\0")
    again, _ = tick(cursor)
    # the folders' change times moved (a new entry: the same signal as a remount), so a run is asked again, but
    # the content fingerprint is the same: junk never changes what a run reads (the ingestion skips it too)
    assert isinstance(again, dg.RunRequest) and again.run_key != first.run_key
    assert again.tags["ptsm/raw_fingerprint"] == first.tags["ptsm/raw_fingerprint"]
