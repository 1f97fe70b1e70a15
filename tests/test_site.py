"""The built static website: offline, light, searchable, downloadable, with launch links."""

from __future__ import annotations

import base64
import json
import pathlib
import re

import nbformat
import pytest

pytestmark = pytest.mark.book

EXTERNAL_LOAD = re.compile(
    r"""<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=["'](https?:)?//"""
    r"""|<link\b[^>]*\bhref=["'](https?:)?//[^"']*["'][^>]*>""",
    re.I,
)
LIMIT = 3 * 1024 * 1024


def pages(site: pathlib.Path) -> list[pathlib.Path]:
    return [p for p in site.rglob("*.html") if "_static" not in p.parts]


def chapters(site: pathlib.Path) -> list[pathlib.Path]:
    found = sorted((site / "chapters").glob("[0-9][0-9]-*.html"))
    assert found, "no chapter pages in the site"
    return found


def test_no_page_loads_anything_from_another_host(site: pathlib.Path) -> None:
    for page in pages(site):
        html = page.read_text(encoding="utf-8")
        for match in EXTERNAL_LOAD.finditer(html):
            tag = match.group(0)
            assert 'rel="canonical"' in tag or "preconnect" in tag, f"{page.relative_to(site)} loads {tag[:200]}"


def test_mathjax_and_widget_scripts_are_served_by_the_site(site: pathlib.Path) -> None:
    assert (site / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (site / "widgets" / "require.js").exists() and (site / "widgets" / "embed-amd.js").exists()
    assert list((site / "widgets").glob("anywidget@*/dist/index.js")), "anywidget's front end is missing"


def test_each_chapter_page_weighs_at_most_3_mb_without_shared_assets(site: pathlib.Path) -> None:
    for page in chapters(site):
        html = page.read_text(encoding="utf-8")
        own = page.stat().st_size
        for src in set(re.findall(r'src="(\.\./_images/[^"]+)"', html)):
            own += (page.parent / src).resolve().stat().st_size
        assert own <= LIMIT, f"{page.name} weighs {own / 2**20:.2f} MB"


def test_each_chapter_can_be_downloaded_as_a_notebook_without_outputs(site: pathlib.Path) -> None:
    for page in chapters(site):
        href = f"../_sources/chapters/{page.stem}.ipynb"
        assert href in page.read_text(encoding="utf-8"), f"{page.name} has no .ipynb download"
        nb = nbformat.read(site / "_sources" / "chapters" / f"{page.stem}.ipynb", as_version=4)
        assert nb.cells, f"{page.stem}.ipynb is empty"
        assert not any(c.get("outputs") for c in nb.cells), f"{page.stem}.ipynb carries outputs"


MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def test_each_downloadable_notebook_shows_its_exercise_figures_with_no_file_beside_it(site: pathlib.Path) -> None:
    shown = 0
    for page in chapters(site):
        nb = nbformat.read(site / "_sources" / "chapters" / f"{page.stem}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in MARKDOWN_IMAGE.findall(cell.source):
                assert target.startswith("attachment:"), f"{page.stem}.ipynb points at a file, {target}, not downloaded with it"
                name = target.removeprefix("attachment:")
                data = (cell.get("attachments") or {}).get(name, {}).get("image/png", "")
                assert base64.b64decode(data).startswith(b"\x89PNG"), f"{page.stem}.ipynb lacks the PNG of {name}"
                shown += 1
    assert shown >= 10, f"only {shown} exercise figures in the downloadable notebooks"


# Launch buttons (Binder, Colab, JupyterHub) and their targets: tests/test_launch.py.


def test_search_index_covers_the_chapters(site: pathlib.Path) -> None:
    index = (site / "searchindex.js").read_text(encoding="utf-8")
    data = json.loads(index[index.index("(") + 1 : index.rindex(")")])
    titles = " ".join(data["titles"]).lower()
    assert "arithmetic" in titles
    assert "dilat" in json.dumps(data["terms"]), "chapter text is not in the search index"


def test_bibliography_page_lists_references(site: pathlib.Path) -> None:
    html = (site / "book" / "bibliography.html").read_text(encoding="utf-8")
    assert "Dumoulin" in html


def test_site_shows_no_solution_markers_or_hidden_tests(site: pathlib.Path) -> None:
    for path in list(site.rglob("*.html")) + list(site.rglob("*.ipynb")) + list(site.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        for marker in ("# SOLUTION", "# BEGIN SOLUTION", "# HIDDEN", "BEGIN QUESTION"):
            assert marker not in text, f"{path.relative_to(site)} contains {marker!r}"


def test_chapter_titles_and_sidebar_carry_the_number_of_the_file_name(site: pathlib.Path) -> None:
    """chapters/06-dilated is "6. …" in its heading, its tab title and every sidebar entry, whatever the toc's gaps."""
    for page in chapters(site):
        html = page.read_text(encoding="utf-8")
        number = int(page.stem[:2])
        h1 = re.search(r"<h1>(.*?)</h1>", html, flags=re.S)
        assert h1 and re.sub(r"<[^>]+>", "", h1.group(1)).startswith(f"{number}. "), f"{page.name}: heading lacks '{number}. '"
        assert re.search(rf"<title>{number}\. ", html), f"{page.name}: tab title lacks '{number}. '"
        for href, text in re.findall(r'class="reference internal" href="(?:\.\./chapters/)?(\d\d-[^"#]*\.html)">([^<]+)<', html):
            assert text.startswith(f"{int(href[:2])}. "), f"{page.name}: sidebar entry {text!r} for {href} is not numbered"


def test_doc_links_to_a_chapter_read_chapter_nn(site: pathlib.Path) -> None:
    """A {doc} link without its own text says "chapter 05, Title" (the prose's form), not "5. Title"."""
    for page in chapters(site):
        for text in re.findall(r'<span class="doc">([^<]*)</span>', page.read_text(encoding="utf-8")):
            assert not re.match(r"\d+\. ", text), f"{page.name}: link text {text!r}"


BUILD_PATHS = re.compile(r"/\.venv/|site-packages/|/__w/|\.py:\d+: \w*Warning")


def test_no_page_shows_a_path_of_the_build_machine_or_a_raw_warning(site: pathlib.Path) -> None:
    """A warning a chapter means to show is caught and reworded; none is printed with its file and line."""
    root = str(pathlib.Path(__file__).resolve().parents[1])
    for path in pages(site) + list(site.rglob("*.ipynb")):
        text = path.read_text(encoding="utf-8", errors="ignore")
        found = BUILD_PATHS.search(text)
        assert found is None, f"{path.relative_to(site)} shows {text[max(found.start() - 80, 0):found.end() + 40]!r}"
        assert root not in text, f"{path.relative_to(site)} contains the build's path {root}"
