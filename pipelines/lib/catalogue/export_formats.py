"""The export formats of docs/contract.md §2 described once, column by column, for the people who produce the files.

The templates (`ptsm template`), the Table Schemas (`schemas/`) and the validator's "how to fix" hints are all
generated from these definitions and from the vocabularies, so that they cannot disagree with what the refresh
reads (the column lists come from `families.py`, the accepted values from `vocabularies.csv`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from pipelines.lib.catalogue import families as fam
from pipelines.lib.core.config import PROJECT_ROOT
from pipelines.lib.catalogue.vocab import load_vocabularies, vocabulary_file


@dataclass(frozen=True)
class Column:
    name: str
    description: str          # French, for the producer
    kind: str                 # text | integer | number | date | datetime | yes_no | ticked | choice | choices | priorities | ptsm
    required: bool = False    # the column must be in the file (families.required)
    vocabulary: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    example: str = ""
    may_be_empty: bool = False  # a required column whose cells may stay empty (date_fin, date_signature_ctsm)

    @property
    def filled(self) -> bool:
        """Every row must give a value (an empty cell quarantines the row)."""
        return self.required and not self.may_be_empty


@dataclass(frozen=True)
class Sheet:
    family: str
    table: str                # raw table name
    sheet: str                # the sheet name in a workbook
    title: str                # French
    file_pattern: str         # the file name to use
    columns: tuple[Column, ...]


YES_NO = "Oui ou Non (aussi O/N, 1/0, VRAI/FAUX)"
LIST = "plusieurs valeurs séparées par « ; »"

SURVEY = Sheet("enquete_coordonnateurs", "survey", "reponses", "Enquête auprès des coordonnateurs de PTSM",
               "enquete_AAAA.csv (AAAA : année de la vague, ex. enquete_2024.csv) ou .xlsx", (
    Column("id", "Identifiant de la réponse (nombre entier, unique dans la vague).", "integer", True, minimum=0, example="12"),
    Column("submitdate", "Date et heure de fin de saisie ; vide = réponse incomplète.", "datetime", True,
           example="2024-05-02 10:15:00", may_be_empty=True),
    Column("ptsm_id", "Identifiant du PTSM du répondant (registre national, ex. PTSM-35).", "ptsm", True, example="PTSM-35"),
    Column("contrat", "Type de contrat.", "choice", vocabulary="contrat", example="CDI"),
    Column("duree_cdd", "Durée du CDD (seulement pour un CDD).", "choice", vocabulary="duree_cdd", example="2 ans"),
    Column("temps_travail", "Temps de travail.", "choice", vocabulary="temps_travail", example="Temps partiel"),
    Column("quotite", "Quotité du temps partiel en % (entier de 10 à 99, « 80 % » accepté).", "integer", minimum=10, maximum=99, example="80"),
    Column("autres_missions", f"A d'autres missions que la coordination du PTSM : {YES_NO}.", "yes_no", example="Non"),
    Column("missions_realisables", f"Peut réaliser toutes les missions de la fiche de poste ANAP : {YES_NO}.", "yes_no", example="Oui"),
    Column("metier_precedent", "Métier précédent.", "choice", vocabulary="metier_precedent", example="Autre"),
    Column("poste_lie", f"Le poste précédent mobilisait les compétences de la fiche ANAP : {YES_NO}.", "yes_no", example="Oui"),
    Column("experience", "Expérience professionnelle.", "choice", vocabulary="experience", example="6 à 10 ans"),
    Column("diplome", "Diplôme le plus élevé.", "choice", vocabulary="diplome", example="Master ou plus"),
    Column("moyens[ordinateur]", "Dispose d'un ordinateur : Y si coché, vide sinon.", "ticked", example="Y"),
    Column("moyens[telephone]", "Dispose d'un téléphone : Y si coché, vide sinon.", "ticked", example="Y"),
    Column("moyens[vehicule]", "Dispose d'un véhicule : Y si coché, vide sinon.", "ticked", example=""),
    Column("moyens[aucun]", "Aucun de ces moyens : Y si coché, vide sinon.", "ticked", example=""),
    Column("salaire_net", "Salaire net mensuel effectivement versé, en euros.", "number", minimum=0, example="2 150,50"),
    Column("porteur", "Employeur (porteur) du poste.", "choice", vocabulary="porteur", example="Association"),
    Column("enveloppe", f"Peut solliciter une enveloppe dédiée de l'ARS : {YES_NO}.", "yes_no", example="Non"),
    Column("rdv_ars", f"Rencontres régulières avec la délégation départementale de l'ARS : {YES_NO}.", "yes_no", example="Oui"),
))

ROSTER = Sheet("coordonnateurs", "roster", "recensement", "Recensement des coordonnateurs de PTSM",
               "recensement_coordonnateurs_AAAA-MM-JJ.xlsx (date du recensement)", (
    Column("ptsm_id", "Identifiant du PTSM (registre national, ex. PTSM-35).", "ptsm", True, example="PTSM-35"),
    Column("coordonnateur", "Nom de la personne (donnée personnelle : remplacée par un pseudonyme dès la lecture, "
           "jamais publiée).", "text", True, example="Camille Martin"),
    Column("etp", "Équivalent temps plein du poste, de 0 (exclu) à 1 (« 80 % » accepté).", "number", True, minimum=0, maximum=1, example="0,8"),
    Column("date_debut", "Date de prise de poste.", "date", True, example="2023-01-15"),
    Column("date_fin", "Dernier jour travaillé ; vide = toujours en poste.", "date", True, example="", may_be_empty=True),
    Column("type_contrat", "Type de contrat.", "choice", vocabulary="contrat", example="CDI"),
    Column("porteur", "Employeur (porteur) du poste.", "choice", vocabulary="porteur", example="Association"),
    Column("financement_ars_eur", "Financement annuel du poste par l'ARS, en euros.", "number", minimum=0, example="55 000"),
    Column("cofinancement_eur", "Financement annuel du poste par d'autres financeurs, en euros (vide = 0).", "number", minimum=0, example="10 000"),
    Column("cofinanceurs", "Liste libre des cofinanceurs.", "text", example="Conseil départemental"),
))

ACTIONS = Sheet("fiches_actions", "actions", "actions", "Fiches actions du PTSM",
                "<PTSM>_fiches_actions_AAAA-MM-JJ.xlsx (date d'extraction), une feuille actions et une feuille financements", (
    Column("ptsm_id", "Identifiant du PTSM (le même sur chaque ligne).", "ptsm", True, example="PTSM-35"),
    Column("num_action", "Numéro de l'action, unique dans le PTSM.", "text", True, example="1.1"),
    Column("intitule", "Intitulé de l'action.", "text", example="Prévention du suicide"),
    Column("priorites", "Priorités du décret couvertes, nombres de 1 à 6 séparés par « ; » (au moins une).",
           "priorities", True, minimum=1, maximum=6, example="1;5"),
    Column("publics", f"Publics cibles, {LIST}.", "choices", vocabulary="public", example="Enfants; Proches et aidants"),
    Column("thematiques", f"Thématiques, {LIST} ; peut rester vide.", "choices", vocabulary="thematique", example=""),
    Column("secteurs", f"Secteurs des pilotes et partenaires, {LIST}.", "choices", vocabulary="secteur", example="Sanitaire; Social"),
    Column("statut", "Statut de l'action.", "choice", True, vocabulary="statut", example="En cours"),
    Column("priorisee_ctsm", f"Action inscrite au contrat territorial de santé mentale : {YES_NO}.", "yes_no", example="Oui"),
    Column("annee_debut", "Année de début (AAAA).", "integer", minimum=2000, maximum=2100, example="2023"),
    Column("annee_fin", "Année de fin prévue (AAAA).", "integer", minimum=2000, maximum=2100, example="2025"),
))

FUNDING = Sheet("fiches_actions", "funding", "financements", "Financements des actions",
                ACTIONS.file_pattern, (
    Column("num_action", "Numéro de l'action financée (tel qu'il figure dans la feuille actions).", "text", True, example="1.1"),
    Column("financeur", "Financeur.", "choice", True, vocabulary="financeur", example="ARS – Fonds d'intervention régional (FIR)"),
    Column("annee", "Année du financement (AAAA).", "integer", minimum=2000, maximum=2100, example="2024"),
    Column("montant_eur", "Montant en euros (positif ou nul).", "number", True, minimum=0, example="12 000"),
    Column("nature", "Nature du financement.", "choice", vocabulary="nature", example="Pérenne"),
))

MILESTONES = Sheet("statut_ptsm", "milestones", "statut", "Arrêtés des PTSM et signatures des CTSM",
                   "statut_ptsm_AAAA-MM-JJ.csv ou .xlsx (date de l'état)", (
    Column("ptsm_id", "Identifiant du PTSM (registre national).", "ptsm", True, example="PTSM-35"),
    Column("date_arrete_ptsm", "Date de l'arrêté du directeur général de l'ARS approuvant le PTSM.", "date", True, example="2019-07-09", may_be_empty=True),
    Column("date_signature_ctsm", "Date de signature du CTSM ; vide = non signé.", "date", True, example="", may_be_empty=True),
))

SHEETS: tuple[Sheet, ...] = (SURVEY, ROSTER, ACTIONS, FUNDING, MILESTONES)


def sheets_of(family: str) -> list[Sheet]:
    return [s for s in SHEETS if s.family == family]


def column(family: str, name: str) -> Column | None:
    """The definition of a column (by canonical or sheet-prefixed name, e.g. `actions.statut`)."""
    table, _, bare = name.rpartition(".")
    for sheet in sheets_of(family):
        if table and table not in (sheet.sheet, sheet.table):
            continue
        for col in sheet.columns:
            if col.name == bare:
                return col
    return None


def accepted_values(kind: str) -> list[str]:
    """The labels of a vocabulary, in file order: what the drop-down lists offer."""
    vocab = load_vocabularies()[kind]
    return [vocab.labels[code] for code in vocab.codes]


def accepted_spellings(kind: str) -> list[str]:
    """Every spelling the refresh accepts for a vocabulary as written in vocabularies.csv (code, label, synonyms)."""
    spellings: list[str] = []
    with vocabulary_file().open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == kind:
                for value in [row["code"], row["label"], *[s for s in row["synonyms"].split("|") if s]]:
                    if value not in spellings:
                        spellings.append(value)
    return spellings


@lru_cache(maxsize=1)
def registry() -> list[tuple[str, str]]:
    """(ptsm_id, name) of the 104 PTSM, in registry order."""
    with (PROJECT_ROOT / "data" / "reference" / "ptsm_registry.csv").open(encoding="utf-8") as handle:
        return [(row["ptsm_id"], row["ptsm_nom"]) for row in csv.DictReader(handle)]


def hint(family: str, field: str) -> str:
    """How to fix a value of this column, in French, for the validator and the feedback pages."""
    col = column(family, field)
    if col is None:
        return ""
    if col.kind in ("choice", "choices"):
        values = accepted_values(col.vocabulary)
        shown = ", ".join(values[:8]) + (" ..." if len(values) > 8 else "")
        return f"{col.description} Valeurs acceptées : {shown} (liste complète dans la feuille Lisez-moi du modèle)."
    if col.kind == "ptsm":
        return f"{col.description} Voir la liste des 104 identifiants dans le modèle (ptsm template)."
    if col.kind in ("date", "datetime"):
        return f"{col.description} Formats acceptés : AAAA-MM-JJ ou JJ/MM/AAAA, ou une vraie date Excel."
    return f"{col.description}" + (f" Exemple : {col.example}." if col.example else "")
