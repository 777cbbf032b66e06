"""Look at the PTSM reviews the way a reader does, and print them: headless Chromium (Debian's /usr/bin/chromium, never
a downloaded browser), network cut, one browser for all pages.

A review has no chart, so the reports' chart checks (pipelines/lib/reports/report_check.py) find nothing to draw;
what can go wrong on a page of tables is text running over other text or past the screen: `INSPECT_JS` measures both.
`--pdf DIR` prints them too (pipelines/lib/reviews/printing.py), the A4 PDF a review is delivered as.

    uv run python -m pipelines.lib.reviews.review_check data/reports/ptsm [--screenshots DIR] [--pdf DIR]

prints, per review and width, console errors, requests that tried to leave the folder, overflow, overlapping texts and
texts past the main column;
exit status 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.lib.reports.report_check import ESCAPE_JS, launch, open_offline
from pipelines.lib.reviews.printing import print_pdfs

WIDTHS = (1400, 390)  # a desktop screen and a phone

# Leaf boxes holding text (cells, headings, paragraphs...): any two that overlap, neither inside the other, and
# whether the page is wider than the window (text cut or a sideways scroll of the whole page). Texts past the main
# column: report_check.ESCAPE_JS.
INSPECT_JS = """
() => {
  const picked = [...document.querySelectorAll('h1,h2,h3,p,li,dt,dd,th,td,caption,a,code,strong,footer')]
    .filter(el => el.textContent.trim() !== '' && el.getClientRects().length > 0);
  // an inline element broken over two lines has one rectangle per line: compare those, not its bounding box
  const boxes = picked.map(el => ({el, rs: [...el.getClientRects()], text: el.textContent.trim().slice(0, 40)}));
  const meet = (p, q) => Math.min(p.right, q.right) - Math.max(p.left, q.left) > 1
                         && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 1;
  const overlaps = [];
  for (let a = 0; a < boxes.length; a++) {
    for (let b = a + 1; b < boxes.length; b++) {
      const p = boxes[a], q = boxes[b];
      if (p.el.contains(q.el) || q.el.contains(p.el)) continue;
      if (p.rs.some(x => q.rs.some(y => meet(x, y)))) overlaps.push(`${p.text} | ${q.text}`);
    }
  }
  const doc = document.documentElement;
  return {overlaps: overlaps.slice(0, 20), overflow: doc.scrollWidth > window.innerWidth + 1,
          lang: doc.getAttribute('lang'), h1: document.querySelectorAll('h1').length,
          uncaptioned: [...document.querySelectorAll('table')].filter(t => !t.querySelector('caption')).length};
}
"""


@dataclass
class ReviewCheck:
    page: str
    width: int
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    overlaps: list[str] = field(default_factory=list)
    overflow: bool = False
    escaped: list[str] = field(default_factory=list)  # texts past the right edge of the main column
    structure: list[str] = field(default_factory=list)  # missing lang="fr", not one h1, a table without caption

    @property
    def ok(self) -> bool:
        return not (self.errors or self.outside_requests or self.overlaps or self.overflow or self.escaped
                    or self.structure)

    def problems(self) -> dict[str, object]:
        found = {"erreurs console": self.errors, "requêtes hors du dossier": self.outside_requests,
                 "textes qui se chevauchent": self.overlaps, "page plus large que l'écran": self.overflow,
                 "textes qui débordent de la colonne": self.escaped,
                 "structure": self.structure}
        return {label: value for label, value in found.items() if value}


def check_review(browser, page_file: Path, width: int, screenshots: Path | None = None) -> ReviewCheck:
    """Open one review offline at `width` px and inspect it (optionally writing a full-page screenshot)."""
    result = ReviewCheck(page=Path(page_file).stem, width=width)
    context, page = open_offline(browser, page_file, width, result.errors, result.outside_requests)
    found = page.evaluate(INSPECT_JS)
    result.overlaps, result.overflow = found["overlaps"], found["overflow"]
    result.escaped = page.evaluate(ESCAPE_JS)  # the release's page check's own rule (report_check)
    if found["lang"] != "fr":
        result.structure.append(f"lang={found['lang']!r}")
    if found["h1"] != 1:
        result.structure.append(f"{found['h1']} titres h1")
    if found["uncaptioned"]:
        result.structure.append(f"{found['uncaptioned']} tableaux sans légende")
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots / f"{result.page}-{width}.png"), full_page=True)
    context.close()
    return result


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Inspecte les bilans de PTSM dans Chromium sans réseau.")
    parser.add_argument("reviews_dir", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    parser.add_argument("--pdf", type=Path, default=None, help="dossier où imprimer chaque bilan en PDF A4")
    args = parser.parse_args(argv)
    failed = False
    with sync_playwright() as p:
        browser = launch(p)
        for page_file in sorted(args.reviews_dir.glob("*.html")):
            for width in WIDTHS:
                check = check_review(browser, page_file, width, args.screenshots)
                print(f"{check.page} à {width} px : {'ok' if check.ok else 'PROBLÈME'}")
                for label, value in check.problems().items():
                    print(f"  {label} : {value}")
                failed |= not check.ok
        browser.close()
    if args.pdf is not None:
        print_pdfs(sorted(args.reviews_dir.glob("*.html")), args.pdf)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
