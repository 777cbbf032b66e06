"""The README written into the sample folder: what it is (SYNTHETIC), how it was made, what it is calibrated to,
and every deliberate defect with the quarantine reason the pipeline is expected to give."""

from __future__ import annotations

from collections import Counter

from pipelines.sample import targets as tg

_CALIBRATION = (
    # figure_id, published, value in the sample, how it is built
    ("ptsm_count", "104", "104", "one workbook series, one milestone row per registry PTSM"),
    ("ctsm_signed_2024q1", "83", "83", "21 PTSM without `date_signature_ctsm` in `statut_ptsm_2024-03-31.csv`"),
    ("first_ptsm_date / last_ptsm_date", "2018-12-03 / 2023-01-11", "same", "PTSM-85 first; PTSM-55 and PTSM-88 last"),
    ("ptsm35_dates", "2020-10-26", "2020-10-26 (CTSM 2021-09-14)", "fixed"),
    ("coord_in_post_2024q1", "89", "89", "88 staffed PTSM, PTSM-69 (Rhône) with two people"),
    ("coord_vacancy_point", "15 (approx.)", "16/104 = 15.4 %", "16 vacant PTSM, PTSM-976 never staffed"),
    ("coord_posts_cofunded", "12 %", "11/89 = 12.4 %", "`cofinancement_eur` > 0"),
    ("coord_carrier_sanitaire", "70 %", "62/89 = 69.7 %", "`porteur`"),
    ("coord_carrier_association", "15 %", "13/89 = 14.6 %", "`porteur`"),
    ("coord_budget_per_dep", "57 700", "median 57 700", "`financement_ars_eur` of the posts in post"),
    ("survey_n", "47", "47 complete (+4 incomplete, 1 duplicated id)", "`submitdate`"),
    ("survey_cdi / _cdd / _titulaire", "35 / 35 / 28 %", "16/46, 16/46, 13/46", "1 blank `contrat`"),
    ("survey_cdd_1an / _2ans / _le_2ans", "56 / 19 / 75 %", "9/16, 3/16, 12/16", "over the 16 CDD"),
    ("survey_temps_plein / _partiel", "83 / 17 %", "39/47, 8/47", ""),
    ("survey_partiel_80 / _90", "> 60 / 25 %", "5/8 = 62.5 %, 2/8", "over the 8 part-time"),
    ("survey_autres_missions", "24 %", "11/46", "1 blank"),
    ("survey_missions_impossibles", "37 %", "17/46", "1 unknown label -> missing"),
    ("survey_poste_lie", "> 40 %", "20/47 = 42.6 %", ""),
    ("survey_pro_sante / _direction", "20 / > 20 %", "9/46, 10/46 = 21.7 %", "1 blank"),
    ("survey_exp_16plus / _lt6 / _10plus", "> 50 / < 15 / 76 %", "25/46, 5/46, 35/46", "1 blank"),
    ("survey_master", "74 %", "35/47", ""),
    ("survey_ordinateur / _telephone / _aucun_materiel", "96 / ~75 / ~5 %", "45/47, 35/47, 2/47", ""),
    ("survey_vehicule", "65 %", "31/47 = 66 %", "**not reachable**: no count over 47 rounds to 65"),
    ("survey_salaire_lt2000 / _enveloppe", "~10 / ~25 %", "5/46, 12/46", "FTE salary bands, 1 blank salary"),
    ("survey_porteur_sanitaire / _association / _medicosocial", "> 70 / 15 / 9 %", "34/47, 7/47, 4/47", ""),
    ("survey_enveloppe / survey_rdv_ars", "55 / 75 %", "26/47, 33/44", "3 blank `rdv_ars`"),
    ("actions_na_total", "155", "155", "10 PTSM of region 75"),
    ("actions_paca_mises_en_oeuvre / _tripartite", "70 / 32", "70 / 32", "region 93, implemented, started 2021-2023"),
    ("reunion_priorites_absentes", "3;6", "3;6", "PTSM-974 covers 1, 2, 4, 5"),
    ("cotes_armor / lot_et_garonne / ille_et_vilaine", "22 / 20 / 23", "22 / 20 (5 CTSM) / 23", "current actions"),
    ("catalogue_max_actions", "<= 140", "Lot 135, Var 140", ""),
    ("funding_bfc_per_ptsm / funding_ge_per_ptsm", "85 000 / 250 000", "exactly, for each PTSM, in 2023", "ARS group"),
    ("funding_na_total", "3 000 000", "3 000 000 over 2019-2023", "ARS group, region 75"),
    ("funding_47_daf / funding_33_daf", "179 000 / 785 500", "5 x 35 800 / 5 x 157 100 (2020-2024)", "`ars_daf`"),
    ("funding_55_formation", "30 000", "15 000 in 2023 + 15 000 in 2024", "the Meuse's PSSM/Sentinelles action"),
)


def render_readme(marker: str, seed: int, history_factor: int, volume_factor: int, snapshots, posts,
                  defects: list[dict]) -> str:
    n_latest = sum(1 for s in snapshots if s.latest)
    n_history = len(snapshots) - n_latest
    n_actions = sum(len(s.actions) for s in snapshots if s.latest)
    n_lines = sum(len(s.fundings) for s in snapshots if s.latest)
    dates = Counter(s.day.isoformat() for s in snapshots if s.latest)
    calibrated = history_factor == 1 and volume_factor == 1
    command = "uv run ptsm sample --out data/sample"
    if seed != 2024:
        command += f" --seed {seed}"
    if history_factor != 1:
        command += f" --history {history_factor}"
    if volume_factor != 1:
        command += f" --volume {volume_factor}"
    lines = [
        marker,
        "# ⚠ DONNÉES SYNTHÉTIQUES — SYNTHETIC DATA ⚠",
        "",
        "**Rien dans ce dossier n'est réel.** Ces fichiers imitent les exports que reçoit la DMSMP (enquête des",
        "coordonnateurs, recensement ANAP, fiches actions, jalons PTSM/CTSM) pour que `ptsm refresh` fonctionne sur une",
        "machine neuve. Aucune personne, aucun plan d'actions, aucun montant ne décrit un PTSM réel ; les noms de",
        "coordonnateurs sont fictifs (`Camille SYNTHETIQUE-001`). Tout résultat calculé sur cet échantillon doit",
        "être présenté avec la mention « données synthétiques ».",
        "",
        "**Nothing in this folder is real.** It is a synthetic national sample in exactly the formats of docs/contract.md §2,",
        "generated by a seeded, deterministic program, so that a newcomer can see the whole system work without the",
        "real exports (which hold personal data and never leave the DMSMP). Any figure computed from it must carry a",
        "\"synthetic data\" banner.",
        "",
        "## How it was generated",
        "",
        "```bash",
        command,
        "# or, without the CLI:",
        f"uv run python -c \"from pathlib import Path; from pipelines.sample import generate; "
        f"generate(Path('data/sample'), seed={seed}, history_factor={history_factor}, volume_factor={volume_factor})\"",
        "```",
        "",
        f"Seed `{seed}`, history factor `{history_factor}`, volume factor `{volume_factor}`. The same arguments always",
        "give byte-identical files (`tests/test_sample.py::test_sample_is_reproducible` regenerates the folder and",
        "compares every byte; `test_sample_calibration_from_files` re-reads the files independently of the pipeline",
        "and checks the calibration). The generator lives in `pipelines/sample/`: `targets.py` holds every calibration",
        "target with its arithmetic, `catalogue.py` the French action templates, `generator.py` the rest. Never edit",
        "the files of this folder by hand: change the generator and regenerate (the reproducibility test fails",
        "otherwise). The generator refuses to write into a folder it did not create (such as `data/raw/`).",
        "",
        "## Contents",
        "",
        "| folder | files |",
        "|---|---|",
        f"| `enquete_coordonnateurs/` | `enquete_2023_SYNTHETIQUE.csv`: LimeSurvey-like export, Windows-1252, `;`, every "
        f"field quoted; {tg.SURVEY_COMPLETE} complete responses, {tg.SURVEY_INCOMPLETE} incomplete ones, one id twice; "
        f"`enquete_{tg.SURVEY_2025_WAVE}_SYNTHETIQUE.csv`: a second wave in the same format and with the same mess "
        f"(up to {tg.SURVEY_2025_COMPLETE} complete responses, {tg.SURVEY_2025_INCOMPLETE} incomplete ones, one id "
        "twice), **not calibrated** (the report only knows 2023): see *History* below |",
        f"| `coordonnateurs/` | `recensement_coordonnateurs_2024-03-31.xlsx` (current, title block above the header; "
        f"{len(posts)} posts since 2020-2021 + 1 invalid row) and `recensement_coordonnateurs_2023-09-30.csv` "
        "(history: UTF-8 with BOM, `,`, French dates and decimal commas) |",
        f"| `fiches_actions/` | {n_latest} latest workbooks (one per PTSM: {n_actions} action rows, {n_lines} funding "
        f"lines), {n_history} older snapshots (history: only the latest date of each PTSM counts), and one undated "
        "draft. Latest dates: " + ", ".join(f"{d} ({n})" for d, n in sorted(dates.items())) + " |",
        "| `statut_ptsm/` | `statut_ptsm_2024-03-31.csv` (UTF-8, `;`, ISO dates) and `statut_ptsm_2023-06-30.csv` "
        "(history: UTF-8 with BOM, `,`, French dates) |",
        "",
        "Realistic mess the parser must handle: title blocks above the header row (some workbooks, the roster); "
        "headers in other case or with accents (`Intitulé`, `Année_début`, ` Statut `); sheet names `Actions` / "
        "`ACTIONS`; an extra `Lisez-moi` sheet and extra columns; `num_action` as text (`FA-01`, `Axe2-03`) or as an "
        "Excel number; years as Excel numbers; amounts as numbers or text (`12 500,50 €` with narrow no-break "
        "spaces, `17 900 €`, `12500,50`, `15.000,00`, `2410.5`); priorities separated by `;`, `,`, `/` or spaces; "
        "labels, codes and synonyms (`ASE`, `Détenus`, `Tout public`, `TSA`, `GEM`, `CPAM`, `FIR`, `DAF psy`, `CNR`, "
        "`Terminée`, `A démarrer`, `Hôpital`, `Bac+5`...); yes/no as `Oui`/`Non`, `O`/`N`, `VRAI`/`FAUX`, LimeSurvey "
        "`Y`/empty; dates as Excel dates or `DD/MM/YYYY` text; FTE as `0,8`.",
        "",
        "Vulnerable publics are deliberately under-covered, as the report finds (ch. 4.1): perinatality, neuro-"
        "developmental disorders, precariousness, protected children, addictions, the elderly, migrants and "
        "detainees each appear in a clear minority of PTSM plans, while the general population, young people, severe "
        "disorders and professionals appear in most.",
        "",
    ]
    n_ptsm = len({s.ptsm.ptsm_id for s in snapshots})
    n_with_history = len({s.ptsm.ptsm_id for s in snapshots if not s.latest})
    n_dropped = sum(1 for s in snapshots if not s.latest for a in s.actions if a.title.startswith("Étude préalable"))
    lines += [
        "## History (what the time marts show)",
        "",
        f"- **Action plans**: {n_with_history} of {n_ptsm} PTSM have one or two older workbooks besides the latest "
        "(2021-12-31 to 2023-09-30). Between two workbooks, actions appear, start (`Non démarrée` -> `En cours`), "
        f"are completed or abandoned, and {n_dropped} action rows of older workbooks (titles starting `Étude préalable`) "
        "describe actions no longer listed later (dropped). Only the latest workbook of each PTSM counts for the current indicators, so the "
        "calibration below is untouched; `ptsm_plan_history`, `priority_coverage_monthly` and `action_progress` read "
        "them all.",
        f"- **Survey**: the {tg.SURVEY_2025_WAVE} wave is answered by coordinators in post at the latest roster date "
        "(contract, working time and employer from the roster), with a plausible drift from 2023 (posts made "
        "permanent, more coordinators able to request an ARS envelope, more who can carry out all their missions, a "
        "phone more often provided, salaries a little higher). `survey_wave_comparison` compares it with 2023; the "
        "published figures are compared with the 2023 wave only.",
        "",
    ]
    if calibrated:
        lines += [
            "## Calibration",
            "",
            "Once the pipeline has run, the figures recomputed as `docs/published_comparison.md` says reproduce",
            "`data/reference/published_figures.csv` under the status rules of docs/contract.md §4, with one exception that no "
            "sample of 47 respondents can meet (`survey_vehicule`). `cdc_*` figures are `not_computable` by design.",
            "",
            "| figure | published | in the sample | how |",
            "|---|---|---|---|",
            *(f"| `{f}` | {p} | {v} | {h} |" for f, p, v, h in _CALIBRATION),
            "",
        ]
    else:
        lines += ["## Calibration", "",
                  "**Not calibrated**: this folder was generated with benchmark factors, so its figures do not "
                  "reproduce the published ones.", ""]
    lines += [
        "## Deliberate defects (expected in `quality_report`)",
        "",
        "Each of these rows or files is invalid on purpose; none of them touches a calibrated figure (they sit on "
        "PTSM whose counts are not calibrated, or come on top of the calibrated counts). Row numbers are as a "
        "spreadsheet shows them (CSV: the header is row 1).",
        "",
        "| file | sheet | row | field | value | expected reason |",
        "|---|---|---|---|---|---|",
        *(f"| `{d['file']}` | {d['sheet']} | {d['row']} | `{d['field']}` | `{d['value']}` | {d['reason']} |"
          for d in defects),
        "",
        "Abandoned actions (`Abandonnée`, about one per plan) are valid rows that never count as current actions; "
        "some of them keep funding lines, which never count either. In older snapshots the same actions still show "
        "their earlier status.",
        "",
    ]
    return "\n".join(lines)
