"""The quantifier table on its edges, agreement, small bases, and a checker over every sentence the helper makes."""

import pytest

from pipelines.lib.reports.prose import (count_noun, quantified_subject, quantifier, quantifier_is_true, share_text,
                                         trend)


@pytest.mark.parametrize("n,base,words", [
    (0, 104, "aucun"), (1, 104, "moins d'un quart"), (24, 100, "moins d'un quart"),
    (25, 100, "un quart"), (26, 100, "entre un quart et un tiers"), (1, 3, "un tiers"), (1, 4, "un quart"), (34, 100, "plus d'un tiers"), (32, 99, "entre un quart et un tiers"),
    (44, 100, "plus d'un tiers"), (45, 100, "près de la moitié"), (49, 100, "près de la moitié"),
    (50, 100, "la moitié"), (51, 100, "plus de la moitié"), (65, 99, "plus de la moitié"), (2, 3, "la plupart"),
    (84, 100, "la plupart"), (85, 100, "près de neuf sur dix"), (90, 104, "près de neuf sur dix"),
    (94, 100, "près de neuf sur dix"), (95, 100, "presque tous"), (99, 100, "presque tous"), (104, 104, "tous"),
])
def test_threshold_edges(n, base, words):
    assert quantifier(n, base) == words


def test_the_synthese_case_is_not_half():
    """Issue 21 §1: 90 of 104 cover all six priorities; "la moitié" is false."""
    assert not quantifier_is_true("la moitié", 90, 104)
    assert quantified_subject(90, 104) == "Près de neuf PTSM sur dix"


def test_impossible_share_is_refused():
    with pytest.raises(ValueError, match="impossible"):
        quantifier(5, 4)


def test_agreement_and_small_bases():
    assert count_noun(1, "PTSM") == "1 PTSM"
    assert count_noun(2, "action") == "2 actions"
    assert count_noun(0, "action") == "0 action"
    assert share_text(1, 1) == "1 PTSM sur 1"
    assert share_text(0, 2) == "0 PTSM sur 2"
    assert share_text(90, 104) == "87\u202f% (90 sur 104)"
    assert quantified_subject(0, 3) == "Aucun PTSM"
    assert quantified_subject(3, 3) == "Tous les PTSM"


def test_trend_words():
    assert [trend(0.1), trend(-0.1), trend(0.0), trend(0.01, tolerance=0.02)] == [
        "en hausse", "en baisse", "stable", "stable"]


def _expected_by_hand(share: float) -> str:
    """An independent reading of the thresholds, in percent, to check every produced quantifier."""
    if share == 0:
        return "aucun"
    if share == 1:
        return "tous"
    for exact, words in [(1 / 2, "la moitié"), (1 / 3, "un tiers"), (1 / 4, "un quart")]:
        if abs(share - exact) < 1e-12:
            return words
    for limit, words in [(25, "moins d'un quart"), (100 / 3, "entre un quart et un tiers"), (45, "plus d'un tiers"),
                         (50, "près de la moitié"), (200 / 3, "plus de la moitié"), (85, "la plupart"),
                         (95, "près de neuf sur dix"), (100, "presque tous")]:
        if share * 100 < limit - 1e-9:
            return words
    raise AssertionError(share)


def test_every_sentence_agrees_with_its_number():
    """Property: for every n of every base up to 120, the subject phrase's quantifier is true of n/base."""
    for base in range(1, 121):
        for n in range(base + 1):
            subject = quantified_subject(n, base).lower().replace("neuf ptsm sur dix", "neuf sur dix")
            assert subject.startswith(_expected_by_hand(n / base)), (n, base, subject)


def test_no_quantifier_is_typed_in_a_notebook():
    """Issue 21 §1: quantifiers come from reports.prose, never typed next to a number (00 typed "La moitié des PTSM")."""
    import json
    import re
    from pathlib import Path

    typed = re.compile(r"la moitié|la plupart|un tiers|un quart|neuf sur dix|presque tous|en hausse|en baisse", re.I)
    root = Path(__file__).resolve().parents[1] / "notebooks"
    found = []
    for path in sorted(root.rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            found += [(path.name, m) for m in typed.findall("".join(cell["source"]))]
    assert found == []


def test_internal_names_are_found_in_prose_headings_and_tables_but_not_in_download_lists():
    from pipelines.lib.reports.prose import internal_names

    page = ("<h2>Comparaison (<code>published_comparison</code>)</h2><p>exécuté avec le paramètre REGION</p>"
            "<table><tr><td>statut not_computable</td></tr></table>"
            "<ul><li><code>ptsm_overview</code> : <a href='donnees/ptsm_overview.csv'>CSV</a></li></ul>"
            "<script>var survey_results = 1;</script><p>Taux de vacance : 14,4 % (15 sur 104)</p>")
    found = internal_names(page)
    assert len(found) == 3
    assert any("published_comparison" in f for f in found) and any("REGION" in f for f in found)
    assert any("not_computable" in f for f in found)
    assert not any("ptsm_overview" in f or "survey_results" in f for f in found)


def test_a_page_in_plain_french_has_no_internal_name():
    from pipelines.lib.reports.prose import internal_names

    assert internal_names("<h1>Vacance des postes</h1><p>Au 31 mars 2024, 15 PTSM sur 104 n'ont pas de "
                          "coordonnateur en poste (Île-de-France, Provence-Alpes-Côte d'Azur).</p>") == []


GLOSSARY = {"ARS": "agence régionale de santé", "PTSM": "projet territorial de santé mentale"}


def test_an_acronym_is_expanded_at_its_first_use_in_prose_only():
    from pipelines.lib.reports.prose import expand_acronyms, unexpanded_acronyms

    page = ('<html><head><title>PTSM</title><script>var a = "<b>ARS</b>";</script></head><body><nav><a href="x">'
            'PTSM</a></nav><main><h1>Les PTSM</h1><p>Le PTSM-35 et les ARS.</p><p>Chaque PTSM compte ; l\'ARS aussi.'
            '</p><code>ARS</code></main></body></html>')
    assert unexpanded_acronyms(page, GLOSSARY) == ["ARS", "PTSM"]
    out = expand_acronyms(page, GLOSSARY)
    # the title, script, navigation, heading, "PTSM-35" (an identifier) and code are left alone
    assert out == page.replace("les ARS.", 'les <abbr title="agence régionale de santé">ARS</abbr> (agence régionale '
                                           "de santé).").replace(
        "Chaque PTSM compte", 'Chaque <abbr title="projet territorial de santé mentale">PTSM</abbr> (projet '
                              "territorial de santé mentale) compte")
    assert unexpanded_acronyms(out, GLOSSARY) == []
    assert expand_acronyms(out, GLOSSARY) == out  # already spelled out: nothing added twice


def test_the_glossary_lists_every_acronym_in_order():
    from pipelines.lib.reports.prose import glossary_html

    assert glossary_html(GLOSSARY) == ('<h2 id="sigles">Sigles</h2><dl class="ptsm-glossary"><dt><abbr>ARS</abbr></dt>'
                                       "<dd>agence régionale de santé</dd><dt><abbr>PTSM</abbr></dt><dd>projet "
                                       "territorial de santé mentale</dd></dl>")


def test_a_bare_cell_output_is_counted_and_the_renderer_drops_it():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from pipelines.lib.reports.notebooks import to_html
    from pipelines.lib.reports.prose import stray_outputs

    cell = new_code_cell("rep.table(...)")
    cell.outputs = [new_output("execute_result", data={"text/plain": "1"}, execution_count=1),
                    new_output("display_data", data={"text/html": "<p>Tableau 1</p>", "text/plain": "<HTML>"})]
    nb = new_notebook(cells=[cell])
    from pipelines.lib.reports.notebooks import html_exporter

    raw, _ = html_exporter().from_notebook_node(nbformat.from_dict(nb))
    assert stray_outputs(raw) == 1  # what the pages showed before
    page = to_html(nb, title="t")
    assert stray_outputs(page) == 0 and "<p>Tableau 1</p>" in page


def test_a_file_path_the_coordinator_sent_is_not_an_internal_name():
    from pipelines.lib.reports.prose import internal_names

    assert internal_names("<p>Problèmes du fichier fiches_actions/PTSM-12_aveyron_fiches.xlsx : ligne 4.</p>") == []
    assert len(internal_names("<p>Voir le mart ptsm_overview.</p>")) == 1
