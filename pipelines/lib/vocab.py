"""Controlled vocabularies of SPEC §3, read from one data file, matched on folded text."""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.config import get_settings
from pipelines.lib.parsing import fold

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


def vocabulary_file() -> Path:
    """pipelines/lib/vocabularies.csv, or the copy PTSM_VOCABULARY_FILE names (config)."""
    return get_settings().vocabulary_file


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
    rows = list(csv.DictReader(io.StringIO(text)))
    vocabularies: dict[str, Vocabulary] = {}
    for row in rows:
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
