"""Issue 21 §4: the first link of every report page and of the home page skips the navigation to the page's
<main> (WCAG 2.4.1), and the target exists exactly once."""

from __future__ import annotations

import re

from nbformat.v4 import new_markdown_cell, new_notebook

from pipelines.lib.reports.notebooks import _nav, index_html, to_html


def first_link_and_targets(page: str) -> tuple[str, list[str]]:
    body = page[page.index("<body"):]
    first = re.search(r'<a\b[^>]*href="([^"]+)"[^>]*>([^<]*)</a>', body)
    return (first.group(1), first.group(2)), re.findall(r'<main\b[^>]*\bid="([^"]+)"', body)


def test_a_report_page_starts_with_a_skip_link_to_its_main():
    page = to_html(new_notebook(cells=[new_markdown_cell("# Titre")]), title="Titre",
                   nav=_nav("01_x", [("01_x", "Rapport — sous-titre")]))
    (href, text), mains = first_link_and_targets(page)
    assert (href, text) == ("#contenu", "Aller au contenu") and mains == ["contenu"]


def test_the_home_page_starts_with_a_skip_link_to_its_main(tmp_path):
    (href, text), mains = first_link_and_targets(index_html([("01_x", "Rapport — sous-titre", "résumé")],
                                                            tmp_path, tmp_path))
    assert (href, text) == ("#contenu", "Aller au contenu") and mains == ["contenu"]
