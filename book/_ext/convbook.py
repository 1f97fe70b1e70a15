"""Sphinx extension for the book: widgets that work with no network at all.

Each page that holds a widget gets one small script, ``static/convbook-widgets.js``,
which draws the book's widgets (every one is a ``convlib.widgets.Explorer``, an
anywidget, and tqdm's finished progress bars) from the widget state saved in the
page, each as soon as the parser reaches it (a one-line call follows each
widget's view in the page), with no widget manager: the html-manager's
``embed-amd.js`` (3.5 MB) only starts after the window's ``load`` event, which
kept the first drawing 3 s away. Only a page that also holds another kind of
widget then loads ``require.js`` and ``embed-amd.js`` from the site's own
``widgets/`` folder (``make vendor`` fills it and ``html_extra_path`` copies it
to the site root), with ``data-jupyter-widgets-cdn-only`` so that nothing is
asked of a CDN, and with its modules' addresses (require.js ``paths``) in
``widgets/`` itself, where it then finds its icon fonts: no folder of fonts is
copied next to the pages.

Pages carry no weight they do not use: MathJax is loaded only on a page with
maths; the theme's ``fontawesome.js`` (1.4 MB, which redraws the header's icons
as SVG) is dropped, since the theme's CSS draws the same icons with its web font,
and so are the search scripts and index that every page loaded for a
search-as-you-type that is off.

It also writes the API reference (``book/api.md``): the line
``<!-- convlib-api -->`` there becomes one section per public module of
``convlib``, found by walking the package, so a module a chapter adds appears
with no edit to the page. Each section is the module's docstring, an
``autosummary`` table of its ``__all__`` (or of its public functions and
classes) and each name's ``autodoc`` entry, followed by the chapters whose code
imports or calls that name.

Chapters are numbered from their file name (``chapters/06-dilated`` is chapter 6),
not from their place in the table of contents, which has gaps: the page title,
the sidebar and the browser tab read "6. Dilated (atrous) convolution", and a
``{doc}`` link written without its own text reads "chapter 06, Dilated (atrous)
convolution", as the prose says "chapter 06".
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pathlib
import pkgutil
import re
import shutil
from typing import Any

from sphinx.application import Sphinx

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _dedupe_scripts(context: dict[str, Any]) -> None:
    """Drop repeated inline scripts (sphinx-thebe adds its settings twice, a page error)."""
    seen, kept = set(), []
    for script in context.get("script_files", []):
        key = getattr(script, "attributes", {}).get("body") or str(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"][:] = kept  # in place: add_js_file appends to this very list


MATHJAX_SCRIPTS = ("tex-chtml.js", "window.MathJax = ")


def _script_text(script: Any) -> str:
    return f"{script} {getattr(script, 'attributes', {}).get('body', '')}"


def _add_widget_scripts(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    _dedupe_scripts(context)
    body = context.get("body", "")
    if 'class="math' not in body:  # MathJax (1.1 MB) only where there is maths to typeset
        context["script_files"][:] = [s for s in context["script_files"]
                                      if not any(m in _script_text(s) for m in MATHJAX_SCRIPTS)]
    if WIDGET_MIME not in body:
        return
    # in the head (a small file), so that the call after each widget's view draws it as soon as it is parsed
    app.add_js_file("convbook-widgets.js", priority=400, **{"data-widgets": context["pathto"]("widgets/", 1)})
    context["body"] = WIDGET_VIEW.sub(lambda m: m.group(0) + DRAW_NOW, body)


WIDGET_VIEW = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">.*?</script>', re.S)
DRAW_NOW = "<script>window.convbookDrawWidgets && convbookDrawWidgets()</script>"


CHAPTER_DOC = re.compile(r"^chapters/(\d\d)-")


def chapter_number(docname: str) -> str | None:
    """``"06"`` for ``chapters/06-dilated``; None for a page that is not a chapter."""
    match = CHAPTER_DOC.match(docname)
    return match.group(1) if match else None


def _number_chapter(app: Sphinx, doctree: Any) -> None:
    """Put the chapter's number before its title; runs before Sphinx records the title."""
    from docutils import nodes

    number = chapter_number(app.env.docname)
    if number is None:
        return
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is not None and not title.astext().startswith(f"{int(number)}. "):
            title.insert(0, nodes.Text(f"{int(number)}. "))
        return


def _chapter_links(app: Sphinx, doctree: Any, docname: str) -> None:
    """A ``{doc}`` link to a chapter that shows the numbered title reads "chapter 06, Title" instead."""
    from docutils import nodes

    for ref in list(doctree.findall(nodes.reference)):
        inline = ref.next_node(nodes.inline)
        if inline is None or not {"doc", "std-doc"} & set(inline.get("classes", [])):
            continue
        text = inline.astext()
        match = re.match(r"(\d+)\. (.+)$", text, flags=re.S)
        target = re.search(r"(?:^|/)(\d\d)-[^/]*\.html", ref.get("refuri", ""))
        if match and target and int(target.group(1)) == int(match.group(1)) and len(inline.children) == 1:
            inline.replace(inline.children[0], nodes.Text(f"chapter {int(match.group(1)):02d}, {match.group(2)}"))


FONTAWESOME_JS = re.compile(r'\s*(<!-- So that users can add custom icons -->)?\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')
SEARCH_JS = re.compile(r'\s*<script src="[^"]*(_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"></script>')


def _lighten_pages(app: Sphinx, exc: Exception | None) -> None:
    """Scripts that pydata-sphinx-theme's layout puts in every page and that do nothing here are removed:

    * ``fontawesome.js`` (1.4 MB) only redraws the header's icons as SVG; the theme's CSS already
      draws them with the Font Awesome web font. The script goes from ``_static`` too.
    * Sphinx's search scripts and the whole search index, loaded by every page for the theme's
      search-as-you-type, which is off (``search_as_you_type = false``): the search box opens
      ``search.html``, which loads them itself.
    """
    if exc is not None or app.builder.format != "html":
        return
    out = pathlib.Path(app.outdir)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        lean = FONTAWESOME_JS.sub("", html)
        if page != out / "search.html" and "DOCUMENTATION_OPTIONS.search_as_you_type = false;" in lean:
            lean = SEARCH_JS.sub("", lean)
        if lean != html:
            page.write_text(lean, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map", "fontawesome.js.LICENSE.txt"):
        (out / "_static" / "scripts" / name).unlink(missing_ok=True)


def _citation_list_items(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """docutils writes a bibliography as ``<div role="list">`` of entries with ``role="doc-biblioentry"``,
    which is no list item: axe-core reports the list as broken (critical, aria-required-children).
    The entries become list items; they stay ``div.citation`` with their ids."""
    if 'role="doc-biblioentry"' in context.get("body", ""):
        context["body"] = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')


def _figure_alt(app: Sphinx, doctree: Any, docname: str) -> None:
    """A figure a cell draws gets its text alternative, which the PNG carries (``convlib.viz.style``
    writes it into the ``Description`` text chunk of every figure a chapter shows), as its ``alt``;
    MyST-NB gives such an image none, so the page showed its file name instead."""
    from docutils import nodes
    from PIL import Image

    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if image.get("alt") or not uri.endswith(".png"):
            continue
        path = pathlib.Path(app.srcdir) / uri
        if not path.is_file():
            continue
        with Image.open(path) as png:
            alt = getattr(png, "text", {}).get("Description")
        if alt:
            image["alt"] = alt


API_PAGE = "book/api"
API_MARKER = "<!-- convlib-api -->"
# The order of the reference; modules not listed here follow, by name; course tooling comes last.
API_ORDER = ("arithmetic", "ops", "cost", "timing", "utils", "scene", "viz", "widgets", "separable", "flattened")


def api_modules(package: str = "convlib") -> list[str]:
    """Public modules to document: a package with ``__all__`` as one module, otherwise its public submodules."""
    root = importlib.import_module(package)
    found = [m.name for m in pkgutil.iter_modules(root.__path__) if not m.name.startswith("_")]
    first = [n for n in API_ORDER if n in found]
    ordered = first + sorted(n for n in found if n not in first and n != "course") + (["course"] if "course" in found else [])
    modules: list[str] = []
    for name in ordered:
        module = importlib.import_module(f"{package}.{name}")
        if hasattr(module, "__path__") and not hasattr(module, "__all__"):
            modules += api_modules(module.__name__)
        else:
            modules.append(module.__name__)
    return modules


def public_names(module: Any) -> list[str]:
    """``__all__``, or else the functions and classes the module defines whose names have no leading underscore."""
    if hasattr(module, "__all__"):
        return [n for n in module.__all__ if not inspect.ismodule(getattr(module, n, None))]
    return [n for n, obj in vars(module).items() if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
            and getattr(obj, "__module__", None) == module.__name__]


def _directive(obj: Any) -> str:
    if inspect.isclass(obj):
        return "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def api_markdown() -> str:
    """The reference's sections, in MyST Markdown with reStructuredText blocks for autodoc."""
    parts = []
    for name in api_modules():
        module = importlib.import_module(name)
        rst = [f".. automodule:: {name}", "", f".. currentmodule:: {name}", ""]
        names = public_names(module)
        if names:
            rst += [".. autosummary::", ""] + [f"   {n}" for n in names] + [""]
        for n in names:
            kind = _directive(getattr(module, n))
            rst += [f".. {kind}:: {n}"]
            rst += {"autoclass": ["   :members:"], "autodata": ["   :no-value:"]}.get(kind, [])
            rst += [""]
        parts.append(f"## `{name}`\n\n```{{eval-rst}}\n" + "\n".join(rst) + "\n```\n")
    return "\n".join(parts)


def _code_cells(path: pathlib.Path) -> list[str]:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells if c["cell_type"] == "code"]
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def _resolve(dotted: str) -> Any:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return obj
    return None


def convlib_uses(cells: list[str]) -> set[int]:
    """ids of the convlib objects that a notebook's code cells import or reach through an attribute of convlib."""
    trees = []
    for code in cells:
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in code.splitlines())
        try:
            trees.append(ast.parse(code))
        except SyntaxError:
            continue
    tree = ast.Module(body=[node for t in trees for node in t.body], type_ignores=[])
    aliases: dict[str, str] = {}
    dotted: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "convlib":
                    aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else "convlib"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "convlib" and not node.level:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
                dotted.append(f"{node.module}.{a.name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, inner = [node.attr], node.value
            while isinstance(inner, ast.Attribute):
                chain.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name) and inner.id in aliases:
                dotted.append(".".join([aliases[inner.id], *reversed(chain)]))
    used = set()
    for name in dotted:
        obj = _resolve(name)
        if obj is not None and not inspect.ismodule(obj):
            used.add(id(obj))
    return used


def _chapter_uses(app: Sphinx) -> dict[int, list[str]]:
    cached = getattr(app, "_convbook_uses", None)
    if cached is None:
        cached = {}
        folder = pathlib.Path(app.srcdir) / "chapters"
        for path in sorted(folder.glob("[0-9][0-9]-*.*")):
            if path.suffix not in {".ipynb", ".md"}:
                continue
            for ident in convlib_uses(_code_cells(path)):
                cached.setdefault(ident, []).append(path.stem)
        app._convbook_uses = cached  # type: ignore[attr-defined]
    return cached


def _data_docs(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Data a package re-exports: its ``#:`` comment where it is assigned, not the docstring of its type."""
    from sphinx.pycode import ModuleAnalyzer

    if what != "data" or lines[:1] != (inspect.getdoc(type(obj)) or "").splitlines()[:1]:
        return
    package_name, attr = name.rsplit(".", 1)
    package = importlib.import_module(package_name)
    lines[:] = []
    for sub in pkgutil.iter_modules(getattr(package, "__path__", [])):
        module = importlib.import_module(f"{package_name}.{sub.name}")
        docs = ModuleAnalyzer.for_module(module.__name__).find_attr_docs().get(("", attr))
        if docs and vars(module).get(attr) is obj:
            lines[:] = [line for line in docs if line is not None]
            return


def _napoleon_except_data(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    # Napoleon reads the first line of a data docstring as "type: text" ("Tag: a code cell ..."
    # becomes a type named "Tag"); data and attribute docstrings are plain prose here.
    from sphinx.ext import napoleon

    if what not in {"data", "attribute"}:
        napoleon._process_docstring(app, what, name, obj, options, lines)


def _wrap_napoleon(app: Sphinx) -> None:
    from sphinx.ext import napoleon

    listeners = app.events.listeners.get("autodoc-process-docstring", [])
    for index, listener in enumerate(listeners):
        if listener.handler is napoleon._process_docstring:
            listeners[index] = listener._replace(handler=_napoleon_except_data)


def _api_source(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname == API_PAGE and API_MARKER in source[0]:
        source[0] = source[0].replace(API_MARKER, api_markdown())


def _api_chapters(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """After each documented name: the chapters whose code uses it, linked."""
    if what not in {"function", "class", "data"} or not name.startswith("convlib."):
        return
    stems = _chapter_uses(app).get(id(obj), [])
    if not stems:
        return
    links = ", ".join(f":doc:`{stem[:2]} </chapters/{stem}>`" for stem in stems)
    lines += ["", f"*Used in chapter{'s' if len(stems) > 1 else ''}* {links}."]


STATIC = pathlib.Path(__file__).parent / "static"


def _copy_static(app: Sphinx, exc: Exception | None) -> None:
    """The book's own CSS and JavaScript (``book/_ext/static``), linked from every page, into ``_static``.

    Copied here rather than through ``html_static_path``, whose copy skips the files that Jupyter
    Book's ``exclude_patterns`` name (every file outside the table of contents)."""
    if exc is not None or app.builder.format != "html":
        return
    for path in STATIC.iterdir():
        shutil.copy2(path, pathlib.Path(app.outdir) / "_static" / path.name)


LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url")


def _launch_config(app: Sphinx, config: Any) -> None:
    """Launch buttons only where they can work (README, "For instructors: publishing the book").

    Binder, Colab and JupyterHub open a chapter's notebook from the repository that holds the built site
    (``repository.url`` at ``repository.branch``, the site's own ``_sources/chapters/NN.ipynb``), and
    that notebook installs convlib from the site's address (``html.baseurl``): with either unset, no
    launch button is shown; with no ``launch_buttons.jupyterhub_url``, no JupyterHub button."""
    options = config.html_theme_options
    launch = dict(options.get("launch_buttons") or {})
    if not (options.get("repository_url") or "").strip() or not (config.html_baseurl or "").strip():
        for key in LAUNCH_SERVICES:
            launch.pop(key, None)
        options.pop("repository_url", None)
    options["launch_buttons"] = {k: v for k, v in launch.items() if k not in LAUNCH_SERVICES or (v or "").strip()}


def _launch_on_chapters_only(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Only chapters get launch buttons: their notebooks install convlib when it is missing. The other
    notebook pages (the performance appendix) are Markdown sources that Colab cannot open."""
    if chapter_number(pagename) is None and "header_buttons" in context:
        context["header_buttons"][:] = [b for b in context["header_buttons"] if b.get("label") != "launch-buttons"]


def _copy_wheel(app: Sphinx, exc: Exception | None) -> None:
    """The convlib wheel that ``prepare.py sources`` put in ``_wheels/`` goes to ``_static/wheels/``:
    a chapter opened away from the repository installs it from there (its set-up cell)."""
    if exc is not None or app.builder.format != "html":
        return
    wheels = sorted((pathlib.Path(app.srcdir) / "_wheels").glob("convlib-*.whl"))
    if not wheels:
        raise RuntimeError("no convlib wheel in the sources' _wheels/: build with `make book` (prepare.py sources)")
    target = pathlib.Path(app.outdir) / "_static" / "wheels"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for wheel in wheels:
        shutil.copy2(wheel, target / wheel.name)


def _self_contained_downloads(app: Sphinx, exc: Exception | None) -> None:
    """Each chapter's downloadable notebook (``_sources/chapters/NN.ipynb``) carries its exercise figures.

    The site's chapter sources point at image files (``figures/NN-exercise-figure-1.png``), since
    MyST-NB renders no cell attachments; a notebook downloaded alone, or opened by a launch button,
    would show a broken image there. ``convlib.course.homework.files_to_attachments`` puts each such
    image back into its markdown cell as a PNG attachment, as in the student edition."""
    if exc is not None or app.builder.format != "html":
        return
    import nbformat

    from convlib.course.homework import files_to_attachments

    for path in sorted((pathlib.Path(app.outdir) / "_sources" / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        whole = files_to_attachments(nb, pathlib.Path(app.srcdir) / "chapters")
        if whole != nb:
            nbformat.write(whole, path)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("build-finished", _copy_static)
    app.connect("config-inited", _launch_config)
    app.connect("html-page-context", _launch_on_chapters_only, priority=600)  # after the theme's (501)
    app.connect("build-finished", _copy_wheel)
    app.connect("build-finished", _self_contained_downloads)
    app.add_css_file("convbook.css")
    app.add_js_file("convbook.js")
    app.connect("html-page-context", _add_widget_scripts, priority=900)  # after MathJax's (500) adds its scripts
    app.connect("build-finished", _lighten_pages)
    app.connect("doctree-read", _number_chapter, priority=400)  # before the title collector (500)
    app.connect("doctree-resolved", _chapter_links)
    app.connect("doctree-resolved", _figure_alt)
    app.connect("html-page-context", _citation_list_items)
    app.connect("source-read", _api_source)
    app.connect("builder-inited", _wrap_napoleon)
    app.connect("autodoc-process-docstring", _data_docs, priority=400)
    app.connect("autodoc-process-docstring", _api_chapters)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
