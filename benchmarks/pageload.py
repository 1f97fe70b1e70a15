"""How heavy a page of the built site is and how soon its widgets are drawn, in headless Chromium.

Shared by ``benchmarks/bench_page.py`` (which prints and stores the figures) and
``tests/test_page_weight.py`` (which asserts them). Everything is served from a
local ``127.0.0.1`` server; a request for any other host is refused, as with the
network off.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import http.server
import json
import pathlib
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

EXPLORER = ".convlib-explorer"
WIDGET_ID = '"_anywidget_id": "convlib.widgets.'

# Injected before any script of the page runs: records, against the navigation's start, when the
# first widget drawing (an SVG inside an explorer) or error line appears in the document, and when
# each explorer appears.
FIRST_WIDGET = """(() => {
  window.__widgetTimes = [];
  const seen = () => document.querySelector('.convlib-explorer svg, .convlib-explorer .cx-error:not(:empty)');
  const watch = new MutationObserver(() => {
    if (window.__firstWidget === undefined && seen()) window.__firstWidget = performance.now();
    const count = document.querySelectorAll('.convlib-explorer').length;
    while (window.__widgetTimes.length < count) window.__widgetTimes.push(performance.now());
  });
  watch.observe(document, {childList: true, subtree: true});
})();"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextlib.contextmanager
def serve(site: pathlib.Path) -> Iterator[str]:
    """The site on the loopback address, on a free port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def keep_offline(page: Any, site_url: str) -> list[str]:
    """Network off for ``page``: every request for a host other than ``site_url``'s is aborted and its
    address recorded in the returned list (which the caller asserts empty)."""
    host, outside = urlparse(site_url).netloc, []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlparse(url).netloc == host:
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", guard)
    return outside


def widget_count(page_file: pathlib.Path) -> int:
    return page_file.read_text(encoding="utf-8").count(WIDGET_ID)


STATE = re.compile(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', re.S)
VIEW = re.compile(r'<script type="application/vnd.jupyter.widget-view\+json">(.*?)</script>', re.S)


CORE = {"HBoxModel", "VBoxModel", "HTMLModel", "LabelModel", "FloatProgressModel", "IntProgressModel"}


def _drawn_by_the_page(models: dict[str, Any], model_id: str) -> bool:
    """Whether ``book/_ext/static/convbook-widgets.js`` draws this widget itself: a convlib explorer,
    or a box of labels and progress bars (tqdm's)."""
    model = models.get(model_id)
    if model is None:
        return False
    if str(model["state"].get("_anywidget_id", "")).startswith("convlib.widgets."):
        return True
    if model.get("model_module") != "@jupyter-widgets/controls" or model.get("model_name") not in CORE:
        return False
    return all(_drawn_by_the_page(models, str(c).removeprefix("IPY_MODEL_")) for c in model["state"].get("children", []))


def has_foreign_widget(html: str) -> bool:
    """Whether the page shows a widget that its own script does not draw: such a page also loads the
    widget manager."""
    models: dict[str, Any] = {}
    for state in STATE.findall(html):
        models.update(json.loads(state)["state"])
    return not all(_drawn_by_the_page(models, json.loads(view)["model_id"]) for view in VIEW.findall(html))


def heaviest_widget_chapter(site: pathlib.Path) -> pathlib.Path:
    """The chapter page with widgets that weighs most (a built chapter even in a one-chapter build)."""
    pages = [p for p in sorted((site / "chapters").glob("[0-9][0-9]-*.html")) if widget_count(p)]
    if not pages:
        raise LookupError(f"no chapter page with a widget in {site}")
    return max(pages, key=lambda p: p.stat().st_size)


def load(browser: Any, url: str, widgets: int, timeout_ms: int = 60_000) -> dict[str, Any]:
    """Open ``url`` in a fresh context (empty cache) and wait until all ``widgets`` are drawn and the
    network is idle. Returns the time to the first drawn widget, to all of them and to ``load`` (ms,
    from the navigation's start), and every response with its size in bytes."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responses: list[tuple[str, int, int]] = []

    def finished(request: Any) -> None:
        if request.url.startswith(("data:", "blob:")):
            return
        response = request.response()
        sizes = request.sizes()
        responses.append((request.url, response.status if response else 0, sizes["responseBodySize"]))

    outside = keep_offline(page, url)
    page.on("requestfinished", finished)
    page.add_init_script(FIRST_WIDGET)
    try:
        page.goto(url, wait_until="load", timeout=timeout_ms)
        page.wait_for_function(f"document.querySelectorAll('{EXPLORER} .cx-controls').length >= {widgets}"
                               f" && document.querySelectorAll('{EXPLORER} svg').length >= 1", timeout=timeout_ms)
        times = page.evaluate(f"""() => ({{first: window.__firstWidget, all: window.__widgetTimes[{widgets} - 1],
            load: performance.getEntriesByType('navigation')[0].loadEventEnd}})""")
        with contextlib.suppress(Exception):
            page.wait_for_load_state("networkidle", timeout=10_000)
        drawn = page.evaluate(f"document.querySelectorAll('{EXPLORER} .cx-controls').length")
    finally:
        context.close()
    return {"first_widget_ms": times["first"], "all_widgets_ms": times["all"], "load_ms": times["load"],
            "widgets": drawn, "responses": responses, "outside": outside}


def weight(responses: list[tuple[str, int, int]]) -> dict[str, int]:
    """Bytes loaded, in all and per kind of file (by extension)."""
    kinds: dict[str, int] = collections.Counter()
    for url, _status, size in responses:
        name = urlparse(url).path.rsplit("/", 1)[-1]
        kinds[name.rsplit(".", 1)[-1] if "." in name else "html"] += size
    return {"total": sum(kinds.values()), **dict(kinds.most_common())}


def heaviest(responses: list[tuple[str, int, int]], site_url: str, n: int = 6) -> list[tuple[str, int]]:
    return [(url.replace(site_url, "").split("?")[0], size) for url, _s, size in sorted(responses, key=lambda r: -r[2])[:n]]


def folder_digests(site: pathlib.Path) -> dict[str, list[pathlib.Path]]:
    """Folders of the site (with at least one file below them) grouped by the digest of their
    content: every file's path relative to the folder and its bytes. A group of two or more is a
    folder copied to several places."""
    digests: dict[pathlib.Path, hashlib._Hash] = {}
    files = sorted(p for p in site.rglob("*") if p.is_file())
    by_folder: dict[pathlib.Path, list[pathlib.Path]] = collections.defaultdict(list)
    for path in files:
        for parent in path.parents:
            if parent == site or not parent.is_relative_to(site):
                break
            by_folder[parent].append(path)
    file_digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    for folder, inside in by_folder.items():
        h = hashlib.sha256()
        for path in inside:
            h.update(f"{path.relative_to(folder)}\0{file_digest[path]}\n".encode())
        digests[folder] = h
    groups: dict[str, list[pathlib.Path]] = collections.defaultdict(list)
    for folder, h in digests.items():
        groups[h.hexdigest()].append(folder)
    return groups


def duplicated_folders(site: pathlib.Path) -> list[list[pathlib.Path]]:
    """Sets of folders with identical content (outermost ones only: the copies of a copied folder's
    sub-folders are not listed again), largest first."""
    groups = [sorted(g) for g in folder_digests(site).values() if len(g) > 1]
    dup = {f for g in groups for f in g}
    outer = [g for g in groups if not all(any(p in dup for p in f.parents) for f in g)]
    return sorted(outer, key=lambda g: -folder_bytes(g[0]))


def folder_bytes(folder: pathlib.Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def duplicated_files(site: pathlib.Path, at_least: int = 10_000) -> list[list[pathlib.Path]]:
    """Sets of files (``at_least`` bytes each) with identical content, largest first."""
    by_digest: dict[str, list[pathlib.Path]] = collections.defaultdict(list)
    for path in site.rglob("*"):
        if path.is_file() and path.stat().st_size >= at_least:
            by_digest[hashlib.sha256(path.read_bytes()).hexdigest()].append(path)
    return sorted((sorted(g) for g in by_digest.values() if len(g) > 1), key=lambda g: -g[0].stat().st_size)
