"""How long the tests may take: the default run, or the long budgets (`uv run pytest --long` / PTSM_LONG_TESTS=1).

`LONG` is set by tests/conftest.py from the option before any test module is imported, so a module may read it at
import time (budget.LONG) to choose a number of trials, examples or browser widths. Tests that only exist in the long
run are marked `@pytest.mark.long` instead.
"""

from __future__ import annotations

import os

ENV = "PTSM_LONG_TESTS"


def from_environment() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes")


LONG = from_environment()
