"""Issue 22 §1: a rollback was undone by the next automatic run within seconds (green). `ptsm releases hold` sets a
publication hold that survives the next runs: they run their checks, publish nothing and say why; `ptsm releases
release` lifts it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.lib.publish import gates
from pipelines.lib.publish import release as releases

sys.path.insert(0, str(Path(__file__).parent))
from test_release import _publish  # noqa: E402


def test_a_hold_keeps_the_rolled_back_release_through_later_publications(tmp_path, monkeypatch, capsys):
    marts_dir = tmp_path / "marts"
    monkeypatch.setenv("PTSM_MARTS_DIR", str(marts_dir))
    monkeypatch.setenv("PTSM_DB", str(tmp_path / "warehouse.duckdb"))
    good = _publish(marts_dir, 10)
    bad = _publish(marts_dir, 10, tag="v2")
    releases.rollback(marts_dir, good.name)

    assert main(["releases", "hold", "--reason", "chiffres faux dans v2"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("Publication suspendue le ")
    assert f"(motif : chiffres faux dans v2) : la publication {good.name} reste en place." in said
    for _ in range(2):  # the next runs, whatever they bring: nothing published, and why
        with pytest.raises(gates.PublicationHeld) as held:
            _publish(marts_dir, 10, tag="v2")
        assert "Publication suspendue par l'opérateur depuis le " in str(held.value)
        assert (f"(motif : chiffres faux dans v2) : rien n'est publié, la publication {good.name} reste en place"
                in str(held.value))
        assert "`ptsm releases release`" in str(held.value)
        assert releases.current(marts_dir) == good
    assert main(["releases", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("PUBLICATION SUSPENDUE depuis le ") and "chiffres faux dans v2" in listed[0]

    assert main(["releases", "release"]) == 0
    assert "Suspension levée" in capsys.readouterr().out
    assert _publish(marts_dir, 10, tag="v2") == bad and releases.current(marts_dir) == bad
    assert main(["releases", "release"]) == 0
    assert capsys.readouterr().out == "Aucune suspension de la publication en cours.\n"


def test_an_unreadable_hold_still_holds(tmp_path):
    marts_dir = tmp_path / "marts"
    _publish(marts_dir, 10)
    gates.hold_path(marts_dir).write_text("{pas du json", encoding="utf-8")
    with pytest.raises(gates.PublicationHeld, match="fichier de suspension illisible"):
        _publish(marts_dir, 10, tag="v2")


@pytest.mark.slow
def test_a_held_refresh_runs_publishes_nothing_and_says_why(mini_copy):
    site, raw = mini_copy, mini_copy.raw_dir  # a first publication: a copy of the session's mini installation
    before = json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))
    assert site.main("releases", "hold", "--reason", "vérification en cours").returncode == 0
    (raw / "fiches_actions" / "ptsm01_2022-01-15.xlsx").unlink()  # new content that would be published

    held = site.refresh(in_process=True)
    assert held.returncode == 1, held.stdout
    assert "Publication suspendue par l'opérateur depuis le " in held.stdout
    assert f"(motif : vérification en cours) : rien n'est publié, la publication {before['release_id']}" in held.stdout
    assert "contrôles qualité" in held.stdout  # the checks ran
    assert json.loads((site.marts / "manifest.json").read_text(encoding="utf-8")) == before
    assert not gates.refusal_path(site.db).exists()  # an operator's hold is no incident to resolve

    assert site.main("releases", "release").returncode == 0
    published = site.refresh(in_process=True)
    assert published.returncode == 0, published.stdout
    assert json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))["release_id"] != before["release_id"]
