"""Controlled vocabularies of docs/contract.md §3 and the reference metadata that goes with them, read from one data file
(vocabularies.csv) by this module only: staging, the `ref_vocabularies` / `ref_fte_salary_bands` tables that SQL
joins, the notebooks' labels (pipelines.lib.reports.marts_reader), the sample generator and the tests all come here.

Besides the vocabularies proper, the file holds the decree priorities (kind `priorite`, code 1-6, short label) and
marks the publics the report calls "angles morts" (group `angle_mort`). The FTE salary bands of docs/contract.md §4 are below."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.core.config import get_settings
from pipelines.lib.core.parsing import fold

# French names of the vocabularies, used in quarantine reasons.
KIND_LABELS = {
    "public": "public",
    "thematique": "thématique",
    "secteur": "secteur",
    "financeur": "financeur",
    "statut": "statut",
    "nature": "nature de financement",
    "contrat": "contrat",
    "duree_cdd": "durée de CDD",
    "temps_travail": "temps de travail",
    "metier_precedent": "métier précédent",
    "experience": "expérience",
    "diplome": "diplôme",
    "porteur": "porteur",
}


BLIND_SPOT_GROUP = "angle_mort"  # `grp` of the publics the report calls "angles morts" (ch. 4.1)

# docs/contract.md §4 survey_results, derived question salaire_etp_tranche: half-open bands [lower, upper) of the net monthly
# salary in full-time equivalent, in display order; None = unbounded.
FTE_SALARY_BANDS = (
    ("<2000", None, 2000),
    ("2000-2299", 2000, 2300),
    ("2300-2499", 2300, 2500),
    ("2500-2999", 2500, 3000),
    (">=3000", 3000, None),
)


@dataclass
class Vocabulary:
    kind: str
    codes: list[str]
    labels: dict[str, str]
    groups: dict[str, str]
    _lookup: dict[str, str]
    synonyms: dict[str, str] = field(default_factory=dict)  # folded synonym -> as written in vocabularies.csv
    used: Counter = field(default_factory=Counter)           # synonym (as written) -> times matched

    def code(self, text: object) -> str:
        """Canonical code of a value (its code, label or a synonym); ValueError when unknown."""
        key = fold(text)
        try:
            code = self._lookup[key]
        except KeyError:
            raise ValueError(f"valeur inconnue ({KIND_LABELS.get(self.kind, self.kind)}) : {str(text).strip()}") from None
        if key in self.synonyms:
            self.used[self.synonyms[key]] += 1
        return code


_LOADED: dict[str, object] = {}  # "vocabularies" and the "sha256" of the bytes they were read from
_COLUMNS = ("kind", "code", "label", "synonyms", "grp")


def vocabulary_file() -> Path:
    """pipelines/lib/vocabularies.csv, or the copy PTSM_VOCABULARY_FILE names (config)."""
    return get_settings().vocabulary_file


def vocabulary_rows() -> tuple[dict[str, str], ...]:
    """The rows of the vocabulary file as it is now, in file order (kind, code, label, synonyms as written, grp;
    empty cells as ""). Read each call: the reference tables and the notebook labels follow an edited file."""
    return _rows(vocabulary_file().read_bytes().decode("utf-8"))


def file_lines(kind: str) -> list[str]:
    """The lines of the vocabulary file for one kind, exactly as written (the raw layer fingerprints the sheet names
    it reads with them)."""
    return [line for line in vocabulary_file().read_text(encoding="utf-8").splitlines() if line.startswith(f"{kind},")]


def _rows(text: str) -> tuple[dict[str, str], ...]:
    return tuple({column: (row.get(column) or "") for column in _COLUMNS} for row in csv.DictReader(io.StringIO(text)))


def load_vocabularies() -> dict[str, Vocabulary]:
    """The vocabularies, read once per process unless `reload_vocabularies` is called."""
    if "vocabularies" not in _LOADED:
        reload_vocabularies()
    return _LOADED["vocabularies"]  # type: ignore[return-value]


def reload_vocabularies() -> str:
    """Read the vocabulary file again; return the SHA-256 of the bytes read.

    Staging calls it once per family so that a long-lived process (dagster dev, tests) types rows with the file
    as it is now, and fingerprints exactly the bytes it typed with."""
    data = vocabulary_file().read_bytes()
    _LOADED["vocabularies"] = _parse(data.decode("utf-8"))
    _LOADED["sha256"] = hashlib.sha256(data).hexdigest()
    return _LOADED["sha256"]  # type: ignore[return-value]


def _parse(text: str) -> dict[str, Vocabulary]:
    vocabularies: dict[str, Vocabulary] = {}
    for row in _rows(text):
        vocab = vocabularies.setdefault(row["kind"], Vocabulary(row["kind"], [], {}, {}, {}))
        code = row["code"]
        vocab.codes.append(code)
        vocab.labels[code] = row["label"]
        if row.get("grp"):
            vocab.groups[code] = row["grp"]
        synonyms = [s for s in row["synonyms"].split("|") if s]
        for name in [code, row["label"], *synonyms]:
            key = fold(name)
            existing = vocab._lookup.get(key)
            if existing and existing != code:
                raise ValueError(f"vocabulary {row['kind']}: '{name}' maps to both {existing} and {code}")
            vocab._lookup[key] = code
        vocab.synonyms.update({fold(s): s for s in synonyms})
    return vocabularies


def vocabulary(kind: str) -> Vocabulary:
    return load_vocabularies()[kind]


def synonym_usage() -> Counter:
    """(kind, synonym as written) -> times matched so far in this process, over every vocabulary."""
    return Counter({(kind, synonym): n for kind, vocab in load_vocabularies().items() for synonym, n in vocab.used.items()})


def labels(kind: str) -> dict[str, str]:
    """Canonical code -> French label, in file order."""
    return {row["code"]: row["label"] for row in vocabulary_rows() if row["kind"] == kind}


def priority_labels() -> dict[int, str]:
    """Decree priority (1-6) -> short French label."""
    return {int(code): label for code, label in labels("priorite").items()}


def blind_spot_publics() -> list[str]:
    """Codes of the publics the report calls "angles morts", in file order."""
    return [row["code"] for row in vocabulary_rows() if row["kind"] == "public" and row["grp"] == BLIND_SPOT_GROUP]


def fte_salary_band(salary: float | None) -> str | None:
    """The band of an FTE salary (None when unknown); SQL does the same through ref_fte_salary_bands."""
    if salary is None:
        return None
    return next(code for code, lower, upper in FTE_SALARY_BANDS
                if (lower is None or salary >= lower) and (upper is None or salary < upper))


def reference_rows() -> dict[str, tuple[list[str], list[tuple]]]:
    """The reference tables SQL reads from this module: table -> (columns, rows). Empty text is NULL, as when the
    CSV was read by DuckDB; `position` is the order within a kind (display order)."""
    positions: Counter = Counter()
    vocabularies = []
    for row in vocabulary_rows():
        positions[row["kind"]] += 1
        vocabularies.append((row["kind"], row["code"], row["label"] or None, row["synonyms"] or None, row["grp"] or None,
                             positions[row["kind"]]))
    bands = [(code, lower, upper, position) for position, (code, lower, upper) in enumerate(FTE_SALARY_BANDS, start=1)]
    return {
        "ref_vocabularies": (["kind", "code", "label", "synonyms", "grp", "position"], vocabularies),
        "ref_fte_salary_bands": (["band", "lower_eur", "upper_eur", "position"], bands),
    }
