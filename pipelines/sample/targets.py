"""Calibration targets of the synthetic sample: the generator's inputs.

Every number here was worked out by hand so that, once the pipeline has run on `data/sample/`, the figures
recomputed as `docs/published_comparison.md` says reproduce `data/reference/published_figures.csv` under the
status rules of docs/contract.md §4. The calibration lives here, never in the pipeline. The arithmetic is in the comments
(`round` is half away from zero). Nothing in this module is real data.

Only valid with history_factor = volume_factor = 1 (the benchmark factors break the counts on purpose).
"""

from __future__ import annotations

from datetime import date

# --------------------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------------------
REFERENCE_DATE = date(2024, 3, 31)  # T1 2024: date of the latest roster, milestone file and most workbooks
OLD_ROSTER_DATE = date(2023, 9, 30)  # an older roster export, kept as history
OLD_STATUS_DATE = date(2023, 6, 30)  # an older milestone export, kept as history
SURVEY_WAVE = 2023
SURVEY_WINDOW = (date(2023, 5, 22), date(2023, 7, 7))  # when the 2023 questionnaire was answered

# --------------------------------------------------------------------------------------------------------------
# Milestones (statut_ptsm) — report ch. 2.1, PTSM 35 page, ARS Pays de la Loire
# --------------------------------------------------------------------------------------------------------------
FIRST_PTSM = ("PTSM-85", date(2018, 12, 3))  # first_ptsm_date: Vendée first
LAST_PTSMS = (("PTSM-55", date(2023, 1, 11)), ("PTSM-88", date(2023, 1, 11)))  # last_ptsm_date: Meuse, Vosges
PTSM35_ARRETE = date(2020, 10, 26)  # ptsm35_dates
PTSM35_CTSM = date(2021, 9, 14)
CTSM_SIGNED_BY_REFERENCE = 83  # ctsm_signed_2024q1: 83 of 104 signed on or before 2024-03-31, 21 not signed
# The 21 PTSM without a signed CTSM at 2024-03-31 (the two last-approved ones among them).
CTSM_NOT_SIGNED = (
    "PTSM-55", "PTSM-88", "PTSM-976", "PTSM-973", "PTSM-74", "PTSM-08", "PTSM-12", "PTSM-32", "PTSM-43",
    "PTSM-48", "PTSM-52", "PTSM-66", "PTSM-42", "PTSM-59-FLA", "PTSM-18", "PTSM-36", "PTSM-COR", "PTSM-09",
    "PTSM-03", "PTSM-78-NORD", "PTSM-80",
)  # 104 - 21 = 83
# report ch. 8.1: Normandy's "7 CTSM signés en 2021"
NORMANDIE_CTSM_2021 = ("PTSM-14", "PTSM-27", "PTSM-50", "PTSM-61", "PTSM-76-DIE", "PTSM-76-HAV", "PTSM-76-ROU")

# --------------------------------------------------------------------------------------------------------------
# Coordinator roster at 2024-03-31 — report ch. 7.1 and 8.1 (ANAP census T1 2024)
# --------------------------------------------------------------------------------------------------------------
COORD_IN_POST = 89  # coord_in_post_2024q1: 87 PTSM with one person + PTSM-69 (Rhône) with two = 89 people
TWO_IN_POST = ("PTSM-69",)  # "un seul territoire (Rhône) a recruté 2 ETP"
# coord_vacancy_point (approx. 15): 16 vacant / 104 = 15.4 % -> within ±2 points of 15.
# 104 - 16 vacant = 88 PTSM in post; 88 + 1 (Rhône's second person) = 89 people.
VACANT_AT_REFERENCE = (
    "PTSM-74", "PTSM-08", "PTSM-12", "PTSM-32", "PTSM-36", "PTSM-43", "PTSM-48", "PTSM-52", "PTSM-61",
    "PTSM-66", "PTSM-76-DIE", "PTSM-78-NORD", "PTSM-976", "PTSM-59-FLA", "PTSM-42", "PTSM-18",
)
NEVER_STAFFED = ("PTSM-976",)  # absent from the roster altogether: vacant every month
SAME_COORDINATOR_SINCE_2021 = ("PTSM-02", "PTSM-24", "PTSM-25", "PTSM-33", "PTSM-47", "PTSM-973", "PTSM-94")
SEVERAL_COORDINATORS = {"PTSM-79": 4, "PTSM-43": 3, "PTSM-51": 3, "PTSM-73": 4}  # people since 2021
RECENT_FIRST_RECRUIT = {"PTSM-63": date(2024, 1, 8)}  # Puy-de-Dôme: first coordinator recently recruited

# Employer (porteur) of the 89 people in post: 62 + 13 + 14 = 89
#   coord_carrier_sanitaire    62/89 = 69.7 % -> 70
#   coord_carrier_association  13/89 = 14.6 % -> 15
PORTEUR_IN_POST = {
    "Association": (
        "PTSM-31", "PTSM-72", "PTSM-82", "PTSM-09", "PTSM-30", "PTSM-06", "PTSM-13", "PTSM-83", "PTSM-84",
        "PTSM-05", "PTSM-17", "PTSM-29", "PTSM-56",
    ),  # 13: Haute-Garonne and Sarthe associations, UDAF 82, IREPS 09/30, CODES in PACA...
    "ARS": ("PTSM-971", "PTSM-972"),  # 2: Guadeloupe, Martinique
    "Cabinet de conseil": ("PTSM-71", "PTSM-95"),  # 2: Saône-et-Loire, Val-d'Oise
    "Établissement médico-social": ("PTSM-15", "PTSM-60", "PTSM-37", "PTSM-45"),  # 4: Cantal, Oise...
    "DAC": ("PTSM-11", "PTSM-34", "PTSM-04", "PTSM-65", "PTSM-91"),  # 5: Aude, Hérault, Hte-Provence, Htes-Pyr.
    "Autre": ("PTSM-44",),  # 1: GCSMS in Loire-Atlantique
}  # 13 + 2 + 2 + 4 + 5 + 1 = 27 PTSM; the 61 other staffed PTSM are Établissement sanitaire (62 people)
# coord_posts_cofunded: 11/89 = 12.4 % -> 12 (cofinancement_eur > 0)
COFUNDED_IN_POST = (
    "PTSM-10", "PTSM-67", "PTSM-69", "PTSM-92", "PTSM-93", "PTSM-35", "PTSM-44", "PTSM-31", "PTSM-59-LIL",
    "PTSM-62-ART", "PTSM-76-ROU",
)  # 11 (PTSM-69: only one of its two people)
# coord_budget_per_dep: median financement_ars_eur of the 89 posts in post = 57 700 (the 45th value).
SEGUR_ENVELOPE = 57_700
ARS_TOP_UP = {  # full-time posts the ARS funds above the envelope (large territories)
    "PTSM-13": 68_000, "PTSM-75": 75_000, "PTSM-33": 62_000, "PTSM-59-LIL": 62_000, "PTSM-31": 65_000,
    "PTSM-92": 62_000, "PTSM-93": 70_000, "PTSM-38": 62_000, "PTSM-06": 60_000, "PTSM-34": 60_000,
}  # 10 above
ARS_BELOW = {"PTSM-03": 48_000, "PTSM-58": 52_000}  # Allier does not use the whole 57 k€ (ch. 7.1)
MEDIAN_ARS_FUNDING = 57_700

# --------------------------------------------------------------------------------------------------------------
# 2023 coordinators' survey — report annex 3 (and ch. 7.1). 47 complete responses.
# Denominator = complete responses who answered; item non-response shrinks it where a share needs 46 or 44.
# --------------------------------------------------------------------------------------------------------------
SURVEY_COMPLETE = 47  # survey_n (denominator of moyens[ordinateur], all complete responses)
SURVEY_INCOMPLETE = 4  # empty submitdate: excluded, reported in quality_report
SURVEY_COUNTS: dict[str, dict[str | None, int]] = {
    # contrat: 1 blank -> denominator 46
    #   CDI 16/46 = 34.8 % -> 35 ; CDD 16/46 = 34.8 % -> 35 ; titulaire 13/46 = 28.3 % -> 28 (ch. 7.1)
    "contrat": {"Titulaire de la fonction publique": 13, "CDI": 16, "CDD": 16, "Autre": 1, None: 1},
    # duree_cdd over the 16 CDD (all answered):
    #   1 an 9/16 = 56.25 % -> 56 ; 2 ans 3/16 = 18.75 % -> 19 ; 1 or 2 years 12/16 = 75 %
    "duree_cdd": {"Moins d'1 an": 1, "1 an": 9, "2 ans": 3, "3 ans": 2, "Plus de 3 ans": 1},
    # temps_travail: plein 39/47 = 83.0 % -> 83 ; partiel 8/47 = 17.0 % -> 17
    "temps_travail": {"Temps plein": 39, "Temps partiel": 8},
    # quotite over the 8 part-time: 80 % -> 5/8 = 62.5 % (lower bound 60 ok) ; 90 % -> 2/8 = 25 %
    "quotite": {"80": 5, "90": 2, "50": 1},
    # autres_missions: 1 blank -> 11/46 = 23.9 % -> 24
    "autres_missions": {"oui": 11, "non": 35, None: 1},
    # missions_realisables: 1 unknown label ("Je ne sais pas" -> missing) -> non 17/46 = 37.0 % -> 37
    "missions_realisables": {"oui": 29, "non": 17, None: 1},
    # poste_lie: 20/47 = 42.6 % -> 43 (lower bound 40 ok)
    "poste_lie": {"oui": 20, "non": 27},
    # metier_precedent: 1 blank -> santé 9/46 = 19.6 % -> 20 ; direction 10/46 = 21.7 % -> 22 (lower bound 20 ok)
    "metier_precedent": {
        "Professionnel de santé": 9, "Poste de direction": 10, "Chargé de mission / chef de projet": 14,
        "Communication / conseil": 6, "Autre": 7, None: 1,
    },
    # experience: 1 blank -> 16+ 25/46 = 54.3 % (lower bound 50 ok) ; <6 5/46 = 10.9 % (upper bound 15 ok) ;
    #   10 years or more (11-15 + 16+) 35/46 = 76.1 % -> 76
    "experience": {"Moins de 6 ans": 5, "6 à 10 ans": 6, "11 à 15 ans": 10, "16 ans et plus": 25, None: 1},
    # diplome: master 35/47 = 74.5 % -> 74
    "diplome": {"Master ou plus": 35, "Licence": 8, "Autre": 4},
    # moyens (multiple choice, denominator always 47):
    #   ordinateur 45/47 = 95.7 % -> 96 ; telephone 35/47 = 74.5 % (approx. 75 ok) ; aucun 2/47 = 4.3 % (approx. 5 ok)
    #   vehicule: 65 % is NOT reachable with 47 (30/47 = 63.8 -> 64, 31/47 = 66.0 -> 66): 31 is the closest.
    "moyens[ordinateur]": {"oui": 45},
    "moyens[telephone]": {"oui": 35},
    "moyens[vehicule]": {"oui": 31},
    "moyens[aucun]": {"oui": 2},
    # salaire_etp_tranche: 1 blank salary -> denominator 46
    #   <2000 5/46 = 10.9 % (approx. 10 ok) ; 2300-2499 12/46 = 26.1 % (approx. 25 ok)
    "salaire_etp_tranche": {"<2000": 5, "2000-2299": 12, "2300-2499": 12, "2500-2999": 11, ">=3000": 6, None: 1},
    # porteur: sanitaire 34/47 = 72.3 % (lower bound 70 ok) ; association 7/47 = 14.9 % -> 15 ;
    #   médico-social 4/47 = 8.5 % -> 9
    "porteur": {"Établissement sanitaire": 34, "Association": 7, "Établissement médico-social": 4, "DAC": 1, "ARS": 1},
    # enveloppe: 26/47 = 55.3 % -> 55
    "enveloppe": {"oui": 26, "non": 21},
    # rdv_ars: 3 blank -> 33/44 = 75.0 % -> 75 (no count over 47, 46 or 45 rounds to 75)
    "rdv_ars": {"oui": 33, "non": 11, None: 3},
}
# --------------------------------------------------------------------------------------------------------------
# A second survey wave (2025): NOT calibrated to any published figure (the report only knows 2023). It gives
# survey_wave_comparison something to compare: respondents are coordinators in post at the latest roster date,
# their contract and working time follow the roster, the other answers follow the 2023 distribution with a plausible
# drift (posts made permanent, more coordinators able to request an ARS envelope and meeting the ARS, a phone more
# often provided, salaries a little higher). Same mess as 2023: Windows-1252, synonyms, blanks, one unknown label,
# one repeated id, incomplete responses.
# --------------------------------------------------------------------------------------------------------------
SURVEY_2025_WAVE = 2025
SURVEY_2025_WINDOW = (date(2025, 5, 19), date(2025, 7, 4))
SURVEY_2025_COMPLETE = 58
SURVEY_2025_INCOMPLETE = 5
SURVEY_2025_CDD_MADE_PERMANENT = 0.55  # share of roster CDD who answer CDI in 2025
SURVEY_2025_YES_DRIFT = {  # multiplier of the 2023 weight of "oui"
    "enveloppe": 2.2, "rdv_ars": 1.5, "missions_realisables": 1.6, "autres_missions": 1.0, "poste_lie": 1.0,
}
SURVEY_2025_EQUIPMENT = {"telephone": 0.90, "vehicule": 0.62, "aucun": 0.02}  # P(item ticked)
SURVEY_2025_BAND_UP = 0.35  # probability that a respondent's FTE salary band is one band above the 2023 draw
SURVEY_2025_BLANK = 0.02  # probability of an unanswered choice or yes/no question

SURVEY_UNREACHABLE = {"survey_vehicule": "65 % needs 30.55/47; the sample has 31/47 = 66 % (closest reachable)"}

# --------------------------------------------------------------------------------------------------------------
# Action sheets: current actions (latest workbook, status not Abandonnée) — report ch. 2.1, 2.2, 4.1
# --------------------------------------------------------------------------------------------------------------
ACTIONS_PER_PTSM = {
    "PTSM-22": 22,  # cotes_armor_actions
    "PTSM-47": 20,  # lot_et_garonne_plans ("dont 5 priorisés": 5 with priorisee_ctsm = oui)
    "PTSM-35": 23,  # ille_et_vilaine_actions
    "PTSM-46": 135,  # catalogue_max_actions: Lot, at most 140
    "PTSM-83": 140,  # catalogue_max_actions: Var, exactly the upper bound
    # Nouvelle-Aquitaine (region 75), actions_na_total = 155:
    # 14 + 18 + 12 + 24 + 11 + 20 + 16 + 13 + 12 + 15 = 155
    "PTSM-16": 14, "PTSM-17": 18, "PTSM-24": 12, "PTSM-33": 24, "PTSM-40": 11,
    "PTSM-64": 16, "PTSM-79": 13, "PTSM-86": 12, "PTSM-LIM": 15,
    # PACA (region 93): totals of current actions (the Var above)
    "PTSM-04": 18, "PTSM-05": 15, "PTSM-06": 30, "PTSM-13": 42, "PTSM-84": 20,
    # La Réunion
    "PTSM-974": 26,
}
PTSM47_PRIORISEES = 5
NA_REGION, NA_TOTAL_ACTIONS = "75", 155
# actions_paca_mises_en_oeuvre = 70 and actions_paca_tripartite = 32: current actions of region 93 that are
# implemented (En cours / Réalisée) with annee_debut in 2021..2023, and those whose sectors include
# sanitaire + medico_social + social. Per PTSM (implemented in window, of which tripartite):
# 8 + 6 + 14 + 19 + 15 + 8 = 70 ; 3 + 3 + 7 + 9 + 6 + 4 = 32
PACA_REGION = "93"
PACA_WINDOW = (2021, 2023)
PACA_IMPLEMENTED = {"PTSM-04": (8, 3), "PTSM-05": (6, 3), "PTSM-06": (14, 7), "PTSM-13": (19, 9),
                    "PTSM-83": (15, 6), "PTSM-84": (8, 4)}
PACA_TOTAL_IMPLEMENTED, PACA_TOTAL_TRIPARTITE = 70, 32
# reunion_priorites_absentes = "3;6": PTSM-974 covers 1, 2, 4, 5 and never 3 or 6
REUNION = ("PTSM-974", (1, 2, 4, 5), (3, 6))
OTHER_PTSM_ACTIONS = (10, 60)  # range for the PTSM not named above

# --------------------------------------------------------------------------------------------------------------
# Funding lines (sheet financements) — report ch. 8.1. "ARS group" = ars_fir, ars_daf, ars_autre, aap_national.
# All sums are over the current actions' funding lines.
# --------------------------------------------------------------------------------------------------------------
ARS_GROUP = ("ars_fir", "ars_daf", "ars_autre", "aap_national")
# funding_bfc_per_ptsm: every region-27 PTSM gets exactly 85 000 of ARS-group lines for 2023 (mean = 85 000)
BFC_REGION, BFC_ARS_PER_YEAR, BFC_YEARS = "27", 85_000, (2021, 2022, 2023, 2024)
# funding_ge_per_ptsm: every region-44 PTSM gets exactly 250 000 of ARS-group lines for 2023 (mean = 250 000)
GE_REGION, GE_ARS_PER_YEAR, GE_YEARS = "44", 250_000, (2022, 2023, 2024)
GE_AAP_2021_MAX = 100_000  # before 2022: AAP PTSM of at most 100 k€ on co-carried actions
# funding_47_daf: ars_daf of PTSM-47 all years = 5 x 35 800 = 179 000 (2020..2024)
# funding_33_daf: ars_daf of PTSM-33 all years = 5 x 157 100 = 785 500 (2020..2024)
# plus, each year 2020..2024, FIR and médico-social non-renewable credits (ars_autre) of 17 900 (47) / 78 550 (33)
NA_ENVELOPES = {
    "PTSM-47": {"ars_daf": 35_800, "ars_fir": 17_900, "ars_autre": 17_900},
    "PTSM-33": {"ars_daf": 157_100, "ars_fir": 78_550, "ars_autre": 78_550},
}
NA_ENVELOPE_YEARS = (2020, 2021, 2022, 2023, 2024)
FUNDING_47_DAF, FUNDING_33_DAF = 179_000, 785_500
# funding_na_total: ARS-group lines of region 75, years 2019..2023 = 3 000 000
#   PTSM-47: 4 years in window x (35 800 + 17 900 + 17 900) = 286 400
#   PTSM-33: 4 years in window x (157 100 + 78 550 + 78 550) = 1 256 800
#   the 8 other NA PTSM share 3 000 000 - 286 400 - 1 256 800 = 1 456 800 over 2020..2023
NA_TOTAL_WINDOW, NA_TOTAL_ARS = (2019, 2023), 3_000_000
NA_OTHERS_ARS_WINDOW = 1_456_800
# funding_55_formation: PTSM-55's current actions with theme formation total 30 000 (all funders, all years):
# one action (PSSM + Sentinelles), FIR 15 000 in 2023 and 15 000 in 2024; no other formation action is funded.
MEUSE_FORMATION = ("PTSM-55", 30_000, {2023: 15_000, 2024: 15_000})

# --------------------------------------------------------------------------------------------------------------
# Vulnerable publics ("angles morts", report ch. 4.1): share of PTSM whose plan covers them, by design a clear
# minority; the mainstream publics are covered by most PTSM through the general action templates.
# --------------------------------------------------------------------------------------------------------------
BLIND_SPOT_PROBABILITY = {
    "perinatalite": 0.30, "tnd": 0.28, "precarite": 0.28, "enfance_protegee": 0.22, "addictions": 0.20,
    "personnes_agees": 0.18, "migrants": 0.10, "justice": 0.08,
}
BLIND_SPOT_PROBABILITY_LARGE = 0.75  # catalogue-like PTSM (>= 60 actions) cover more
FORCED_BLIND_SPOTS = {  # facts of the report
    "PTSM-974": ("perinatalite", "personnes_agees"),  # La Réunion: volet enfant/périnatalité, axe sujet âgé
    "PTSM-25": ("perinatalite", "personnes_agees", "addictions", "precarite"),  # Doubs assessment
    "PTSM-44": ("migrants",),  # CESAME project
    "PTSM-94": ("perinatalite",),  # PMI training on perinatal depression
}
EXCLUDED_BLIND_SPOTS = {"PTSM-39": ("addictions",)}  # Jura: addictions not taken into account
