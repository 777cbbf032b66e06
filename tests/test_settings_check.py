"""Issue 22 §2: a bad setting in ptsm.env is refused when the services start, with a French message naming it
(before: `PTSM_SENSOR_SETTLE_SECONDS=5min` silently stopped the sensor, the schedules and the alerts)."""

from __future__ import annotations

import pytest

from pipelines.cli import main
from pipelines.lib.core.config import PROJECT_ROOT


@pytest.mark.parametrize("var,value", [("PTSM_SENSOR_SETTLE_SECONDS", "5min"), ("PTSM_SMTP_PORT", "vingt-cinq"),
                                       ("PTSM_KEEP_RELEASES", "douze")])
def test_a_bad_setting_is_refused_naming_it(monkeypatch, capsys, var, value):
    monkeypatch.setenv(var, value)
    assert main(["settings"]) == 2
    err = capsys.readouterr().err
    assert var in err and repr(value) in err
    assert "doit être un nombre" in err


def test_good_settings_pass(monkeypatch, capsys):
    monkeypatch.setenv("PTSM_SENSOR_SETTLE_SECONDS", "300")
    assert main(["settings"]) == 0
    assert "Réglages valides" in capsys.readouterr().out


def test_the_dagster_units_check_the_settings_before_starting():
    for unit in ("ptsm-dagster-daemon.service", "ptsm-dagster-webserver.service"):
        text = (PROJECT_ROOT / "deploy" / "systemd" / unit).read_text()
        assert "ExecStartPre=/opt/ptsm/.venv/bin/ptsm settings" in text, unit
