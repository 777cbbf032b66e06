"""Blocking GX checks on the marts, each run in its mart's step (see factory)."""

from pipelines.defs.checks.factory import mart_check_result, mart_check_spec, mart_suites

__all__ = ["mart_check_result", "mart_check_spec", "mart_suites"]
