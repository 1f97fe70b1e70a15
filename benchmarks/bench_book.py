"""Wall time of `make book`: from clean, after a prose change, after a code change.

    .venv/bin/python benchmarks/bench_book.py [--chapter 02-arithmetic]

The three builds run in a snapshot of the working tree (its tracked and
untracked, not ignored, files, and the vendored widget files) in a temporary
folder, with the project's venv and with that snapshot's ``convlib`` first on
``PYTHONPATH``. So the edits below never touch the chapters in the working tree,
and edits that others make meanwhile do not disturb the measurement.

1. ``make book`` from clean (no ``_build``; the venv and ``book/vendor`` present):
   every chapter executed, in parallel, into the execution cache.
2. One sentence appended to the chapter's prose: nothing may execute.
3. One code cell appended to the chapter: that chapter alone re-executes.

Targets (the platform issue): 5 minutes from clean, 30 s after a prose change,
and after a code change the chapter's own execution time plus 30 s. The
chapter file is restored after each edit, and the snapshot is removed. The
times, the machine, and which chapters were built (stubs named) go to
``benchmarks/results/book-build.txt``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "book-build.txt"
PROSE = "\n\nThis sentence was added by the build benchmark.\n"
CODE = '\n\n```{code-cell} ipython3\nprint("added by the build benchmark")\n```\n'
STUB_LINES = 40  # a chapter this short is a stub still being written


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = pathlib.Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.node()}: {model}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
            f"Python {platform.python_version()}, load average {load:.1f} at the start")


def snapshot(target: pathlib.Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                            capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    shutil.copytree(ROOT / "book" / "vendor", target / "book" / "vendor")
    (target / ".venv").symlink_to(ROOT / ".venv")


CPU: list[float] = []  # CPU seconds (user + system) of each build and every process it started


def build(tree: pathlib.Path, env: dict[str, str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["make", "book"], cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-6000:] + done.stderr[-6000:])
        raise SystemExit(f"make book failed in the snapshot {tree}")
    return seconds, done.stdout


def executed(log: str) -> dict[str, float]:
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"cache: chapters/(\S+)\.ipynb executed in ([\d.]+) s", log)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="02-arithmetic", help="the chapter whose prose and code are changed")
    args = parser.parse_args()
    if not (ROOT / ".venv" / ".installed").exists() or not (ROOT / "book" / "vendor" / "widgets").exists():
        raise SystemExit("run `make book` once first: this measures builds with the venv and book/vendor present")
    named = machine()
    chapters = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
    stubs = [c.stem for c in chapters if len(c.read_text().splitlines()) < STUB_LINES]
    with tempfile.TemporaryDirectory(prefix="bench-book-") as tmp:
        tree = pathlib.Path(tmp)
        snapshot(tree)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")]))}
        chapter = tree / "chapters" / f"{args.chapter}.md"
        original = chapter.read_text()

        clean, log = build(tree, env)
        times = executed(log)
        print(f"clean: {clean:.1f} s, {len(times)} chapters executed", flush=True)
        try:
            chapter.write_text(original + PROSE)
            prose, log = build(tree, env)
            assert not executed(log), f"a prose change re-executed {sorted(executed(log))}"
            print(f"prose change: {prose:.1f} s", flush=True)
            chapter.write_text(original + CODE)
            code, log = build(tree, env)
            assert sorted(executed(log)) == [args.chapter], f"a code change re-executed {sorted(executed(log))}"
            code_exec = executed(log)[args.chapter]
            print(f"code change: {code:.1f} s ({args.chapter} executed in {code_exec:.1f} s)", flush=True)
        finally:
            chapter.write_text(original)

    def verdict(ok: bool) -> str:
        return "meets the target" if ok else "MISSES the target"

    built = ", ".join(c.stem[:2] + (" (stub)" if c.stem in stubs else "") for c in chapters)
    slowest = sorted(times.items(), key=lambda kv: -kv[1])[:3]
    text = (
        f"# make book, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n"
        f"# machine: {named}\n"
        f"# chapters built: {len(chapters)} ({built}); the tree as of {_head()}, plus uncommitted work\n"
        f"# executed in parallel, {os.environ.get('JOBS') or os.cpu_count()} at a time; slowest: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in slowest) + "\n"
        f"make book from clean (venv and book/vendor present, every chapter executed): {clean:.1f} s "
        f"(target 300 s: {verdict(clean <= 300)})\n"
        f"make book after a prose change in {args.chapter} (nothing executed): {prose:.1f} s "
        f"(target 30 s: {verdict(prose <= 30)})\n"
        f"make book after a code change in {args.chapter} (it alone executed, {code_exec:.1f} s): {code:.1f} s "
        f"(target {code_exec:.1f} + 30 s: {verdict(code <= code_exec + 30)})\n"
        f"# CPU time of the three builds (all their processes): " + ", ".join(f"{c:.0f} s" for c in CPU)
        + " (wall time on an idle machine is about CPU time / cores for the parallel part)\n"
    )
    print(text, end="")
    OUT.write_text(text)


def _head() -> str:
    done = subprocess.run(["git", "log", "-1", "--format=%h"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
