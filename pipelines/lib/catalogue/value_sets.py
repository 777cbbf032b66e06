"""The GX value sets of the mart suites (expectations/marts/*.json), generated from the catalogue and the regions,
and the registry's size wherever a suite counts PTSM.

A value set of a column named `region_code`, `priority`, `public`, `funder`, `funder_group`, `statut`, `question` or `porteur`
is the catalogue's, whatever the suite: a new value in vocabularies.csv, catalogue.toml or regions.csv reaches the
checks by running `uv run python -m pipelines.lib.catalogue.value_sets`; tests/test_catalogue.py fails until then.

An expectation whose `meta.registry_size` maps kwargs to rows per PTSM (`{"value": 6}`: 6 rows per PTSM of the
registry) gets those kwargs from the registry (`[n]` for a value set); an `unexpected_rows` entry with a
`query_template` gets its `query` with `{registry_ptsm}` replaced. The registry, not a typed 104, is the one
source: a test release over a smaller registry generates its suites with the same function.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipelines.lib.catalogue import catalogue, vocab
from pipelines.lib.catalogue.reference import region_codes, registry_rows
from pipelines.lib.core.config import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "marts"


def value_set(column: str, regions: list[str]) -> list | None:
    """The GX value set of a mart column named `column`, from the catalogue (None: not a catalogue column)."""
    sets = {
        "region_code": regions,
        "priority": [int(code) for code in vocab.vocabulary("priorite").codes],
        "public": list(vocab.vocabulary("public").codes),
        "funder": list(vocab.vocabulary("financeur").codes),
        "funder_group": list(dict.fromkeys(vocab.vocabulary("financeur").groups.values())),
        "statut": catalogue.current_statuses(),
        "question": [q.question for q in catalogue.survey_questions()],
        "porteur": list(vocab.vocabulary("porteur").codes),
    }
    return sets.get(column)


def suites_with_value_sets(regions: list[str], suites_dir: Path = SUITES_DIR,
                           registry_ptsm: int | None = None) -> dict[Path, str]:
    """Each GX suite with its catalogue value sets and registry counts rewritten (path -> text): the files as they
    should be. `registry_ptsm`: the registry's number of PTSM (default: the reference registry's)."""
    if registry_ptsm is None:
        registry_ptsm = len(registry_rows())
    written = {}
    for path in sorted(suites_dir.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for expectation in document["expectations"]:
            kwargs = expectation["kwargs"]
            if expectation["type"] == "expect_column_values_to_be_in_set":
                values = value_set(kwargs["column"], regions)
                if values is not None:
                    kwargs["value_set"] = values
            for kwarg, per_ptsm in ((expectation.get("meta") or {}).get("registry_size") or {}).items():
                kwargs[kwarg] = [registry_ptsm * per_ptsm] if kwarg == "value_set" else registry_ptsm * per_ptsm
        for extra in (document.get("meta") or {}).get("unexpected_rows") or []:
            if "query_template" in extra:
                extra["query"] = extra["query_template"].replace("{registry_ptsm}", str(registry_ptsm))
        written[path] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return written


def main() -> int:
    for path, text in suites_with_value_sets(region_codes()).items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"written {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
