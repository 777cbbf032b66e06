"""Words chosen from values: the one place where a French sentence gets its quantifier, agreement and trend word.

Why: a notebook once typed "La moitié des PTSM … couvrent au moins 6 priorités sur 6" while 87 % did (issue 21 §1).
A quantifier typed next to a computed number drifts from it as soon as the data change; here the words are
a function of the value, through one threshold table whose edges are tested (tests/test_prose.py), and
`quantifier_is_true` lets a checker verify any produced sentence against its number.
"""

from __future__ import annotations

import functools
import re
from fractions import Fraction

from pipelines.lib.reports.formatting import YEARS, fr_num, fr_pct, is_missing

# (lower bound included, upper bound excluded, words). Each label is true over its whole interval.
# 0 and 1 exactly are handled apart ("aucun", "tous"), and so is exactly one half ("la moitié").
QUANTIFIERS: list[tuple[Fraction, Fraction, str]] = [
    (Fraction(0), Fraction(1, 4), "moins d'un quart"),
    (Fraction(1, 4), Fraction(1, 3), "entre un quart et un tiers"),
    (Fraction(1, 3), Fraction(9, 20), "plus d'un tiers"),
    (Fraction(9, 20), Fraction(1, 2), "près de la moitié"),
    (Fraction(1, 2), Fraction(2, 3), "plus de la moitié"),
    (Fraction(2, 3), Fraction(17, 20), "la plupart"),
    (Fraction(17, 20), Fraction(19, 20), "près de neuf sur dix"),
    (Fraction(19, 20), Fraction(1), "presque tous"),
]
SMALL_BASE = 5  # under this base a share is written "1 PTSM sur 1", never as a percentage


def quantifier(n: int, base: int) -> str:
    """The French quantifier for n out of base (exact arithmetic: 1/2 is "la moitié", 0 "aucun", base "tous")."""
    if base <= 0 or n < 0 or n > base:
        raise ValueError(f"Part impossible : {n} sur {base}")
    share = Fraction(n, base)
    if share == 0:
        return "aucun"
    if share == 1:
        return "tous"
    exact = {Fraction(1, 2): "la moitié", Fraction(1, 3): "un tiers", Fraction(1, 4): "un quart"}
    if share in exact:
        return exact[share]
    for low, high, words in QUANTIFIERS:
        if low <= share < high:
            return words
    raise AssertionError(share)  # pragma: no cover - the table covers (0, 1)


def quantifier_is_true(words: str, n: int, base: int) -> bool:
    """Whether `words` may describe n out of base: the checker used on every sentence the helper produces."""
    return quantifier(n, base) == words


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """`1 PTSM`, `2 PTSM`, `0 action`, `3 actions`: French agreement (0 and 1 take the singular)."""
    plural = plural if plural is not None else (singular if singular.endswith(("s", "x", "M")) else singular + "s")
    return f"{fr_num(n)} {singular if abs(n) < 2 else plural}"


def share_text(n: int, base: int, noun: str = "PTSM") -> str:
    """`1 PTSM sur 1` when the base is under SMALL_BASE (a percentage of 1 or 2 misleads), else `87 % (90 sur 104)`."""
    if is_missing(n) or is_missing(base) or base <= 0:
        return "inconnu"
    if base < SMALL_BASE:
        return f"{count_noun(n, noun)} sur {fr_num(base)}"
    return f"{fr_pct(n / base)} ({fr_num(n)} sur {fr_num(base)})"


def quantified_subject(n: int, base: int, noun_plural: str = "PTSM") -> str:
    """Subject phrase with its quantifier, capitalised: `La plupart des PTSM`, `Tous les PTSM`, `Aucun PTSM`.

    The verb agrees in the plural except after "aucun" (use `verb_agrees`)."""
    words = quantifier(n, base)
    if words == "aucun":
        phrase = f"aucun {noun_plural}"
    elif words == "tous":
        phrase = f"tous les {noun_plural}"
    elif words == "presque tous":
        phrase = f"presque tous les {noun_plural}"
    elif words == "près de neuf sur dix":
        phrase = f"près de neuf {noun_plural} sur dix"
    else:
        phrase = f"{words} des {noun_plural}"
    return phrase[0].upper() + phrase[1:]


def verb_agrees(n: int, base: int, singular: str, plural: str) -> str:
    """`ne couvre` after "aucun", the plural form otherwise."""
    return singular if quantifier(n, base) == "aucun" else plural


def trend(change: float, tolerance: float = 0.0) -> str:
    """`en hausse`, `en baisse` or `stable` (|change| ≤ tolerance)."""
    if is_missing(change):
        return "inconnu"
    if change > tolerance:
        return "en hausse"
    if change < -tolerance:
        return "en baisse"
    return "stable"


# ---------------------------------------------------------------- internal names in what a reader sees

# An identifier of the code (mart or column name, a notebook parameter) is noise to a reader of a ministry page: it
# belongs in the data dictionary. The only place a page may print one is the list of files it offers for download,
# where the file is named by its mart (each item links to `donnees/`).
# a segment of a file path (`fiches_actions/PTSM-12_….xlsx`, the coordinator's own file named in a review) is not
# a code identifier: it is what the reader finds on their disk
_IDENTIFIER = re.compile(r"(?<![/\w])[a-z][a-z0-9]*_[a-z0-9_]+\b(?!/)|\bREGION\b")


def internal_names(page_html: str, soup=None) -> list[str]:
    """The code identifiers a reader sees on a page (snake_case words, `REGION`), with their context; download lists
    excepted. Scripts, styles, chart data and hidden hover texts are not read. `soup`: the page already parsed by
    BeautifulSoup (the page check parses each page once for this and its links), which this call takes apart."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser") if soup is None else soup
    for hidden in soup(["script", "style", "noscript"]):
        hidden.decompose()
    for item in soup.find_all("li"):
        if item.find("a", href=re.compile(r"(^|/)donnees/")):
            item.decompose()
    text = re.sub(r"\s+", " ", soup.get_text(" "))
    producers = _producer_columns()
    return [text[max(0, m.start() - 60):m.end() + 20] for m in _IDENTIFIER.finditer(text)
            if m.group(0) not in producers]


def _producer_columns() -> set[str]:
    """The column headers of the templates the coordinators fill (`montant_eur`, `num_action`): their own words, which
    a review's data-quality table names so they can find the cell; never a mart's."""
    from pipelines.lib.catalogue.catalogue import sheets

    return {column.name for sheet in sheets() for column in sheet.columns}


# ---------------------------------------------------------------- acronyms: expanded at first use, listed in a glossary

# Text inside these elements is not prose to expand: code, links, headings, titles, scripts, chart SVG, abbreviations
# already marked, the site navigation.
_NOT_PROSE = {"script", "style", "code", "a", "abbr", "h1", "h2", "h3", "h4", "h5", "h6", "title", "svg", "nav",
              "button", "select", "option", "textarea", "head"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")


def _prose_segments(page_html: str):
    """(start, end) of each text run of the page that is prose (outside `_NOT_PROSE` elements), in reading order."""
    depth: dict[str, int] = {}
    position = 0
    lowered = page_html.lower()  # once a page, not once a script (a page of charts has one script per chart)
    for tag in _TAG.finditer(page_html):
        if not any(depth.values()) and tag.start() > position:
            yield position, tag.start()
        name = tag.group(2).lower()
        if name in _NOT_PROSE and not tag.group(3):
            depth[name] = max(0, depth.get(name, 0) + (-1 if tag.group(1) else 1))
            if name in ("script", "style") and not tag.group(1):  # their content may hold "<": jump to the end tag
                end = lowered.find(f"</{name}", tag.end())
                position = tag.end() if end < 0 else end
                continue
        position = tag.end()
    if not any(depth.values()) and position < len(page_html):
        yield position, len(page_html)


@functools.lru_cache(maxsize=2)
def _prose_spans(page_html: str) -> tuple[tuple[int, int], ...]:
    """`_prose_segments` of a page, computed once: the page check reads the same page's prose for its numbers, its
    dates written as numbers and its acronyms (three walks of ~1 MB pages before)."""
    return tuple(_prose_segments(page_html))


# A number of four digits or more written without the narrow no-break space between thousands ("3313 actions"):
# `fr_num` writes 3 313. Years (1900-2100) are written whole, as are codes glued to letters, hyphens or slashes
# (R3224-5, PTSM-35, a release id) and dates; `formatting.fr_integer` writes sentences by the same rule.
_BARE_NUMBER = re.compile(r"(?<![\w.,\-/\u202f\u00a0])\d{4,}(?![\w\-/]|[.,]\d)")


def unformatted_numbers(page_html: str) -> list[str]:
    """The numbers of the page's prose and tables written without French thousands separators, with their context
    (French public-statistics convention: 3 313, not 3313). Scripts, styles, links and chart SVG are not read."""
    import html

    found = []
    for start, end in _prose_spans(page_html):
        text = html.unescape(page_html[start:end])
        for match in _BARE_NUMBER.finditer(text):
            digits = match.group(0)
            if len(digits) == 4 and int(digits) in YEARS:
                continue
            found.append(re.sub(r"\s+", " ", text[max(0, match.start() - 40):match.end() + 20]).strip())
    return found


# A date written as a number: an instant in milliseconds (13 digits) or nanoseconds (19 digits since 1970) that a
# table received instead of the date (numpy's datetime64.item() is an integer of nanoseconds). No figure the
# observatory publishes reaches a thousand billion, so any number of 13 digits or more is one, bare or grouped by
# thousands as fr_num writes it (1 640 908 800 000 000 000).
_TIMESTAMP_NUMBER = re.compile(r"(?<![\w.,\-/\u202f\u00a0])(?:\d{1,3}(?:[\u202f\u00a0]\d{3}){4,}|\d{13,})"
                               r"(?![\w\-/]|[.,]\d)")


def timestamp_numbers(page_html: str) -> list[str]:
    """The numbers of 13 digits or more in the page's prose and tables (a date shown as its count of milliseconds or
    nanoseconds), with their context. Scripts, styles, links and chart SVG are not read."""
    import html

    found = []
    for start, end in _prose_spans(page_html):
        text = html.unescape(page_html[start:end])
        for match in _TIMESTAMP_NUMBER.finditer(text):
            found.append(re.sub(r"\s+", " ", text[max(0, match.start() - 40):match.end() + 20]).strip())
    return found


@functools.lru_cache(maxsize=None)
def _acronym_pattern(acronym: str) -> re.Pattern:
    """Compiled once per acronym: every page checks every acronym on every prose segment (~1.4 million look-ups on
    a release's 129 pages)."""
    return re.compile(rf"(?<![\w\-]){re.escape(acronym)}(?![\w\-])")


def expand_acronyms(page_html: str, glossary: dict[str, str] | None = None) -> str:
    """Each acronym of the glossary, at its first use in the page's prose: `<abbr title="…">ARS</abbr> (agence
    régionale de santé)`, unless the page already spells the expansion out. Why: a ministry page is read by people
    outside the field (RGAA 4.1, criterion 9.4 best practice; DREES conventions expand acronyms at first use)."""
    import html as html_module

    if glossary is None:
        from pipelines.lib.catalogue.catalogue import glossary as read_glossary

        glossary = read_glossary()
    lowered = page_html.lower()
    inserts: list[tuple[int, int, str]] = []
    segments = _prose_spans(page_html)
    for acronym, meaning in glossary.items():
        if html_module.escape(meaning, quote=False).lower() in lowered or meaning.lower() in lowered:
            continue
        pattern = _acronym_pattern(acronym)
        for start, end in segments:
            found = pattern.search(page_html, start, end)
            if found:
                inserts.append((found.start(), found.end(), f'<abbr title="{html_module.escape(meaning)}">{acronym}</abbr> '
                                                            f"({html_module.escape(meaning, quote=False)})"))
                break
    for start, end, text in sorted(inserts, reverse=True):
        page_html = page_html[:start] + text + page_html[end:]
    return page_html


def unexpanded_acronyms(page_html: str, glossary: dict[str, str] | None = None) -> list[str]:
    """The glossary's acronyms used in the page's prose whose expansion the page never gives (the property
    `expand_acronyms` guarantees, checked on every published page by the tests)."""
    import html as html_module

    if glossary is None:
        from pipelines.lib.catalogue.catalogue import glossary as read_glossary

        glossary = read_glossary()
    lowered = html_module.unescape(page_html).lower()
    segments = _prose_spans(page_html)
    # the prose alone, its segments joined by "<" (neither a word character nor "-": each segment's edges look to
    # the acronym pattern as they do in the page, where a tag or the page's end surrounds them): one search per
    # acronym over the prose, not one per segment, nor one over the scripts' megabytes of chart data
    prose = "<".join(page_html[s:e] for s, e in segments)
    # the expansion looked for first: a page that spells it out needs no search
    return [acronym for acronym, meaning in glossary.items()
            if meaning.lower() not in lowered and _acronym_pattern(acronym).search(prose)]


def glossary_html(glossary: dict[str, str] | None = None) -> str:
    """The home page's list of acronyms (a <dl>, in alphabetical order)."""
    import html as html_module

    if glossary is None:
        from pipelines.lib.catalogue.catalogue import glossary as read_glossary

        glossary = read_glossary()
    items = "".join(f"<dt><abbr>{html_module.escape(a)}</abbr></dt><dd>{html_module.escape(m)}</dd>"
                    for a, m in sorted(glossary.items()))
    return f'<h2 id="sigles">Sigles</h2><dl class="ptsm-glossary">{items}</dl>'


_STRAY = re.compile(r'class="[^"]*jp-RenderedText[^"]*"[^>]*data-mime-type="(?:text/plain|application/vnd\.jupyter\.std(?:err|out))"')


def stray_outputs(page_html: str) -> int:
    """How many raw cell outputs (a bare value, printed text, a warning) a page shows: a reader should only see what
    the report toolkit displays."""
    return len(_STRAY.findall(page_html))
