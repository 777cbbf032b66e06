"""Blocking GX asset checks on the marts (see factory.build_mart_checks)."""

from pipelines.defs.checks.factory import build_mart_checks

__all__ = ["build_mart_checks"]
