"""The refresh summary's failed-step line: what an operator reads when a run stops."""

from dagster._utils.error import SerializableErrorInfo

from pipelines.defs.run import first_error_line


def test_a_deliberate_refusal_reads_as_its_french_sentence():
    # the backtest refuses with dg.Failure: Dagster prefixes the message with the exception's class path
    error = SerializableErrorInfo(
        message="dagster._core.definitions.events.Failure: Publication refusée : PTSM avec un plan 104 -> 47\n",
        stack=[], cls_name="Failure")
    assert first_error_line(error) == "Publication refusée : PTSM avec un plan 104 -> 47"


def test_a_crash_keeps_its_exception_name_and_only_the_first_line():
    # an unexpected error: the class name says what kind of problem it is
    error = SerializableErrorInfo(message="BinderException: colonne inconnue\nLINE 3: ...\n", stack=[],
                                  cls_name="BinderException")
    assert first_error_line(error) == "BinderException: colonne inconnue"
    assert first_error_line(None) == "(erreur inconnue)"


def test_a_failed_blocking_check_reads_in_french_with_what_failed():
    # a mart's step fails after its blocking checks: Dagster's English sentence, its class path, and the checks on
    # the following lines; the summary used to print the first line alone ("...Error: 1 blocking asset check failed
    # with ERROR severity:") and the alert its English sentence
    error = SerializableErrorInfo(
        message="dagster._core.errors.DagsterAssetCheckFailedError: 2 blocking asset checks failed with ERROR "
                "severity:\nmarts/survey_results_region: gx_survey_results_region,disclosure_audit\n",
        stack=[], cls_name="DagsterAssetCheckFailedError")
    assert first_error_line(error) == ("contrôle bloquant en échec, rien n'est publié : "
                                       "marts/survey_results_region: gx_survey_results_region,disclosure_audit")


def test_the_summary_and_the_alert_read_the_same_line():
    from pipelines.defs import alerts

    assert alerts.first_error_line is first_error_line


def test_dagster_s_wrapper_around_user_code_is_looked_through():
    cause = SerializableErrorInfo(message="dagster._core.definitions.events.Failure: Dossier absent\n", stack=[],
                                  cls_name="Failure")
    error = SerializableErrorInfo(message="Error occurred while executing op \"raw_exports\":\n", stack=[],
                                  cls_name="DagsterExecutionStepExecutionError", cause=cause)
    assert first_error_line(error) == "Dossier absent"
