"""Issue 22 §1: the UI's tick list said "0 runs requested" with the reason one click away, and the monthly schedule
started a run in the middle of a copy. The reason of each change of state is now the description of an observation
of `ops/raw_exports_status` (asset catalogue), and the schedule applies the sensor's guard (temporary files, settle
window) with its reason. A real Dagster instance (SQLite, temporary) records the observations."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.defs.automation import RAW_STATUS_KEY, monthly_refresh, raw_exports_sensor

MINI = Path(__file__).resolve().parent / "fixtures" / "exports" / "mini"


@pytest.fixture
def raw(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    monkeypatch.setenv("PTSM_RAW_DIR", str(raw))
    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "0")
    return raw


@pytest.fixture
def instance(tmp_path):
    # a real SQLite instance in a folder, as the daemon's; not entered as a context manager (nor instance_for_test):
    # that sets Dagster's current state storage for the process and breaks the tests loading the code location after
    (tmp_path / "dagster_home").mkdir()
    instance = dg.DagsterInstance.local_temp(str(tmp_path / "dagster_home"))
    yield instance
    instance.dispose()


def _observations(instance):
    records = instance.fetch_observations(RAW_STATUS_KEY, limit=100, ascending=True).records
    return [(r.asset_observation.metadata["etat"].value, r.asset_observation.description) for r in records]


def _sensor_tick(instance, cursor=None):
    """One tick as the daemon runs it: the asset events the sensor returns are stored in the instance."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = raw_exports_sensor(context)
    if isinstance(result, dg.SensorResult):
        for event in result.asset_events:
            instance.report_runless_asset_event(event)
        decision = result.skip_reason or result.run_requests[0]
    else:
        decision = result
    return decision, context.cursor


def test_the_sensor_puts_each_new_reason_on_the_status_asset(raw, instance):
    decision, cursor = _sensor_tick(instance)
    absent = f"Dossier des exports {raw} absent (PTSM_RAW_DIR non monté ?) : aucun run lancé."
    assert isinstance(decision, dg.SkipReason) and decision.skip_message == absent
    assert _observations(instance) == [("absent", absent)]
    _sensor_tick(instance)  # same state: no second observation (not one per tick)
    assert _observations(instance) == [("absent", absent)]

    raw.mkdir()
    (raw / "fiches_actions").mkdir()
    (raw / "fiches_actions" / "~$ptsm01.xlsx").write_bytes(b"lock")
    (raw / "fiches_actions" / "ptsm01.xlsx.part").write_bytes(b"half")
    decision, cursor = _sensor_tick(instance)
    copying = (f"Dépôt en cours dans {raw} : fichiers temporaires ou partiels présents (fiches_actions/ptsm01.xlsx.part, "
               f"fiches_actions/~$ptsm01.xlsx) ; attente de la fin de la copie.")
    assert decision.skip_message == copying
    assert _observations(instance)[-1] == ("copie_en_cours", copying)

    shutil.rmtree(raw)
    shutil.copytree(MINI, raw)
    decision, cursor = _sensor_tick(instance, cursor)
    assert isinstance(decision, dg.RunRequest)
    assert _observations(instance)[-1] == ("pret", f"Dépôt complet dans {raw} : run demandé ({decision.run_key}).")
    decision, _ = _sensor_tick(instance, cursor)
    assert decision.skip_message.startswith(f"Aucun changement dans {raw} depuis le dernier run demandé")
    assert [state for state, _ in _observations(instance)] == ["absent", "copie_en_cours", "pret", "inchange"]


def test_a_bare_context_still_gets_the_plain_decision(raw):
    # no instance (a unit test's context): the decision alone, as before
    result = raw_exports_sensor(dg.build_sensor_context())
    assert isinstance(result, dg.SkipReason)


def _schedule_tick(instance):
    return monthly_refresh(dg.build_schedule_context(instance=instance))


def test_the_monthly_schedule_has_the_sensors_guard(raw, instance, monkeypatch):
    shutil.copytree(MINI, raw)
    (raw / "fiches_actions" / "ptsm09_2022-03-01.xlsx.crdownload").write_bytes(b"half")
    skipped = _schedule_tick(instance)
    assert isinstance(skipped, dg.SkipReason)
    assert skipped.skip_message == (
        f"Dépôt en cours dans {raw} : fichiers temporaires ou partiels présents "
        f"(fiches_actions/ptsm09_2022-03-01.xlsx.crdownload) ; attente de la fin de la copie. (planification "
        f"mensuelle : le capteur lancera le run une fois le dépôt complet)")
    assert _observations(instance) == [("copie_en_cours", skipped.skip_message)]

    (raw / "fiches_actions" / "ptsm09_2022-03-01.xlsx.crdownload").unlink()
    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "3600")  # the copy just landed (ctime): not settled
    recent = _schedule_tick(instance)
    assert isinstance(recent, dg.SkipReason) and recent.skip_message.startswith(f"Dépôt récent dans {raw} : dernier "
                                                                                 f"changement il y a ")
    assert "un run partira après 3600 s sans changement" in recent.skip_message

    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "0")
    request = _schedule_tick(instance)
    assert isinstance(request, dg.RunRequest) and request.tags["ptsm/launched_by"] == "dmsmp_monthly_refresh"
    # an unchanged folder still runs every month (the publication is checked again: checked_at)
    again = _schedule_tick(instance)
    assert isinstance(again, dg.RunRequest)


def test_the_schedule_skips_an_unmounted_or_empty_folder(raw, instance):
    assert _schedule_tick(instance).skip_message.startswith(f"Dossier des exports {raw} absent")
    raw.mkdir()
    assert _schedule_tick(instance).skip_message.startswith(f"Aucun export dans {raw}")
