"""Value-level parsing rules of docs/contract.md §2, each case chosen for a variant real exports contain."""

from datetime import date, datetime

import pytest

from pipelines.lib.core import parsing as p
from pipelines.lib.ingest.readers import FileRejected, decode, read_csv
from pipelines.lib.catalogue.vocab import vocabulary


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12 500,50 €", 12500.50),          # space thousands, decimal comma, euro sign
        ("12\u202f500,50\u00a0€", 12500.50),  # narrow no-break space thousands, no-break space before €
        ("2410.5", 2410.5),                 # dot decimal when there is no comma
        ("1.234,56", 1234.56),              # both: the last one is the decimal separator
        ("1,234.56", 1234.56),
        ("57700", 57700.0),
        ("", None),
        ("  ", None),
    ],
)
def test_parse_number(text, expected):
    assert p.parse_number(text) == expected


@pytest.mark.parametrize("text", ["douze", "1,2,3", "1.2.3", "12-5"])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError, match="nombre illisible"):
        p.parse_number(text)


def test_negative_amount_is_refused():
    with pytest.raises(ValueError, match="montant négatif"):
        p.parse_amount("-50")


@pytest.mark.parametrize(
    "text, expected",
    [("2024-03-31", date(2024, 3, 31)), ("31/03/2024", date(2024, 3, 31)), ("2024-03-31 00:00:00", date(2024, 3, 31))],
)
def test_parse_date(text, expected):
    assert p.parse_date(text) == expected


def test_impossible_date_is_refused():
    with pytest.raises(ValueError, match="date illisible"):
        p.parse_date("2020-02-30")


@pytest.mark.parametrize(
    "text, expected",
    [("2023-05-02 10:00:00", datetime(2023, 5, 2, 10)), ("02/05/2023 11:30", datetime(2023, 5, 2, 11, 30))],
)
def test_parse_timestamp(text, expected):
    assert p.parse_timestamp(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [("Oui", True), ("non", False), ("O", True), ("N", False), ("Yes", True), ("no", False), ("Y", True),
     ("1", True), ("0", False), ("VRAI", True), ("FAUX", False), ("TRUE", True), ("false", False), ("", None)],
)
def test_parse_yes_no(text, expected):
    assert p.parse_yes_no(text) == expected


def test_multiple_choice_empty_means_not_ticked():
    assert p.parse_multiple_choice("") is False
    assert p.parse_multiple_choice("Y") is True


@pytest.mark.parametrize(
    "text, expected", [("1;2", [1, 2]), ("1, 4", [1, 4]), ("2/4", [2, 4]), ("3 5", [3, 5]), ("6", [6]), ("2;2", [2])]
)
def test_parse_priorities(text, expected):
    assert p.parse_priorities(text) == expected


@pytest.mark.parametrize("text, reason", [("7", "priorité hors de 1-6 : 7"), ("", "priorité manquante"), ("un", "priorité illisible : un")])
def test_parse_priorities_rejects(text, reason):
    with pytest.raises(ValueError) as error:
        p.parse_priorities(text)
    assert str(error.value) == reason


@pytest.mark.parametrize(
    "kind, text, code",
    [
        ("public", "Détenus", "justice"),
        ("public", "ASE", "enfance_protegee"),
        ("public", "PERSONNES ÂGÉES", "personnes_agees"),
        ("financeur", "ARS_FIR", "ars_fir"),
        ("financeur", "CPAM", "assurance_maladie"),
        ("porteur", " etablissement sanitaire", "Établissement sanitaire"),
        ("temps_travail", "Temps  plein", "Temps plein"),
        ("duree_cdd", "moins d’1 an", "Moins d'1 an"),
        ("secteur", "Médico-social", "medico_social"),
    ],
)
def test_vocabulary_matches_codes_labels_and_synonyms(kind, text, code):
    assert vocabulary(kind).code(text) == code


def test_unknown_vocabulary_value_names_the_value():
    with pytest.raises(ValueError) as error:
        vocabulary("public").code("Martiens")
    assert str(error.value) == "valeur inconnue (public) : Martiens"


def test_file_date_from_name():
    assert p.file_date("PTSM-01_plan_2024-03-31.xlsx") == date(2024, 3, 31)
    with pytest.raises(ValueError, match="nom de fichier sans date"):
        p.file_date("fiche_sans_date.xlsx")


@pytest.mark.parametrize("name, wave", [("enquete_2024.csv", 2024), ("Enquête_2023_coordonnateurs.xlsx", 2023),
                                        ("enquete_1000.csv", 1000)])
def test_survey_wave_from_name(name, wave):
    assert p.survey_wave(name) == wave


@pytest.mark.parametrize("name", ["enquete_0000.csv", "enquete_0999_vague.xlsx"])
def test_a_survey_file_named_with_no_real_year_is_refused(name):
    # found by the long Hypothesis budget: `enquete_0000.csv` was read as the survey wave 0
    with pytest.raises(ValueError) as error:
        p.survey_wave(name)
    assert str(error.value) == "année invalide dans le nom de fichier d'enquête (enquete_AAAA...)"


@pytest.mark.parametrize("family, name", [("coordonnateurs", "coordonnateurs.csv"),
                                          ("coordonnateurs", "coordonnateurs_2024-02-30.csv"),
                                          ("enquete_coordonnateurs", "resultats.csv"),
                                          ("enquete_coordonnateurs", "enquete_0000.csv")])
def test_every_reason_a_file_name_is_refused_for_says_how_to_rename_it(family, name):
    from pipelines.lib.quality.findings import finding

    read = p.survey_wave if family == "enquete_coordonnateurs" else p.file_date
    with pytest.raises(ValueError) as error:
        read(name)
    fix = finding(family, "", None, "fichier", name, str(error.value)).fix
    assert fix.startswith("Renommez le fichier") and ("AAAA-MM-JJ" in fix or "enquete_AAAA" in fix), (name, fix)


def test_decode_variants():
    assert decode("Établissement".encode("cp1252")) == ("Établissement", "cp1252")
    assert decode(b"\xef\xbb\xbf" + "Établissement".encode("utf-8")) == ("Établissement", "utf-8-sig")
    assert decode("Établissement".encode("utf-8")) == ("Établissement", "utf-8")
    # a UTF-8 file with one broken byte stays UTF-8; the broken byte becomes U+FFFD (its row is quarantined)
    text, encoding = decode("Établissement ".encode("utf-8") + b"\xff")
    assert encoding == "utf-8" and text.endswith("\ufffd")


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_csv_delimiter_is_detected(tmp_path, separator):
    path = tmp_path / "x.csv"
    path.write_text(separator.join(["ptsm_id", "date_arrete_ptsm"]) + "\n" + separator.join(["PTSM-01", "2020-01-01"]) + "\n")
    table = read_csv(path)
    assert table.columns == ["ptsm id", "date arrete ptsm"]
    assert table.rows == [(2, ["PTSM-01", "2020-01-01"])]


def test_random_bytes_csv_is_rejected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01\x02\x03" * 100)
    with pytest.raises(FileRejected, match="binaire"):
        read_csv(path)
