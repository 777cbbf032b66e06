"""One catalogue behind every answer, column and check (issue 19 §2): catalogue.toml read by one module, the SQL
reference tables, GX value sets and template drop-downs generated from it, and each reference file read once."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pytest

from pipelines.lib.catalogue import catalogue, vocab
from pipelines.lib.catalogue.reference import region_codes
from pipelines.lib.catalogue.value_sets import SUITES_DIR, suites_with_value_sets

ROOT = Path(__file__).resolve().parents[1]
SURVEY_EMPLOYERS = ["Établissement sanitaire", "Association", "Établissement médico-social", "DAC", "ARS", "Autre"]


# --- the catalogue's content, written out by hand from the contract ----------------------------------------------


def test_survey_questions_their_answers_and_conditions():
    assert [q.question for q in catalogue.survey_questions()] == [
        "contrat", "duree_cdd", "temps_travail", "quotite", "autres_missions", "missions_realisables",
        "metier_precedent", "poste_lie", "experience", "diplome", "moyens[ordinateur]", "moyens[telephone]",
        "moyens[vehicule]", "moyens[aucun]", "porteur", "enveloppe", "rdv_ars", "salaire_etp_tranche"]
    conditions = {q.question: q.condition for q in catalogue.survey_questions() if q.condition}
    assert conditions == {"duree_cdd": ("contrat", "CDD"), "quotite": ("temps_travail", "Temps partiel")}
    # the survey offers six employers; the roster a seventh (issue 19 §1)
    assert catalogue.survey_answers("porteur") == SURVEY_EMPLOYERS
    assert catalogue.column_values("coordonnateurs", "roster", "porteur") == [*SURVEY_EMPLOYERS, "Cabinet de conseil"]
    assert catalogue.survey_answers("duree_cdd") == ["Moins d'1 an", "1 an", "2 ans", "3 ans", "Plus de 3 ans"]
    assert catalogue.survey_answers("enveloppe") == ["oui", "non"]
    assert catalogue.survey_answers("moyens[vehicule]") == ["oui"]
    assert catalogue.survey_answers("salaire_etp_tranche") == ["<2000", "2000-2299", "2300-2499", "2500-2999", ">=3000"]
    assert catalogue.survey_answers("quotite") is None  # the rates actually given


def test_the_export_families_are_the_four_folders_of_the_contract():
    # docs/contract.md §2: four families, one folder each, named like this (people's folders are named after them:
    # renaming one in the catalogue would leave their files unread); discovery reads them from the catalogue
    from pipelines.lib.ingest.discovery import FAMILY_NAMES

    assert catalogue.family_names() == ["enquete_coordonnateurs", "coordonnateurs", "fiches_actions", "statut_ptsm"]
    assert FAMILY_NAMES == ("enquete_coordonnateurs", "coordonnateurs", "fiches_actions", "statut_ptsm")


def test_status_roles_funders_and_sectors():
    assert catalogue.action_statuses("implemented") == ["En cours", "Réalisée"]
    assert catalogue.action_statuses("not_started") == ["Non démarrée", "Reportée"]
    assert catalogue.current_statuses() == ["Non démarrée", "En cours", "Réalisée", "Reportée"]
    assert catalogue.ars_group() == "ars"
    assert sorted(catalogue.tripartite_sectors()) == ["medico_social", "sanitaire", "social"]


def test_every_vocabulary_and_excluded_code_the_catalogue_names_exists():
    # why: a typo in catalogue.toml (a vocabulary or a code that does not exist) would silently exclude nothing
    kinds = {row["kind"] for row in vocab.vocabulary_rows()}
    for sheet in catalogue.sheets():
        for column in sheet.columns:
            if column.vocabulary:
                assert column.vocabulary in kinds, (sheet.table, column.name)
                assert set(column.exclude) <= set(vocab.vocabulary(column.vocabulary).codes), column.name
                assert column.kind in ("choice", "choices")
    statuses = set(vocab.vocabulary("statut").codes)
    assert all(set(codes) <= statuses for codes in catalogue.load()["action_statuses"].values())
    assert catalogue.ars_group() in vocab.vocabulary("financeur").groups.values()
    assert set(catalogue.tripartite_sectors()) <= set(vocab.vocabulary("secteur").codes)


# --- GX value sets (expectations/marts/*.json) -------------------------------------------------------------------


def test_gx_value_sets_are_the_catalogues():
    # fix with `uv run python -m pipelines.lib.catalogue.value_sets`
    stale = [path.name for path, text in suites_with_value_sets(region_codes()).items()
             if path.read_text(encoding="utf-8") != text]
    assert stale == []
    (statut,) = [e["kwargs"]["value_set"] for e in json.loads((SUITES_DIR / "ptsm_actions.json").read_text())["expectations"]
                 if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "statut"]
    assert statut == ["Non démarrée", "En cours", "Réalisée", "Reportée"]


def test_a_stale_value_set_is_rewritten(tmp_path):
    # why: the check above must be able to fail: a funder dropped from a suite is put back by the generator
    suites = tmp_path / "marts"
    shutil.copytree(SUITES_DIR, suites)
    path = suites / "ptsm_funding.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for expectation in document["expectations"]:
        if expectation["kwargs"].get("column") == "funder" and "value_set" in expectation["kwargs"]:
            expectation["kwargs"]["value_set"].remove("ars_fir")
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    rewritten = suites_with_value_sets(region_codes(), suites)
    assert rewritten[path] != path.read_text(encoding="utf-8")
    assert rewritten[path] == (SUITES_DIR / "ptsm_funding.json").read_text(encoding="utf-8")


# --- no vocabulary value written in SQL ---------------------------------------------------------------------------

def value_literals(sql: str) -> list[str]:
    """String literals of `sql` (comments dropped) that are a vocabulary code, label or group, or a survey question:
    values that belong in the catalogue's reference tables. A vocabulary's name (`kind = 'public'`) is not a value."""
    kinds = {row["kind"] for row in vocab.vocabulary_rows()}
    values = {q.question for q in catalogue.survey_questions()}
    for row in vocab.vocabulary_rows():
        if row["kind"] != "feuille":  # sheet names are read by Python, never by SQL
            values |= {row["code"], row["label"], row["grp"]} - {""}
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [text.replace("''", "'") for text in re.findall(r"'((?:[^']|'')*)'", code)
            if text.replace("''", "'") in values - kinds]


def test_the_literal_rule_catches_what_it_should():
    assert value_literals("where statut <> 'Abandonnée' and kind = 'public' -- 'Réalisée'") == ["Abandonnée"]
    assert value_literals("where funder_group = 'ars' or question = 'quotite'") == ["ars", "quotite"]
    assert value_literals("select 'porteur' as dimension, 'fichier' as field") == []


SQL_FILES = sorted([*(ROOT / "sql" / "marts").glob("*.sql"), *(ROOT / "sql" / "staging").glob("*.sql")])
NOT_YET: dict[str, str] = {}  # SQL files allowed a literal for now, with the reason (none left)


@pytest.mark.parametrize("path", [p for p in SQL_FILES if p.name != "published_comparison.sql"],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_vocabulary_value_is_written_in_sql(path, request):
    # published_comparison.sql is generated from the figure definitions (data/reference/published_figures.csv)
    if path.name in NOT_YET:
        request.applymarker(pytest.mark.xfail(strict=True, reason=NOT_YET[path.name]))
    assert value_literals(path.read_text(encoding="utf-8")) == []


# --- one reader per reference file --------------------------------------------------------------------------------

# file name -> the modules allowed to name it (the one reader, and the setting holding its default path)
READERS = {
    "regions.csv": {"pipelines/lib/catalogue/reference.py"},
    "ptsm_registry.csv": {"pipelines/lib/catalogue/reference.py"},
    "vocabularies.csv": {"pipelines/lib/core/config.py"},  # its path is a setting; vocab.py reads that setting
    "catalogue.toml": {"pipelines/lib/catalogue/catalogue.py"},
}
READER_FUNCTIONS = {"vocabulary_file": {"pipelines/lib/catalogue/vocab.py", "pipelines/lib/core/config.py"}}


def code_mentions(source: str) -> set[str]:
    """Reference files named by string constants (docstrings excepted) and reader functions used in Python code."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            found |= {name for name in READERS if re.search(rf"(^|[/\\]){re.escape(name)}$", node.value.strip())}
        if isinstance(node, (ast.Name, ast.Attribute)):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in READER_FUNCTIONS:
                found.add(name)
    return found


def notebook_sources() -> dict[str, str]:
    sources = {}
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        sources[str(path.relative_to(ROOT))] = "\n".join(l for l in code.splitlines() if not l.lstrip().startswith(("%", "!")))
    return sources


def python_sources() -> dict[str, str]:
    paths = [*(ROOT / "pipelines").rglob("*.py"), *(ROOT / "tests" / "fixtures").rglob("*.py"),
             ROOT / "tests" / "sql_unit.py", ROOT / "tests" / "conftest.py"]
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in paths if p.exists()}


def test_the_reader_rule_catches_what_it_should():
    assert code_mentions('open(REFERENCE / "ptsm_registry.csv")') == {"ptsm_registry.csv"}
    assert code_mentions('pd.read_csv(ref / "regions.csv", dtype=str)') == {"regions.csv"}
    assert code_mentions("lines = vocabulary_file().read_text()") == {"vocabulary_file"}
    assert code_mentions('"""Reads data/reference/regions.csv."""\nraise ValueError("voir (regions.csv) : ")') == set()


def test_each_reference_file_is_read_by_one_module():
    offenders = {}
    for name, source in {**python_sources(), **notebook_sources()}.items():
        for mention in code_mentions(source):
            allowed = READERS.get(mention) or READER_FUNCTIONS[mention]
            if name not in allowed:
                offenders.setdefault(name, []).append(mention)
    assert offenders == {}


# --- the producers' template offers what the survey accepts ------------------------------------------------------


def test_survey_template_drop_down_offers_the_survey_employers_only(tmp_path):
    import openpyxl

    from pipelines.lib.producers.templates import run_template

    assert run_template(tmp_path, None) == 0
    book = openpyxl.load_workbook(tmp_path / "modele_enquete_coordonnateurs.xlsx")
    data = book["reponses"]
    header = [c.value for c in data[1]]
    column = openpyxl.utils.get_column_letter(header.index("porteur") + 1)
    (validation,) = [v for v in data.data_validations.dataValidation if f"{column}2" in str(v.sqref).split(":")[0]
                     or str(v.sqref).startswith(f"{column}2")]
    sheet_name, cells = validation.formula1.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    offered = [row[0].value for row in book[sheet_name][f"{first}:{last}"]]
    assert offered == SURVEY_EMPLOYERS
    roster = openpyxl.load_workbook(tmp_path / "modele_recensement_coordonnateurs.xlsx")
    data = roster["recensement"]
    header = [c.value for c in data[1]]
    column = openpyxl.utils.get_column_letter(header.index("porteur") + 1)
    (validation,) = [v for v in data.data_validations.dataValidation if str(v.sqref).startswith(f"{column}2")]
    sheet_name, cells = validation.formula1.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    assert [row[0].value for row in roster[sheet_name][f"{first}:{last}"]] == [*SURVEY_EMPLOYERS, "Cabinet de conseil"]


# --- notebooks take their labels from the catalogue ---------------------------------------------------------------


def label_dicts(source: str) -> list[list[str]]:
    """Dict literals of notebook code keyed by catalogue values (vocabulary codes, survey questions, salary bands):
    a label table typed into a notebook instead of read from the catalogue."""
    keys = {q.question for q in catalogue.survey_questions()} | {band for band, _, _ in vocab.FTE_SALARY_BANDS}
    keys |= {row["code"] for row in vocab.vocabulary_rows()}
    keys |= {int(code) for code in vocab.vocabulary("priorite").codes}  # priorities are integers in the marts
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Dict) and len(node.keys) >= 2:
            literal = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, (str, int))]
            if len(literal) == len(node.keys) and set(literal) <= keys:
                found.append(literal)
    return found


def test_the_label_dict_rule_catches_what_it_should():
    assert label_dicts('QUESTIONS = {"contrat": "Contrat", "duree_cdd": "Durée du CDD"}') == [["contrat", "duree_cdd"]]
    assert label_dicts('BANDS = {"<2000": "moins de 2 000 €", ">=3000": "3 000 € ou plus"}') == [["<2000", ">=3000"]]
    assert label_dicts('P = {1: "1 Repérage", 2: "2 Parcours sans rupture"}') == [[1, 2]]
    assert label_dicts('columns = {"ptsm_nom": ("PTSM", None), "n": ("n", None)}') == []


@pytest.mark.parametrize("name", sorted(notebook_sources()))
def test_notebooks_type_no_catalogue_label_table(name):
    assert label_dicts(notebook_sources()[name]) == []


def test_a_catalogue_change_retypes_the_rows(tmp_path, monkeypatch):
    # why: the staging fingerprint must move when a column rule moves (an excluded code, a new column), or rows typed
    # under the old rule would be kept; the catalogue ships with the code and is read once per process
    from pipelines.lib.staging.typing_rows import rules_fingerprint

    before = rules_fingerprint({"PTSM-01"}, b"key", "vocabularies")
    edited = tmp_path / "catalogue.toml"
    edited.write_text(catalogue.CATALOGUE_FILE.read_text(encoding="utf-8").replace(
        'exclude = ["Cabinet de conseil"]', 'exclude = []'), encoding="utf-8")
    assert edited.read_bytes() != catalogue.CATALOGUE_FILE.read_bytes()
    monkeypatch.setattr(catalogue, "CATALOGUE_FILE", edited)
    assert rules_fingerprint({"PTSM-01"}, b"key", "vocabularies") != before


def test_the_suites_count_the_registry_they_are_generated_for(tmp_path):
    """The registry, not a typed 104, sizes the suites: generated for a registry of 6 PTSM, a coverage suite wants
    6 x 6 = 36 priority rows and 6 x 14 = 84 public rows, the overview 6 rows, and each month 6 PTSM."""
    suites = tmp_path / "marts"
    shutil.copytree(SUITES_DIR, suites)
    rewritten = {path.name: json.loads(text) for path, text in
                 suites_with_value_sets(region_codes(), suites, registry_ptsm=6).items()}

    def row_count(name):
        return [e["kwargs"]["value"] for e in rewritten[name]["expectations"]
                if e["type"] == "expect_table_row_count_to_equal"]

    assert row_count("ptsm_priority_coverage.json") == [36]
    assert row_count("ptsm_public_coverage.json") == [84]
    assert row_count("ptsm_overview.json") == [6]
    monthly = {u["name"]: u["query"] for u in rewritten["coordinator_vacancy_monthly.json"]["meta"]["unexpected_rows"]}
    assert monthly["every_registry_ptsm_per_month"].endswith("having count(*) <> 6 or count(distinct ptsm_id) <> 6")
    assert not any("104" in json.dumps(doc) for doc in rewritten.values())
