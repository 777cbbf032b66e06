"""The blocking backtest (pipelines/lib/publish/backtest.py): a release that shrinks beyond the documented thresholds is
not published unless the drop is accepted, and the verdict is recorded in the manifest."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.defs.publish.release import accepts_drop
from pipelines.lib.publish import backtest

BASE = {"ptsm_with_plan": 104, "action_rows": 3313, "roster_posts": 89, "survey_responses": 47, "national_figures": 60}


@pytest.mark.parametrize(
    ("changes", "dropped"),
    [
        ({}, []),  # same inputs
        ({"ptsm_with_plan": 94}, []),  # 9.6 % fewer: under the 10 % threshold
        ({"ptsm_with_plan": 93}, ["ptsm_with_plan"]),  # 10.6 % fewer: blocked
        ({"action_rows": 2982}, []),  # 9.99 % fewer
        ({"action_rows": 2981}, ["action_rows"]),  # 10.02 % fewer
        ({"action_rows": 1411, "ptsm_with_plan": 47}, ["ptsm_with_plan", "action_rows"]),  # the half-copied drop
        ({"roster_posts": 0}, ["roster_posts"]),  # a roster that arrived empty
        ({"survey_responses": 200, "national_figures": 70}, []),  # growth is never blocked
        ({"survey_responses": None}, []),  # a measure this release cannot compute is not compared
    ],
)
def test_thresholds(changes, dropped):
    current = {**BASE, **changes}
    if dropped:
        with pytest.raises(backtest.BacktestBlocked):
            backtest.compare(BASE, current, accept_drop=False, previous_id="abc")
    verdict = backtest.compare(BASE, current, accept_drop=True, previous_id="abc")
    assert [d["measure"] for d in verdict["drops"]] == dropped
    assert verdict["verdict"] == ("accepted_drop" if dropped else "passed")
    assert verdict["compared_with"] == "abc" and verdict["accepted_drop"] is True


def test_the_refusal_names_what_dropped_in_french():
    with pytest.raises(backtest.BacktestBlocked) as caught:
        backtest.compare(BASE, {**BASE, "ptsm_with_plan": 47, "action_rows": 1411}, accept_drop=False,
                         previous_id="1234abcd1234abcd")
    message = str(caught.value)
    assert "\n" not in message  # the refresh summary shows the first line of a failure
    assert message.startswith("Publication bloquée par le contrôle de non-régression : baisse par rapport à la "
                              "publication en cours 1234abcd1234abcd : PTSM ayant un plan d'actions 104 -> 47 "
                              "(-54,8\u202f%, seuil 10\u202f%) ; actions des plans en cours 3313 -> 1411 "
                              "(-57,4\u202f%, seuil 10\u202f%).")
    assert "--accept-drop" in message and "ptsm/accept_drop=true" in message


def test_first_publication_and_sample_baselines_are_not_compared():
    assert backtest.compare(None, BASE, accept_drop=False)["verdict"] == "first"
    assert backtest.compare(None, BASE, accept_drop=False, previous_id="x")["verdict"] == "not_compared"


def test_measures_read_the_release_files(tmp_path):
    pq.write_table(pa.table({"ptsm_id": ["A", "B", "C"], "actions_snapshot_date": [None, "2024-01-31", "2024-02-29"]}),
                   tmp_path / "ptsm_overview.parquet")
    pq.write_table(pa.table({"snapshot_date": ["2023-12-31", "2024-03-31", "2024-03-31"], "denominator": [80, 89, 89]}),
                   tmp_path / "coordinator_posts_national.parquet")
    pq.write_table(pa.table({"wave": [2022, 2023, 2023], "denominator": [50, 46, 47]}),
                   tmp_path / "survey_results.parquet")
    pq.write_table(pa.table({"figure_id": ["a", "b"], "status": ["reproduced", "differs"]}),  # no computed_value
                   tmp_path / "published_comparison.parquet")
    assert backtest.measure(tmp_path) == {"ptsm_with_plan": 2, "action_rows": None, "roster_posts": 89,
                                          "survey_responses": 47, "national_figures": None}


@pytest.mark.parametrize(("value", "accepted"), [("true", True), ("TRUE", True), ("1", True), ("false", False),
                                                 ("", False), (None, False)])
def test_the_dagster_run_tag(value, accepted):
    assert accepts_drop({} if value is None else {"ptsm/accept_drop": value}) is accepted


@pytest.mark.slow
def test_a_half_copied_drop_is_blocked_until_accepted(mini_copy):
    """Observation 2 of issue 12: a run on a half-copied drop published 47/104 plans. Here: a full publication of
    the mini exports (3 PTSM with a plan: a copy of the session's), then a drop where only the first PTSM's
    workbooks have arrived."""
    site = mini_copy
    raw = site.raw_dir
    before = json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))
    assert before["measures"]["ptsm_with_plan"] == 3 and before["measures"]["action_rows"] == 5
    before_tables = site.query("select * from marts.ptsm_overview order by all")
    for name in ("ptsm02_2022-02-01.xlsx", "ptsm03_2021-12-01.xlsx", "ptsm03a_2022-03-01.xlsx",
                 "ptsm03b_2022-03-01.xlsx"):
        (raw / "fiches_actions" / name).unlink()

    blocked = site.refresh(in_process=True)
    assert blocked.returncode == 1, blocked.stdout
    assert (f"Publication bloquée par le contrôle de non-régression : baisse par rapport à la publication en cours "
            f"{before['release_id']} : PTSM ayant un plan d'actions 3 -> 1 (-66,7\u202f%, seuil 10\u202f%)"
            in blocked.stdout)
    assert "ÉCHEC : la publication précédente reste en place." in blocked.stdout
    assert json.loads((site.marts / "manifest.json").read_text(encoding="utf-8")) == before
    assert site.query("select * from marts.ptsm_overview order by all") == before_tables

    accepted = site.refresh("--accept-drop", in_process=True)
    assert accepted.returncode == 0, accepted.stdout
    manifest = json.loads((site.marts / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] != before["release_id"]
    assert manifest["backtest"]["verdict"] == "accepted_drop" and manifest["backtest"]["accepted_drop"] is True
    assert manifest["backtest"]["compared_with"] == before["release_id"]
    assert {d["measure"]: (d["previous"], d["current"]) for d in manifest["backtest"]["drops"]}["ptsm_with_plan"] \
        == (3, 1)
    assert site.query("select count(*) from marts.ptsm_overview where actions_snapshot_date is not null") == [(1,)]

    listed = site.main("releases", "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[1].startswith(f"*  {manifest['release_id']}") and "baisse acceptée (--accept-drop)" in lines[1]
    assert f"entrée raw ({raw})" in lines[1] and "PTSM avec plan 1" in lines[1]
    assert lines[2].startswith(f"   {before['release_id']}") and "backtest : première publication" in lines[2]
