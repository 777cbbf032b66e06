"""The time marts on the committed synthetic sample (two survey waves, dated workbooks for 62 PTSM): they are built,
agree with the marts they derive from, and the history adds nothing to the current indicators."""

from __future__ import annotations

import pytest

from pipeline_runner import Run


@pytest.fixture(scope="module")
def sample(sample_release) -> Run:
    """The session's one refresh of the committed sample (tests/conftest.py)."""
    return sample_release


@pytest.mark.slow
def test_the_2025_wave_is_compared_with_2023_on_survey_results_own_counts(sample):
    assert sample.query("select distinct wave, previous_wave from marts.survey_wave_comparison") == [(2025, 2023)]
    # every (wave, question, answer) of survey_results appears with its n and denominator, on either side
    mismatched = sample.query("""
        select r.wave, r.question, r.answer from marts.survey_results as r
        left join marts.survey_wave_comparison as c
            on c.question = r.question and c.answer = r.answer
        where (r.wave = 2025 and (c.n, c.denominator) is distinct from (r.n, r.denominator))
           or (r.wave = 2023 and (c.previous_n, c.previous_denominator) is distinct from (r.n, r.denominator))
    """)
    assert mismatched == []
    # the sample's drift yields significant changes, and only intervals excluding 0 are called significant
    significant = sample.query("select question, answer from marts.survey_wave_comparison where significant "
                               "order by all")
    assert len(significant) >= 1
    assert sample.query("select count(*) from marts.survey_wave_comparison "
                        "where significant and ci_low_points <= 0 and ci_high_points >= 0") == [(0,)]


@pytest.mark.slow
def test_published_figures_still_come_from_the_2023_wave(sample):
    # the report's survey figures are the 2023 wave's, whatever later waves arrive
    assert sample.query("select computed_value, status from marts.published_comparison where figure_id = 'survey_n'") \
        == [("47", "reproduced")]


@pytest.mark.slow
def test_plan_history_ends_on_the_current_coverage_and_shows_progress(sample):
    # at each PTSM's latest readable workbook, the history is ptsm_priority_coverage (same rule, same workbook)
    assert sample.query("""
        select ptsm_id, priority, n_actions, n_actions_implemented, covered from marts.ptsm_priority_coverage
        except
        select ptsm_id, priority, n_actions, n_actions_implemented, covered from marts.ptsm_plan_history
        where (ptsm_id, plan_date) in (select ptsm_id, max(plan_date) from marts.ptsm_plan_history group by ptsm_id)
    """) == []
    # 62 PTSM have older workbooks (data/sample/README.md): one pair per consecutive couple of workbooks
    assert sample.query("select count(distinct ptsm_id) from marts.action_progress") == [(62,)]
    n_new, n_dropped, n_started, n_completed, n_abandoned = sample.query(
        "select sum(n_new), sum(n_dropped), sum(n_started), sum(n_completed), sum(n_abandoned) "
        "from marts.action_progress")[0]
    assert min(n_new, n_dropped, n_started, n_completed, n_abandoned) > 0
    # the last month end holds every PTSM with its latest plan
    assert sample.query("select distinct n_ptsm_with_plan from marts.priority_coverage_monthly "
                        "where snapshot_date = (select max(snapshot_date) from marts.priority_coverage_monthly)") \
        == [(104,)]


@pytest.mark.slow
def test_ctsm_signed_over_time_meets_the_published_count_at_the_reference_date(sample):
    # report: 83 CTSM signed at T1 2024 (ctsm_signed_2024q1)
    assert sample.query("select n_ptsm_approved, n_ctsm_signed from marts.ptsm_milestones_monthly "
                        "where snapshot_date = date '2024-03-31'") == [(104, 83)]
    # first PTSM approved on 2018-12-03 (first_ptsm_date): the series starts that month
    assert sample.query("select min(snapshot_date)::varchar from marts.ptsm_milestones_monthly") == [("2018-12-31",)]
