"""Weight of the site and of a chapter page, and time to its first drawn widget, in headless Chromium.

    .venv/bin/python benchmarks/bench_page.py [--site _build/html] [--chapter 10-depthwise-separable] [--repeat 5]

The site is served from a local ``127.0.0.1`` server (no other host answers), and
the chapter is opened ``--repeat`` times, each time in a fresh browser context
(empty cache), at 1280 px. Printed and written to ``benchmarks/results/page-load.txt``
with the machine named:

* the time from the navigation's start to the first drawn widget (an SVG in an
  explorer), to all of the page's widgets drawn, and to the ``load`` event
  (median and worst of the runs); target: first widget within 1.5 s;
* the bytes the page loads, in all and by kind of file, and its heaviest files;
* the size of the site, and every set of folders with identical content (target:
  none) and of identical files of 10 kB or more.

Without ``--chapter`` it opens the heaviest chapter page that has widgets.
Debian's ``chromium`` drives the browser (never a downloaded one).
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import shutil
import statistics
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parent))

import pageload  # noqa: E402
from bench_book import machine  # noqa: E402  (the machine line every benchmark result starts with)

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "page-load.txt"
TARGET_MS = 1500.0
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def mb(n: float) -> str:
    return f"{n / 2**20:.2f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=pathlib.Path, default=ROOT / "_build" / "html")
    parser.add_argument("--chapter", help="chapter page stem, e.g. 10-depthwise-separable")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").exists():
        raise SystemExit(f"no built site at {site}: run `make book` (or pass --site)")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    page_file = site / "chapters" / f"{args.chapter}.html" if args.chapter else pageload.heaviest_widget_chapter(site)
    widgets = pageload.widget_count(page_file)
    named = machine()

    from playwright.sync_api import sync_playwright

    runs = []
    with pageload.serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        for _ in range(args.repeat):
            runs.append(pageload.load(browser, f"{url}/chapters/{page_file.name}", widgets))
            print(f"first widget {runs[-1]['first_widget_ms']:.0f} ms, all {runs[-1]['all_widgets_ms']:.0f} ms, "
                  f"load {runs[-1]['load_ms']:.0f} ms", flush=True)
        browser.close()
    last = runs[-1]
    if last["outside"]:
        raise SystemExit(f"the page asked for other hosts: {last['outside'][:5]}")
    weight = pageload.weight(last["responses"])
    heavy = pageload.heaviest(last["responses"], url)
    first = [r["first_widget_ms"] for r in runs]
    every = [r["all_widgets_ms"] for r in runs]
    loaded = [r["load_ms"] for r in runs]
    site_bytes = pageload.folder_bytes(site)
    folders = pageload.duplicated_folders(site)
    files = pageload.duplicated_files(site)
    wasted = sum(pageload.folder_bytes(g[0]) * (len(g) - 1) for g in folders)

    def rel(path: pathlib.Path) -> str:
        return str(path.relative_to(site)) + "/"

    verdict = "meets" if statistics.median(first) <= TARGET_MS else "MISSES"
    lines = [
        f"# page weight and time to first widget, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"# machine: {named}; Chromium {_chromium_version(chromium)}, headless, 1280 px, fresh context (empty cache) per run",
        f"# site: {site} (tree as of {_head()}); page: chapters/{page_file.name}, {widgets} widgets",
        f"first widget drawn: median {statistics.median(first):.0f} ms, worst {max(first):.0f} ms over {len(runs)} loads "
        f"(target for the median {TARGET_MS:.0f} ms: {verdict})",
        f"all {widgets} widgets drawn: median {statistics.median(every):.0f} ms; load event: median {statistics.median(loaded):.0f} ms",
        f"page weight: {mb(weight['total'])} in {len(last['responses'])} requests ("
        + ", ".join(f"{k} {mb(v)}" for k, v in weight.items() if k != "total" and v >= 10_000) + ")",
        "heaviest: " + ", ".join(f"{name} {mb(size)}" for name, size in heavy),
        f"site: {mb(site_bytes)}; folders with identical content: {len(folders)} sets ({mb(wasted)} in the extra copies; target: none)",
    ]
    lines += [f"  same content: {', '.join(rel(f) for f in g)} ({mb(pageload.folder_bytes(g[0]))} each)" for g in folders[:5]]
    lines.append(f"identical files of 10 kB or more: {len(files)} sets"
                 + (f", e.g. {', '.join(str(f.relative_to(site)) for f in files[0][:3])}" if files else ""))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


def _chromium_version(path: str) -> str:
    done = subprocess.run([path, "--version"], capture_output=True, text=True)
    return done.stdout.strip().split()[-1] if done.returncode == 0 and done.stdout.strip() else "unknown"


def _head() -> str:
    done = subprocess.run(["git", "log", "-1", "--format=%h"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


if __name__ == "__main__":
    main()
