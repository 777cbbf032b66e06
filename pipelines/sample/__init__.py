"""Seeded, deterministic generator of the synthetic national sample (`data/sample/`): everything it writes is SYNTHETIC."""

from pipelines.sample.generator import generate

__all__ = ["generate"]
