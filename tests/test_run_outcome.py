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
    assert first_error_line(None) == "?"
