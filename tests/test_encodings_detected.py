"""Issue 23 §1: a CSV's encoding is detected, not assumed (Latin-9's euro sign, Mac Roman's accents)."""

import pytest

from pipelines.lib.ingest.readers import decode

TEXT = "ptsm_id;poste;montant\nPTSM-35;Chargée de mission;57 700 €\nPTSM-22;Coordonnateur œuvrant;42 000 €\n"


@pytest.mark.parametrize("encoding, expected", [
    ("cp1252", "cp1252"),
    ("iso8859_15", "iso8859_15"),
    ("mac_roman", "mac_roman"),
    ("utf-8", "utf-8"),
    ("utf-16", "utf-16"),
])
def test_each_encoding_reads_right(encoding: str, expected: str) -> None:
    text, used = decode(TEXT.encode(encoding))
    assert text == TEXT
    assert used == expected


def test_latin9_amount_keeps_its_euro_sign() -> None:
    text, used = decode("montant\n57 700 €\n".encode("iso8859_15"))
    assert text == "montant\n57 700 €\n"
    assert used == "iso8859_15"


def test_mac_roman_with_cr_line_ends_keeps_accents() -> None:
    text, used = decode("ptsm_id;réponse\rPTSM-35;Très satisfait\rPTSM-22;Déçu\r".encode("mac_roman"))
    assert text == "ptsm_id;réponse\rPTSM-35;Très satisfait\rPTSM-22;Déçu\r"
    assert used == "mac_roman"
