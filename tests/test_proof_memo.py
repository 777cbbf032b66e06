"""The memo of disclosure proofs (pipelines/lib/quality/proof_memo.py): a safe verdict is reused only for the very
same facts and code; a leak is never remembered, so it is found again on every release."""

from __future__ import annotations

import json

import pytest

from pipelines.lib.quality.proof_memo import ProofMemo, forget_process_proofs

# worked by hand: x + y = 12 with y = 10 published pins the masked x at 2 (a leak); x + z + y = 30 leaves x and z
# anywhere in 0..20 (safe)
LEAK = ({"x": None, "y": 10}, [(["x", "y"], 12)])
SAFE = ({"x": None, "z": None, "y": 10}, [(["x", "z", "y"], 30)])


@pytest.fixture(autouse=True)
def nothing_proved_before():
    """Each test starts as a new process would: no verdict of this process's earlier proofs to reuse."""
    forget_process_proofs()
    yield
    forget_process_proofs()


def test_a_safe_table_is_remembered_and_read_back(tmp_path):
    memo = ProofMemo.beside(tmp_path / "w.duckdb")
    first = memo.audit(*SAFE)
    assert (first.findings, first.audited, first.safe) == ([], 2, 2)
    stored = json.loads((tmp_path / "w.duckdb.disclosure-proofs.json").read_text(encoding="utf-8"))
    assert list(stored.values()) == [{"audited": 2, "safe": 2}]
    forget_process_proofs()
    again = ProofMemo.beside(tmp_path / "w.duckdb").audit(*SAFE)  # a new process: read from the file
    assert (again.findings, again.audited, again.safe) == ([], 2, 2)


def test_a_leak_is_never_remembered_and_is_found_every_time(tmp_path):
    memo = ProofMemo.beside(tmp_path / "w.duckdb")
    for _ in range(2):
        result = memo.audit(*LEAK)
        assert [(f.cell, f.low, f.high) for f in result.findings] == [("x", 2, 2)]
    assert not (tmp_path / "w.duckdb.disclosure-proofs.json").exists()


def test_a_changed_count_or_mask_is_proved_again(tmp_path):
    """The safe table proved, then the same table with z published at 18 (x = 30 - 18 - 10 = 2, a leak): the memo
    of the first table cannot answer for the second."""
    memo = ProofMemo.beside(tmp_path / "w.duckdb")
    assert memo.audit(*SAFE).findings == []
    changed = ({"x": None, "z": 18, "y": 10}, [(["x", "z", "y"], 30)])
    assert memo.key(*changed, None) != memo.key(*SAFE, None)
    assert [(f.cell, f.low, f.high) for f in memo.audit(*changed).findings] == [("x", 2, 2)]


def test_a_memo_written_by_other_code_is_not_read(tmp_path):
    memo = ProofMemo.beside(tmp_path / "w.duckdb")
    memo.audit(*SAFE)
    other = ProofMemo.beside(tmp_path / "w.duckdb")
    other._code = "another version of the audit"
    assert other.key(*SAFE, None) != memo.key(*SAFE, None)


def test_another_installation_reuses_this_process_s_safe_proof_and_never_its_leaks(tmp_path, monkeypatch):
    """Two warehouses refreshed by one process: the second takes the first's safe verdict for the very same facts
    (no solver run: the solver is made to fail) and writes it in its own memo file; a leak is audited every time."""
    ProofMemo.beside(tmp_path / "one.duckdb").audit(*SAFE)
    from pipelines.lib.quality import proof_memo

    with monkeypatch.context() as patch:
        patch.setattr(proof_memo, "audit_report", lambda *_: pytest.fail("proved again"))
        again = ProofMemo.beside(tmp_path / "two.duckdb").audit(*SAFE)
    assert (again.findings, again.audited, again.safe) == ([], 2, 2)
    stored = json.loads((tmp_path / "two.duckdb.disclosure-proofs.json").read_text(encoding="utf-8"))
    assert list(stored.values()) == [{"audited": 2, "safe": 2}]

    ProofMemo.beside(tmp_path / "one.duckdb").audit(*LEAK)
    leak = ProofMemo.beside(tmp_path / "two.duckdb").audit(*LEAK)
    assert [(f.cell, f.low, f.high) for f in leak.findings] == [("x", 2, 2)]
