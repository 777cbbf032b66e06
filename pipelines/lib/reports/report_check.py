"""Look at the rendered reports the way a reader does: headless Chromium, network cut, two widths.

Used by `tests/test_reports_render.py` and by hand to make the screenshots a review needs:

    uv run python -m pipelines.lib.reports.report_check data/reports --screenshots /tmp/shots

prints, per report and width, console errors, requests that tried to leave the folder, charts not drawn and pairs of
overlapping texts within one chart, toolbars left in English or linking to Plotly's site, and writes full-page screenshots (`<report>-<width>.png`) plus one per figure
(`<report>-<width>-figNN.png`). Exit status 1 when anything is wrong. Uses Debian's /usr/bin/chromium (never a
downloaded browser).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Plotly's English toolbar titles; one of them on a page means the French locale or our config did not apply.
# "Share chart..." uploads the chart to Plotly Cloud (plotly.js 3 shows it unless `showSendToCloud` is off).
ENGLISH_TOOLBAR = ("Download plot as a png", "Download plot as a PNG", "Download plot", "Share chart...",
                   "Zoom in", "Zoom out", "Autoscale", "Reset axes", "Pan", "Box Select", "Lasso Select",
                   "Produced with Plotly.js", "Edit in Chart Studio", "Reset view")
WIDTHS = (1400, 1000)

# Runs in the page: every Plotly chart, whether it drew its traces, and the overlapping pairs of visible texts
# (tick labels, axis and legend titles, legend entries, bar labels, annotations; hover labels excluded).
INSPECT_JS = """
() => {
  const visible = (el) => {
    for (let n = el; n && n.nodeType === 1; n = n.parentNode) {
      const st = getComputedStyle(n);
      if (st.display === 'none' || st.visibility === 'hidden' || parseFloat(st.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0.5 && r.height > 0.5 && el.textContent.trim() !== '';
  };
  return [...document.querySelectorAll('.js-plotly-plot')].map((gd, i) => {
    const drawn = gd.querySelectorAll('.main-svg .trace path, .main-svg .heatmaplayer image, .main-svg .hm image').length;
    const texts = [...gd.querySelectorAll('svg text')].filter(t => !t.closest('.hoverlayer') && visible(t));
    const boxes = texts.map(t => ({text: t.textContent.trim().slice(0, 40), r: t.getBoundingClientRect()}));
    const overlaps = [];
    for (let a = 0; a < boxes.length; a++) {
      for (let b = a + 1; b < boxes.length; b++) {
        const p = boxes[a].r, q = boxes[b].r;
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > 1) overlaps.push(`${boxes[a].text} | ${boxes[b].text}`);
      }
    }
    const toolbar = [...gd.querySelectorAll('.modebar-btn')].map(b => b.getAttribute('data-title') || '');
    const links = [...gd.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
    return {index: i, drawn, texts: boxes.length, overlaps, toolbar, links};
  });
}
"""


@dataclass
class PageCheck:
    report: str
    width: int
    errors: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)

    @property
    def undrawn(self) -> list[int]:
        return [c["index"] for c in self.charts if c["drawn"] == 0]

    @property
    def overlaps(self) -> dict[int, list[str]]:
        return {c["index"]: c["overlaps"] for c in self.charts if c["overlaps"]}

    @property
    def english_toolbar(self) -> dict[int, list[str]]:
        """Per chart, its English toolbar titles and its links to Plotly's site (logo, cloud)."""
        found = {}
        for c in self.charts:
            bad = [t for t in c.get("toolbar", []) if t in ENGLISH_TOOLBAR]
            bad += [h for h in c.get("links", []) if "plotly.com" in h or "plot.ly" in h]
            if bad:
                found[c["index"]] = bad
        return found

    @property
    def ok(self) -> bool:
        return not (self.errors or self.outside_requests or self.undrawn or self.overlaps or self.english_toolbar)


def check_page(browser, page_file: Path, width: int, screenshots: Path | None = None) -> PageCheck:
    """Open one report offline at `width` px and inspect it (optionally writing screenshots)."""
    result = PageCheck(report=page_file.stem, width=width)
    context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            result.outside_requests.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: result.errors.append(str(e)))
    page.goto(Path(page_file).resolve().as_uri())
    if "plotly-graph-div" in Path(page_file).read_text(encoding="utf-8"):
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    page.wait_for_timeout(500)
    result.charts = page.evaluate(INSPECT_JS)
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshots / f"{page_file.stem}-{width}.png"), full_page=True)
        for i, element in enumerate(page.locator("figure").all()):
            element.screenshot(path=str(screenshots / f"{page_file.stem}-{width}-fig{i + 1:02d}.png"))
    context.close()
    return result


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description="Inspecte les rapports HTML dans Chromium sans réseau.")
    parser.add_argument("reports_dir", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args(argv)
    pages = sorted(args.reports_dir.glob("*.html"))
    failed = False
    with sync_playwright() as p:
        browser = launch(p)
        for page_file in pages:
            for width in WIDTHS:
                check = check_page(browser, page_file, width, args.screenshots)
                status = "ok" if check.ok else "PROBLÈME"
                print(f"{check.report} à {width} px : {len(check.charts)} graphiques, {status}")
                for label, value in (("erreurs console", check.errors), ("requêtes hors du dossier", check.outside_requests),
                                     ("graphiques non dessinés", check.undrawn), ("textes qui se chevauchent", check.overlaps),
                                     ("barre d'outils en anglais ou liens vers Plotly", check.english_toolbar)):
                    if value:
                        print(f"  {label} : {value}")
                failed |= not check.ok
        browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
