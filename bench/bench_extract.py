"""Extraction of real files against the raw library each format rests on (the floor), CPU time.

- PDF, every real PDF in tests/fixtures/realdocs*/ (Aanhangsels, Handelingen in two columns, besluitenlijsten),
  per page: pdfium's text alone (the floor: what any extraction with pypdfium2 costs); pdfium's text with each
  line measured (where it stands, its type size, its small digits); the whole extraction (text, footnotes,
  furniture, paragraphs, labels, facts); the whole extraction from the text alone, without the measuring.
- KOOP XML, every real officiele-publicatie file there (Kamerstukken, Handelingen, Staatsblad, gemeenteblad):
  lxml's parse with the text walked (the floor), against the whole extraction.
- HTML, the real KOOP pages: selectolax's parse (the floor), against the whole extraction.

Each run times every figure once, one after the other, so a machine that slows down slows them all; the
figures are medians of RUNS.

    python bench/bench_extract.py [RUNS]     (default 5)
"""

import statistics
import sys
import time

from _common import ROOT

from watcher.extract._xmlsafe import parse
from watcher.extract.html import extract_html
from watcher.extract.pdf import by_text, extract_pdf, page_texts, read_pages
from watcher.extract.xml import extract_xml

FIXTURES = ROOT / "tests" / "fixtures"


def _cpu(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _measured(figures: dict, runs: int) -> dict[str, float]:
    """The median CPU seconds of each figure, the figures timed in turn within each run."""
    times: dict[str, list[float]] = {name: [] for name in figures}
    for work in figures.values():
        work()  # warm: imports, caches
    for _ in range(runs):
        for name, work in figures.items():
            times[name].append(_cpu(work))
    return {name: statistics.median(values) for name, values in times.items()}


def _print(figures: dict[str, float], unit: float, what: str) -> None:
    floor = next(iter(figures.values()))
    for name, seconds in figures.items():
        print(f"  {name:38s} {seconds * 1000 / unit:7.2f} ms {what}  ({seconds / floor:.2f}x the floor)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    pdfs = [p.read_bytes() for p in sorted(FIXTURES.glob("realdocs*/*.pdf"))]
    pages = sum(len(page_texts(data)) for data in pdfs)
    print(f"PDF: {len(pdfs)} real PDFs, {pages} pages, median of {runs} runs (CPU)")
    _print(_measured({
        "pdfium's text (floor)": lambda: [page_texts(d) for d in pdfs],
        "text and lines measured": lambda: [read_pages(d) for d in pdfs],
        "whole extraction": lambda: [extract_pdf(d) for d in pdfs],
        "whole, from the text alone": lambda: [by_text(page_texts(d)) for d in pdfs],
    }, runs), pages, "a page")

    koop = sorted(p for p in [*FIXTURES.glob("realdocs*/*.xml"), *FIXTURES.glob("ob/real_op_xml_*.xml")]
                  if not p.name.startswith("vlos"))  # a verslag has its own reader and bench (bench_vlos.py)
    xmls = [p.read_bytes() for p in koop]
    print(f"KOOP XML: {len(xmls)} real files, {sum(map(len, xmls)) // 1024} KiB")
    _print(_measured({
        "lxml's parse and text walk (floor)": lambda: [" ".join(parse(d).itertext()) for d in xmls],
        "whole extraction": lambda: [extract_xml(d) for d in xmls],
    }, runs * 3), len(xmls), "a file")

    from selectolax.lexbor import LexborHTMLParser

    htmls = [p.read_bytes() for p in sorted(FIXTURES.glob("ob/real_repo_html_*.html"))]
    print(f"HTML: {len(htmls)} real pages, {sum(map(len, htmls)) // 1024} KiB")
    _print(_measured({
        "selectolax's parse (floor)": lambda: [LexborHTMLParser(d) for d in htmls],
        "whole extraction": lambda: [extract_html(d) for d in htmls],
    }, runs * 10), len(htmls), "a page")


if __name__ == "__main__":
    main()
