"""Sphinx extension for the book: widgets that work with no network at all.

The html-manager that renders Jupyter widgets on a static page normally loads
require.js, itself and third-party widget code (anywidget) from CDNs. This
extension serves all of it from the site's own ``widgets/`` folder, which
``make vendor`` fills and ``html_extra_path`` copies to the site root:

* each page that holds a widget gets ``require.js`` and ``embed-amd.js`` with
  ``data-jupyter-widgets-cdn`` set to the page-relative path of ``widgets/``,
  and ``data-jupyter-widgets-cdn-only`` so that nothing is asked of a CDN;
* the html-manager's icon fonts are resolved relative to the page, under
  ``@jupyter-widgets/`` and ``@jupyter-widgets/html-manager/dist/``, so they
  are copied there for every folder that holds pages.
"""

from __future__ import annotations

import pathlib
import shutil
from typing import Any

from sphinx.application import Sphinx

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
FONT_SUFFIXES = {".woff", ".woff2", ".ttf", ".eot", ".svg"}
FONT_FOLDERS = ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist")


def _dedupe_scripts(context: dict[str, Any]) -> None:
    """Drop repeated inline scripts (sphinx-thebe adds its settings twice, a page error)."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = getattr(script, "attributes", {}).get("body") or str(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"][:] = kept  # in place: add_js_file appends to this very list


def _add_widget_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    _dedupe_scripts(context)
    body = context.get("body", "")
    if WIDGET_MIME not in body:
        return
    root = context["pathto"]("widgets/", 1)
    app.add_js_file("../widgets/require.js", priority=900)
    app.add_js_file("../widgets/embed-amd.js", priority=901,
                    **{"data-jupyter-widgets-cdn": root, "data-jupyter-widgets-cdn-only": "true"})


def _copy_fonts(app: Sphinx, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    fonts = [f for f in (out / "widgets").glob("*") if f.suffix in FONT_SUFFIXES]
    for folder in {p.parent for p in out.rglob("*.html")} - {out / "widgets"}:
        if any(folder.is_relative_to(out / skip) for skip in ("_static", "_sources", "widgets")):
            continue
        for sub in FONT_FOLDERS:
            (folder / sub).mkdir(parents=True, exist_ok=True)
            for font in fonts:
                shutil.copy2(font, folder / sub / font.name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _add_widget_scripts)
    app.connect("build-finished", _copy_fonts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
