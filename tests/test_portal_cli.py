"""`ptsm token create --ptsm PTSM-35 --deposit`: hashed at rest, listed, revocable; `ptsm portal` is a command."""

import json

import pytest

from pipelines.api.tokens import TokenStore, DEPOSIT
from pipelines.cli import main


# A token's secret is URL-safe base64: it may begin with or hold "_", the token's own separator (about one random
# secret in 64 begins with it: this test failed on such a draw before it split the token twice only)
@pytest.mark.parametrize("drawn", [None, "_" + "-_ab" * 10 + "xy"], ids=["random", "underscore-first"])
def test_deposit_token_is_created_hashed_listed_and_revoked(tmp_path, monkeypatch, capsys, drawn):
    if drawn is not None:
        monkeypatch.setattr("pipelines.api.tokens.secrets.token_urlsafe", lambda n: drawn)
    path = tmp_path / "tokens.json"
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(path))
    assert main(["token", "create", "--ptsm", "PTSM-35", "--deposit", "--label", "coordination 35"]) == 0
    clear = capsys.readouterr().out.strip().splitlines()[-1]
    [record] = json.loads(path.read_text())["tokens"]
    assert (record["scope"], record["ptsm"], record["region"]) == (DEPOSIT, "PTSM-35", "53")
    secret = clear.split("_", 2)[2]  # the secret itself may hold "_" (URL-safe base64): split twice only
    assert len(secret) == 43 and secret not in path.read_text()  # only a salted hash is kept
    who = TokenStore(path).verify(clear, scopes=(DEPOSIT,))
    assert (who.ptsm, who.region) == ("PTSM-35", "53")
    assert main(["token", "list"]) == 0
    assert "dépôt PTSM-35" in capsys.readouterr().out
    assert main(["token", "revoke", record["id"]]) == 0
    assert TokenStore(path).verify(clear, scopes=(DEPOSIT,)) is None


def test_deposit_token_needs_a_known_ptsm(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSM_TOKENS_FILE", str(tmp_path / "tokens.json"))
    import pytest
    with pytest.raises(SystemExit, match="PTSM inconnu du registre"):
        main(["token", "create", "--ptsm", "PTSM-999", "--deposit"])
    with pytest.raises(SystemExit, match="--ptsm PTSM-35 --deposit"):
        main(["token", "create", "--ptsm", "PTSM-35"])
