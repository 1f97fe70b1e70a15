"""Figure text a reader can read: no label of a chapter's matplotlib figure is drawn below 9 px at 1280 px.

Every figure a chapter shows is a PNG saved by ``convlib.viz.style.png``, which records the
size in pixels of the figure's smallest text in the PNG's ``TEXT_KEY`` text chunk (``import
convlib`` installs that writer in a chapter's kernel; exercise figures are saved with it too).
The browser shrinks an image wider than its column, so the text a reader sees is that size
times the image's drawn width over its natural width, which Chromium measures here.
"""

from __future__ import annotations

import io
import pathlib
from urllib.parse import unquote, urlparse

import pytest
from PIL import Image

from convlib.viz import style

SMALLEST_PX = 9  # the smallest text a reader should be asked to read

# Runs in the page: every image of the chapter once loaded, with its natural and drawn widths.
IMAGES = """async () => {
  const images = [...document.querySelectorAll('article img[src*="_images/"]')];
  await Promise.all(images.map((img) => img.complete ? null : new Promise((ok) => { img.onload = img.onerror = ok; })));
  return images.map((img) => ({src: img.src, natural: img.naturalWidth, drawn: img.getBoundingClientRect().width,
                               alt: (img.alt || '').slice(0, 60)}));
}"""


def recorded_text_px(path: pathlib.Path) -> float | None:
    """The smallest text size in px recorded in a figure's PNG; ``None`` for a figure with no text.

    Raises:
        AssertionError: if the PNG records nothing (it was not saved by ``convlib.viz.style.png``).
    """
    with Image.open(path) as image:
        value = image.text.get(style.TEXT_KEY) if hasattr(image, "text") else None
    assert value is not None, (f"{path.name} records no text size: it was not saved through convlib's figure style "
                               "(import convlib in the set-up cell, or save it with convlib.viz.style.png)")
    return None if value == "none" else float(value)


def test_the_figure_writer_records_the_smallest_text_drawn() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1])
    ax.set_title("seven points", fontsize=7)
    data = style.png(fig)
    with Image.open(io.BytesIO(data)) as image:
        assert float(image.text[style.TEXT_KEY]) == pytest.approx(7 * style.DPI / 72, abs=0.01)
    ax.set_axis_off()  # tick labels of an axis turned off are not drawn: only the title is left
    ax.set_title("twelve points", fontsize=12)
    with Image.open(io.BytesIO(style.png(fig))) as image:
        assert float(image.text[style.TEXT_KEY]) == pytest.approx(12 * style.DPI / 72, abs=0.01)
    ax.set_title("")
    with Image.open(io.BytesIO(style.png(fig))) as image:
        assert image.text[style.TEXT_KEY] == "none"
    plt.close(fig)


@pytest.mark.browser
@pytest.mark.book
@pytest.mark.xdist_group("browser")
def test_every_figure_label_is_at_least_9_px_at_1280(browser, site, site_url):  # type: ignore[no-untyped-def]
    """At 1280 px, each chapter figure's smallest text times the scale the browser draws it at is at least 9 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    host = urlparse(site_url).netloc
    page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).netloc == host
               or route.request.url.startswith(("data:", "blob:")) else route.abort())  # network off
    small, checked = [], 0
    for html in sorted((site / "chapters").glob("[0-9][0-9]-*.html")):
        if "_images/" not in html.read_text(encoding="utf-8"):
            continue
        page.goto(f"{site_url}/chapters/{html.name}", wait_until="domcontentloaded")  # images: awaited below
        for image in page.evaluate(IMAGES):
            path = site / unquote(urlparse(image["src"]).path).lstrip("/")
            assert image["natural"] > 0, f"{html.stem}: {path.name} did not load"
            smallest = recorded_text_px(path)
            checked += 1
            if smallest is None:
                continue
            width = image["drawn"] or min(image["natural"], style.COLUMN_PX)  # a collapsed output: as when opened
            drawn = smallest * width / image["natural"]
            if drawn < SMALLEST_PX:
                small.append(f"{html.stem}: {path.name[:16]}… ({image['natural']} px wide, drawn at "
                             f"{width:.0f}): smallest text {drawn:.1f} px")
    context.close()
    assert checked > 0, "no figure found on the site"
    assert small == [], f"{len(small)} of {checked} figures have text below {SMALLEST_PX} px:\n" + "\n".join(small)
