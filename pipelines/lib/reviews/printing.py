"""The A4 PDF of each PTSM review: Chromium's own print of the HTML page (its `@page` and `@media print` rules), so the
PDF and the page never differ. One browser, one offline tab for every page: opening a context per page cost ~0.7 s a
page, one tab ~0.2 s.

Printing runs in a background thread while the notebooks render (`BackgroundPrinter`): the kernel keeps one core
busy, Chromium the other, so the 104 PDFs add little to the release's rendering time.

Where the PDFs go: `<PTSM_MARTS_DIR parent>/bilans/<PTSM-id>.pdf`, beside the release like the feedback pages
(`retours/`), one set for the latest release, swapped in whole once all are printed. Not inside the release: the
104 PDFs weigh ~5 MB and 12 releases are kept, which would break a release's 12 MB budget for its pages (issue 14);
the HTML review in the release is the record, the PDF its printout. Chromium is Debian's
/usr/bin/chromium driven by Playwright; where either is missing (an installation without the browser) the pages are
still written and `available()` says why there is no PDF.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Iterable

from pipelines.lib.core.files import write_atomic
from pipelines.lib.reports.report_check import CHROMIUM, launch

PDF_DIR = "bilans"


def review_pdf_dir(marts_dir: Path) -> Path:
    """Where the latest release's review PDFs are: beside the published marts (as `retours/`)."""
    return Path(marts_dir).parent / PDF_DIR


def swap_in(staging: Path, out: Path) -> None:
    """Replace the folder `out` by `staging` in one rename (a reader never sees half a set of PDFs)."""
    old = out.parent / f".{out.name}-old-{uuid.uuid4().hex}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def available() -> str | None:
    """None when PDFs can be printed, else the French reason why not."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright n'est pas installé : bilans PDF non produits (pages HTML écrites)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"Chromium absent ({CHROMIUM}) : bilans PDF non produits (pages HTML écrites)"
    return None


def print_pdfs(pages: Iterable[Path], out_dir: Path | None = None,
               stop: threading.Event | None = None) -> list[Path]:
    """Print each HTML page to `<out_dir or its folder>/<stem>.pdf` (A4), offline, atomically; one browser for all.
    Once `stop` is set, no further page is printed: the PDFs written so far are returned."""
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(offline=True)
            context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            tab = context.new_page()
            for page in pages:
                if stop is not None and stop.is_set():
                    break
                page = Path(page)
                tab.goto(page.resolve().as_uri())
                pdf = tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
                written.append(write_atomic(Path(out_dir or page.parent) / f"{page.stem}.pdf", pdf, mode=0o644))
        finally:
            browser.close()
    return written


class BackgroundPrinter:
    """`print_pdfs` of `pages` in a thread, into a staging folder beside `out`. `result()` waits and re-raises its
    error (a failed print fails the step); `publish()` then swaps the set in whole, `discard()` drops it (the step
    failed elsewhere: the PDFs of the release still shown stay)."""

    def __init__(self, pages: list[Path], out: Path):
        self.out = Path(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        for leftover in self.out.parent.glob(f".{self.out.name}-*"):  # left by a run killed while printing
            shutil.rmtree(leftover, ignore_errors=True)
        self.staging = self.out.parent / f".{self.out.name}-{uuid.uuid4().hex}"
        self.staging.mkdir()
        self.printed: list[Path] = []
        self.error: BaseException | None = None
        self._stop = threading.Event()  # set by discard(): the pages left are not printed
        self._thread = threading.Thread(target=self._run, args=(pages,), name="ptsm-review-pdf", daemon=True)
        self._thread.start()

    def _run(self, pages: list[Path]) -> None:
        try:
            self.printed = print_pdfs(pages, self.staging, self._stop)
        except BaseException as error:  # re-raised in the caller's thread by result()
            self.error = error

    def join(self) -> None:
        """Wait for the printing to end, without raising (a `finally` that must not hide the first error)."""
        self._thread.join()

    def result(self) -> list[Path]:
        self._thread.join()
        if self.error is not None:
            self.discard()
            raise self.error
        return self.printed

    def publish(self) -> list[Path]:
        """Wait, then replace `out` by the printed set; the PDFs as published."""
        printed = self.result()
        swap_in(self.staging, self.out)
        return [self.out / p.name for p in printed]

    def discard(self) -> None:
        """Stop at the page being printed (the set will not be shown: finishing it would only cost time), wait for
        the browser to close, drop what was printed."""
        self._stop.set()
        self._thread.join()
        shutil.rmtree(self.staging, ignore_errors=True)
