"""The release's pages checked, printed and rendered several at once (issue 24's speed target) say exactly what one
after the other said: a defect on one of several pages checked at once is reported with its page's name, in site
order; a page that cannot be printed fails the whole set of PDFs and leaves none of them; the home page waits for
the profiles rendered beside the numbered reports.

Hand-made pages, each defect written out; the browser is the real Chromium (report_check.launch).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import budget
from pipelines.lib.reports.report_check import check_site, print_pdfs

PAGE = ('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Rapport {n}</title></head><body>'
        '<main id="contenu"><h1>Rapport {n}</h1><p>Texte du rapport {n}.</p>{body}</main></body></html>')


def _site(tmp_path: Path, bodies: dict[str, str]) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    for n, (name, body) in enumerate(bodies.items(), start=1):
        (site / name).write_text(PAGE.format(n=n, body=body), encoding="utf-8")
    return site


@pytest.mark.slow
def test_one_defect_among_pages_checked_at_once_is_reported_with_its_page(tmp_path, browser):
    # five pages, all opened in the browser (none in a sampled folder), checked two at once; the third throws
    site = _site(tmp_path, {"01_a.html": "", "02_b.html": "", "03_c.html": '<script>throw new Error("boum")</script>',
                            "04_d.html": "", "index.html": '<p><a href="01_a.html">Premier rapport</a></p>'})
    result = check_site(site, workers=2)
    assert result.browser_pages == ["01_a.html", "02_b.html", "03_c.html", "04_d.html", "index.html"]
    assert [(f.page, f.check, f.blocking) for f in result.findings] == [("03_c.html", "page_error", True)]
    assert "boum" in result.findings[0].detail
    assert result.failure_message().splitlines()[0].endswith("03_c.html : erreur de script — "
                                                              + result.findings[0].detail)
    # the same findings, in the same order, as the pages checked one after the other in one browser
    one_by_one = check_site(site, chromium=browser)
    assert one_by_one.browser_pages == result.browser_pages and one_by_one.findings == result.findings


@pytest.mark.slow
def test_a_page_that_cannot_be_printed_fails_the_set_and_leaves_no_pdf(tmp_path):
    site = _site(tmp_path, {"01_a.html": "", "02_b.html": "", "03_c.html": "", "index.html": ""})
    (site / "regions").mkdir()
    (site / "regions" / "84.html").write_text(PAGE.format(n=84, body=""), encoding="utf-8")
    printed = print_pdfs(site, workers=2)
    # every report and profile beside its page, in page order; the home page is not printed
    assert printed == [site / "01_a.pdf", site / "02_b.pdf", site / "03_c.pdf", site / "regions" / "84.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF-") for p in printed)
    for pdf in printed:
        pdf.unlink()
    # a page announcing Plotly charts whose bytes are not UTF-8: reading it back after the load fails
    (site / "02_b.html").write_bytes(PAGE.format(n=2, body='<div class="plotly-graph-div"></div>').encode("utf-8")
                                     + b"\xff\xfe")
    with pytest.raises(UnicodeDecodeError) as failed:
        print_pdfs(site, workers=2)
    assert any("02_b.html" in note for note in getattr(failed.value, "__notes__", []))
    assert sorted(site.rglob("*.pdf")) == []  # none of the pages printed before or beside it is left
    assert sorted(p.name for p in site.rglob("*")) == ["01_a.html", "02_b.html", "03_c.html", "84.html",
                                                       "index.html", "regions"]  # no temporary file either


@pytest.mark.slow
def test_the_release_step_prints_the_pdfs_with_the_checking_browsers_before_following_links(tmp_path):
    # each report links its own PDF, which exists only once printed: the static link check runs after the printing
    site = _site(tmp_path, {"01_a.html": '<p><a href="01_a.pdf">Version PDF</a></p>',
                            "02_b.html": '<p><a href="02_b.pdf">Version PDF</a></p>',
                            "index.html": '<p><a href="01_a.html">Premier rapport</a></p>'})
    result = check_site(site, workers=2, print_first=True)
    assert result.findings == [] and result.browser_pages == ["01_a.html", "02_b.html", "index.html"]
    assert sorted(p.name for p in site.glob("*.pdf")) == ["01_a.pdf", "02_b.pdf"]
    # without the printing, the same pages link to nothing
    for pdf in site.glob("*.pdf"):
        pdf.unlink()
    assert [(f.page, f.check) for f in check_site(site, browser=False).findings] == [
        ("01_a.html", "broken_link"), ("02_b.html", "broken_link")]


def _notebook(path: Path, title: str) -> None:
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}\n\nRésumé du rapport."), new_code_cell("1 + 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.mark.slow
def test_the_home_page_waits_for_the_profiles_and_is_not_written_when_they_fail(tmp_path):
    from nbclient.exceptions import CellExecutionError

    from pipelines.lib.reports.notebooks import NotebookJob
    from pipelines.lib.reports.notebooks import render_notebooks

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_essai.ipynb", "Essai")
    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "manifest.json").write_text('{"release_id": "essai", "marts": []}', encoding="utf-8")
    reports = tmp_path / "reports"
    seen: list[list[str]] = []

    def profile(source: str) -> NotebookJob:
        nb = new_notebook(cells=[new_code_cell(source)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        return NotebookJob("profil 84", nb, lambda _: seen.append(sorted(p.name for p in reports.glob("*.html"))))

    with pytest.raises(CellExecutionError, match="profil 84 en échec"):
        render_notebooks(notebooks, reports, marts, profiles=[profile("raise RuntimeError('profil 84 en échec')")])
    assert seen == [] and (reports / "01_essai.html").is_file()  # the report is written, the profile failed ...
    assert not (reports / "index.html").exists()  # ... and no home page lists what is not there
    render_notebooks(notebooks, reports, marts, profiles=[profile("1 + 1")], kernels=2)
    assert seen == [["01_essai.html"]]  # the profile was written before the home page ...
    assert (reports / "index.html").is_file()  # ... which followed


RACE = """
import sys, threading
sys.path.insert(0, {root!r})
if {preload}:
    from pipelines.lib.reports.notebooks import import_renderers
    import_renderers()
errors, barrier = [], threading.Barrier(2)
def profiles():  # what the profiles' thread imports first (regional_profiles, notebooks.template_css)
    barrier.wait()
    try:
        from nbformat.v4 import new_notebook  # noqa: F401
    except Exception as exc:
        errors.append(repr(exc))
def reports():  # what the numbered reports' thread imports first (notebooks.execute_notebook, notebook_kernel)
    barrier.wait()
    try:
        import nbformat  # noqa: F401
        from nbclient import NotebookClient  # noqa: F401
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=profiles), threading.Thread(target=reports)]
[t.start() for t in threads]
[t.join() for t in threads]
print(errors[0] if errors else "ok")
"""


@pytest.mark.slow
def test_the_two_kernels_threads_never_import_nbformat_at_once():
    """render_all runs the profiles' kernel in a thread beside the numbered reports'. In a fresh interpreter, two
    threads importing nbformat at the same moment break each other ("partially initialized module 'nbformat.reader'"),
    which failed a release's pages; render_all imports the renderers first (notebooks.import_renderers). Without the
    preload the race shows (the reproduction); with it, both threads import cleanly, every time."""
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[1])

    def run(preload: bool) -> str:
        return subprocess.run([sys.executable, "-c", RACE.format(root=root, preload=preload)], capture_output=True,
                              text=True, check=True).stdout.strip()

    # fresh interpreters, ~2 s each: 2 + 2 by default, 3 + 10 with the long budgets (tests/budget.py)
    without = [run(False) for _ in range(3 if budget.LONG else 2)]
    assert any("partially initialized module" in out for out in without), without
    clean = 10 if budget.LONG else 2
    assert [run(True) for _ in range(clean)] == ["ok"] * clean
