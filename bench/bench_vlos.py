"""Reading a verslag (extract/vlos.py: the sitting, its debates, who spoke and what they said) against lxml's
raw parse of the same bytes (the floor: any reading of the XML costs that), CPU time, median of RUNS, on every
real VLOS file in tests/fixtures/realdocs2/ (the largest a full plenary day of 2014, 1.0 MB).

    python bench/bench_vlos.py [RUNS]     (default 9)
"""

import sys

from _common import ROOT, cpu_ms
from lxml import etree

from watcher.extract.vlos import read_verslag


def main(runs: int = 9) -> None:
    files = sorted((ROOT / "tests" / "fixtures" / "realdocs2").glob("vlos-*.xml"), key=lambda p: -p.stat().st_size)
    print(f"reading a verslag against lxml's parse of it, CPU ms, median of {runs}")
    for path in files:
        data = path.read_bytes()
        floor = cpu_ms(lambda: etree.fromstring(data), runs)
        ours = cpu_ms(lambda: read_verslag(data), runs)
        speeches = len(read_verslag(data).speeches())
        print(f"  {path.name:55s} {len(data) / 1e6:4.2f} MB {speeches:4d} speeches  lxml {floor:6.1f}  "
              f"read_verslag {ours:6.1f}  ratio {ours / floor:4.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
