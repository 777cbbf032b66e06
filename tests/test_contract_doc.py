"""The data contract lives in the repository (issue 19 §5): `docs/contract.md`, whose tables are generated from the
code that does the work, and nothing in the repository cites a file a clone does not contain."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines.cli import build_parser
from pipelines.lib.producers.contract import CONTRACT, render_contract

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = CONTRACT.read_text(encoding="utf-8")


def test_committed_contract_is_what_the_generator_writes():
    # why: a stale table (a column, value, synonym, mart column or command added without regenerating) fails here;
    # fix with `uv run python -m pipelines.lib.producers.contract`
    assert render_contract(COMMITTED, build_parser()) == COMMITTED


def test_a_stale_table_is_caught():
    # why: the check above must be able to fail: an edited generated row is rewritten, a missing block refused
    stale = COMMITTED.replace("| `Cabinet de conseil` | Cabinet de conseil | Consultant |", "| `Cabinet de conseil` | Cabinet |", 1)
    assert stale != COMMITTED
    assert render_contract(stale, build_parser()) == COMMITTED
    without = re.sub(r"<!-- generated: marts -->.*?<!-- end: marts -->", "", COMMITTED, flags=re.S)
    with pytest.raises(ValueError, match="marts"):
        render_contract(without, build_parser())


def test_contract_states_what_the_refresh_does():
    # Values written out by hand from the families, the vocabulary file and the SQL headers: the generated page says
    # that the survey refuses the roster-only employer, lists synonyms, every mart and every command.
    assert ("| `porteur` | une valeur d'un vocabulaire | non | [`porteur`](#vocabulaire-porteur) sauf "
            "`Cabinet de conseil` (valeur réservée au recensement des coordonnateurs) |") in COMMITTED
    # the roster's porteur is the whole vocabulary
    assert "| `porteur` | une valeur d'un vocabulaire | non | [`porteur`](#vocabulaire-porteur) | Employeur" in COMMITTED
    assert ("| `porteur` | Porteur du poste | `Établissement sanitaire`, `Association`, `Établissement médico-social`, "
            "`DAC`, `ARS`, `Autre` | tous les répondants complets |") in COMMITTED
    assert "| `duree_cdd` | Durée du CDD | `Moins d'1 an`, `1 an`, `2 ans`, `3 ans`, `Plus de 3 ans` | `contrat` = `CDD` |" in COMMITTED
    assert "| `ars_fir` | ARS – Fonds d'intervention régional (FIR) | FIR | ars |" in COMMITTED
    assert "| `enfance_protegee` | Enfants protégés | ASE, PJJ | angle_mort |" in COMMITTED
    assert "| `date_fin` | date (`AAAA-MM-JJ`, `JJ/MM/AAAA`, date Excel) | colonne obligatoire, cellule vide permise |" in COMMITTED
    marts = sorted(p.stem for p in (ROOT / "sql" / "marts").glob("*.sql"))
    for mart in marts:
        assert f"### `{mart}`" in COMMITTED
    assert "| `denominator` | Répondants concernés ayant répondu" in COMMITTED
    for command in ("ptsm refresh [--no-reports]", "ptsm check FILES…", "ptsm releases rollback RELEASE_ID",
                    "ptsm template --out OUT [--ptsm PTSM]", "ptsm export [--region REGION] [--ptsm PTSM] --out OUT"):
        assert f"| `{command}" in COMMITTED


# A citation of something a clone does not have: the workspace's shared folder, an absolute path into the workspace,
# or the old external contract file. Built from pieces so that this file does not cite them itself.
OUTSIDE = re.compile("|".join([re.escape("../" + "shared"), re.escape("/" + "work/"), r"\bSP" + r"EC\b"]))


def outside_citations(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if OUTSIDE.search(line)]


def test_the_rule_catches_outside_citations():
    # why: each form seen before the contract moved in, and names that merely contain the letters
    assert outside_citations("The contract is `../sha" "red/SP" "EC.md`.\nok")
    assert outside_citations("see /wo" "rk/main/README.md")
    assert outside_citations("# the status rules of SP" "EC §4")
    assert not outside_citations("SPECIAL = {}\nSPEC_MARTS = []\nINSPECT_JS = ''\ndocs/contract.md §4")


def test_nothing_in_the_repository_cites_a_file_outside_it():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    found = {}
    for name in tracked.decode("utf-8").split("\0"):
        path = ROOT / name
        if not name or not path.is_file() or path.suffix in (".xlsx", ".geojson", ".lock", ".parquet", ".duckdb"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        if hits := outside_citations(text):
            found[name] = hits[:3]
    assert found == {}
