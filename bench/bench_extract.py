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

With --instructions, each figure is counted in instructions instead (valgrind's callgrind, a process of its own
for each: the count of RUNS rounds less that of one, so the start and the imports fall out). A count is the
same from run to run whatever else the machine does, where CPU time here drifts by tens of percent; it weighs
a cache miss as one instruction, so it is a second view, not the time.

    python bench/bench_extract.py [RUNS]                   (default 5)
    python bench/bench_extract.py --instructions [RUNS]    (default 3; needs valgrind)
"""

import statistics
import sys
import time

from _common import ROOT, child_instructions

FIXTURES = ROOT / "tests" / "fixtures"


def _pdfs() -> list[bytes]:
    return [p.read_bytes() for p in sorted(FIXTURES.glob("realdocs*/*.pdf"))]


def _xmls() -> list[bytes]:
    koop = sorted(p for p in [*FIXTURES.glob("realdocs*/*.xml"), *FIXTURES.glob("ob/real_op_xml_*.xml")]
                  if not p.name.startswith("vlos"))  # a verslag has its own reader and bench (bench_vlos.py)
    return [p.read_bytes() for p in koop]


def _htmls() -> list[bytes]:
    return [p.read_bytes() for p in sorted(FIXTURES.glob("ob/real_repo_html_*.html"))]


def figures() -> dict[str, tuple[str, dict]]:
    """Each format: (what its unit is, {figure: work}), the floor first."""
    from selectolax.lexbor import LexborHTMLParser

    from watcher.extract._xmlsafe import parse
    from watcher.extract.html import extract_html
    from watcher.extract.pdf import by_text, extract_pdf, page_texts, read_pages
    from watcher.extract.xml import extract_xml

    pdfs, xmls, htmls = _pdfs(), _xmls(), _htmls()
    return {
        "PDF": ("a page", {
            "pdfium's text (floor)": lambda: [page_texts(d) for d in pdfs],
            "text and lines measured": lambda: [read_pages(d) for d in pdfs],
            "whole extraction": lambda: [extract_pdf(d) for d in pdfs],
            "whole, from the text alone": lambda: [by_text(page_texts(d)) for d in pdfs],
        }),
        "KOOP XML": ("a file", {
            "lxml's parse and text walk (floor)": lambda: [" ".join(parse(d).itertext()) for d in xmls],
            "whole extraction": lambda: [extract_xml(d) for d in xmls],
        }),
        "HTML": ("a page", {
            "selectolax's parse (floor)": lambda: [LexborHTMLParser(d) for d in htmls],
            "whole extraction": lambda: [extract_html(d) for d in htmls],
        }),
    }


def _units() -> dict[str, tuple[int, str]]:
    from watcher.extract.pdf import page_texts

    pdfs, xmls, htmls = _pdfs(), _xmls(), _htmls()
    pages = sum(len(page_texts(data)) for data in pdfs)
    return {"PDF": (pages, f"{len(pdfs)} real PDFs, {pages} pages"),
            "KOOP XML": (len(xmls), f"{len(xmls)} real files, {sum(map(len, xmls)) // 1024} KiB"),
            "HTML": (len(htmls), f"{len(htmls)} real pages, {sum(map(len, htmls)) // 1024} KiB")}


# How many rounds of a format make one of the runs (the small files are timed in more rounds).
ROUNDS = {"PDF": 1, "KOOP XML": 3, "HTML": 10}


def _cpu(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def _measured(work: dict, rounds: int) -> dict[str, float]:
    """The median CPU seconds of each figure, the figures timed in turn within each run."""
    times: dict[str, list[float]] = {name: [] for name in work}
    for each in work.values():
        each()  # warm: imports, caches
    for _ in range(rounds):
        for name, each in work.items():
            times[name].append(_cpu(each))
    return {name: statistics.median(values) for name, values in times.items()}


def _print(figures: dict[str, float], unit: float, what: str, measure: str = "ms") -> None:
    floor = next(iter(figures.values()))
    for name, amount in figures.items():
        shown = f"{amount * 1000 / unit:7.2f} ms" if measure == "ms" else f"{amount / unit / 1e6:7.2f} M instructions"
        print(f"  {name:38s} {shown} {what}  ({amount / floor:.2f}x the floor)")


def _counted(fmt: str, name: str, rounds: int) -> int:
    """Instructions of `rounds` rounds of one figure, in a process of its own."""
    return child_instructions([sys.executable, __file__, "--one", fmt, name, str(rounds)])


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--one"]:  # a figure's rounds, counted by callgrind from outside
        fmt, name, rounds = args[1], args[2], int(args[3])
        work = figures()[fmt][1][name]
        work()  # warm, as the timed runs are
        for _ in range(rounds):
            work()
        return
    counting = args[:1] == ["--instructions"]
    if counting:
        args = args[1:]
    runs = int(args[0]) if args else (3 if counting else 5)
    if counting and runs < 2:
        raise SystemExit("--instructions counts RUNS runs less one: give 2 or more")
    units = _units()
    for fmt, (what, work) in figures().items():
        unit, described = units[fmt]
        rounds = runs * ROUNDS[fmt]
        if counting:
            print(f"{fmt}: {described}, instructions of {runs} runs less one's (callgrind)")
            counts = {name: (_counted(fmt, name, rounds) - _counted(fmt, name, ROUNDS[fmt])) / (rounds - ROUNDS[fmt])
                      for name in work}
            _print(counts, unit, what, measure="instructions")
        else:
            print(f"{fmt}: {described}, median of {rounds} runs (CPU)")
            _print(_measured(work, rounds), unit, what)


if __name__ == "__main__":
    main()
