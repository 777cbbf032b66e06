"""Proofs already made: a disclosure audit that proved a table safe is not proved again for the same facts by the
same code.

Why: the monthly refresh of unchanged exports rebuilds the same survey marts, and the integer-programming audit
(run twice: once per wave by the secondary suppression, once whole by the blocking check) was most of that refresh's
time beyond the import floor (issue 22 §3). Only a *safe* verdict is remembered, keyed by a hash of every fact the
solver reads (cells, sums, protected cells) and of the code and solver that judge them (disclosure_audit.py, the
threshold rule, SciPy's version): any change to a count, a mask, a region, the rule or SciPy proves again, and a
table that leaked is always audited again. The memo sits beside the warehouse (`<PTSM_DB>.disclosure-proofs.json`),
like the GX results it mirrors (pipelines/defs/checks/suites.py). A process also remembers the safe verdicts it
proved, under the same keys, for another installation it refreshes (the test suite's in-process runs, each with its
own warehouse and memo file, proved the same tables again).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import scipy

from pipelines.lib.core import disclosure_rule
from pipelines.lib.core.files import write_atomic
from pipelines.lib.core.process_memory import ProcessMemory
from pipelines.lib.quality import disclosure_audit
from pipelines.lib.quality.disclosure_audit import AuditResult, audit_report

KEEP = 256  # proofs kept (a month holds a few waves, each proved per wave and whole)
_PROVED_BY_THIS_PROCESS = ProcessMemory(kept=KEEP)  # key -> safe verdict (pipelines/lib/core/process_memory.py)


def forget_process_proofs() -> None:
    """Prove again what this process proved before (a test of the memo file itself starts from nothing)."""
    _PROVED_BY_THIS_PROCESS.clear()


def _code_hash() -> str:
    digest = hashlib.sha256(scipy.__version__.encode())
    for module in (disclosure_audit, disclosure_rule):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


class ProofMemo:
    """`audit(cells, sums, protected)`: `disclosure_audit.audit_report`, skipped when these very facts were proved
    safe before by this very code."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._code = _code_hash()

    @classmethod
    def beside(cls, database: str | Path) -> ProofMemo:
        database = Path(database)
        return cls(database.with_name(database.name + ".disclosure-proofs.json"))

    def key(self, cells, sums, protected) -> str:
        facts = repr((list(cells.items()), sums, None if protected is None else sorted(map(repr, protected))))
        return hashlib.sha256((self._code + facts).encode()).hexdigest()

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def audit(self, cells, sums, protected=None) -> AuditResult:
        sums = [(list(keys), total) for keys, total in sums]
        key = self.key(cells, sums, protected)
        proofs = self._read()
        known = proofs.get(key)
        if isinstance(known, dict) and known.get("audited") == known.get("safe"):
            return AuditResult(findings=[], audited=int(known["audited"]), safe=int(known["safe"]))
        known = _PROVED_BY_THIS_PROCESS.get(key)
        if known is not None:  # proved for another installation by this process: this one's memo records it
            self._keep(proofs, key, known)
            return AuditResult(findings=[], audited=known["audited"], safe=known["safe"])
        result = audit_report(cells, sums, protected)
        if not result.findings and result.audited == result.safe:
            verdict = {"audited": result.audited, "safe": result.safe}
            _PROVED_BY_THIS_PROCESS.put(key, verdict)
            self._keep(proofs, key, verdict)
        return result

    def _keep(self, proofs: dict, key: str, verdict: dict[str, int]) -> None:
        proofs.pop(key, None)
        proofs[key] = verdict
        kept = dict(list(proofs.items())[-KEEP:])
        try:
            write_atomic(self.path, json.dumps(kept))
        except OSError:
            pass  # a memo that cannot be written only costs the next refresh the proof again
