"""Wall time of `make book` with the venv already present.

    .venv/bin/python benchmarks/bench_book.py

Runs `make book` once (the venv and vendored widget files are reused, every
chapter is executed) and writes the time to ``benchmarks/results/book-build.txt``.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import platform
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "book-build.txt"


def main() -> None:
    if not (ROOT / ".venv" / ".installed").exists():
        raise SystemExit("run `make book` once first: this measures a build with the venv present")
    start = time.perf_counter()
    subprocess.run(["make", "book"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    chapters = len(list((ROOT / "chapters").glob("[0-9][0-9]-*.md")))
    text = (f"# make book, {datetime.date.today()}, {platform.machine()} with {os.cpu_count()} cores\n"
            f"make book (venv present, {chapters} chapters executed): {seconds:.1f} s\n")
    print(text, end="")
    OUT.write_text(text)


if __name__ == "__main__":
    main()
