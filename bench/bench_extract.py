"""Extraction of real PDFs per page, against pdfium's text alone on the same pages (the floor).

Every PDF in tests/fixtures/realdocs*/ (Aanhangsels, Handelingen in two columns, besluitenlijsten), CPU time
per page, median of RUNS:
- pdfium's text (the floor: what any extraction with pypdfium2 costs);
- pdfium's text and each line measured (where it stands, its type size, its small digits);
- the whole extraction (text, footnotes, furniture, paragraphs, labels, facts);
- the whole extraction from the text alone, without the measuring: how watcher read PDFs before.

    python bench/bench_extract.py [RUNS]     (default 5)
"""

import sys

from _common import ROOT, cpu_ms

from watcher.extract.pdf import by_text, extract_pdf, page_texts, read_pages


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    files = sorted((ROOT / "tests" / "fixtures").glob("realdocs*/*.pdf"))
    datas = [path.read_bytes() for path in files]
    pages = sum(len(page_texts(data)) for data in datas)
    figures = {
        "pdfium's text (floor)": lambda: [page_texts(d) for d in datas],
        "text and lines measured": lambda: [read_pages(d) for d in datas],
        "whole extraction": lambda: [extract_pdf(d) for d in datas],
        "whole, from the text alone (before)": lambda: [by_text(page_texts(d)) for d in datas],
    }
    print(f"{len(files)} real PDFs, {pages} pages, median of {runs} runs (CPU)")
    floor = None
    for name, work in figures.items():
        per_page = cpu_ms(work, runs) / pages
        floor = floor or per_page
        print(f"  {name:38s} {per_page:6.2f} ms a page  ({per_page / floor:.2f}x the floor)")


if __name__ == "__main__":
    main()
