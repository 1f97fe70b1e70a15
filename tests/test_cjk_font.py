"""Chinese terms render with the book's own CJK font (Noto Sans SC cut to the book's characters).

The site ships ``fonts/ConvbookCJK.woff2`` (``book/_ext/prepare.py vendor``), and
``_static/convbook.css`` applies it to CJK code points through ``unicode-range``, so the glossary
and every chapter's key terms show real glyphs on a machine with no CJK font, network off.
"""

from __future__ import annotations

import io
import math
import pathlib
import re
from conftest import keep_offline

import pytest

# The CJK ranges of book/_ext/prepare.py (CJK) and of the @font-face in convbook.css.
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Wider: every Han or CJK-symbol block, so that a term typed with a character outside CJK fails below.
HAN = re.compile("[\u2e80-\u2fff\u3000-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
                 "\uff00-\uffef\U00020000-\U0003ffff]")
FONT = pathlib.PurePosixPath("fonts/ConvbookCJK.woff2")
MAX_KB = 150
GLOSSARY = "book/notation.html"


def cjk_on_pages(site: pathlib.Path) -> set[str]:
    found: set[str] = set()
    for page in site.rglob("*.html"):
        if "_static" not in page.parts:
            found.update(HAN.findall(page.read_text(encoding="utf-8")))
    return found


def unicode_ranges(css: str) -> list[tuple[int, int]]:
    block = re.search(r"@font-face\s*{[^}]*ConvbookCJK[^}]*}", css)
    assert block, "convbook.css has no @font-face for ConvbookCJK"
    ranges = re.search(r"unicode-range:\s*([^;]+);", block.group(0))
    assert ranges, "the ConvbookCJK @font-face has no unicode-range"
    spans = []
    for part in ranges.group(1).split(","):
        lo, _, hi = part.strip().removeprefix("U+").partition("-")
        spans.append((int(lo, 16), int(hi or lo, 16)))
    return spans


@pytest.mark.book
def test_bundled_cjk_font_has_every_cjk_character_on_the_pages_and_is_small(site: pathlib.Path) -> None:
    from fontTools.ttLib import TTFont

    font = site / FONT
    assert font.exists(), f"{FONT} is missing from the site (book/_ext/prepare.py vendor makes it)"
    assert "Open Font License" in (font.parent / "OFL.txt").read_text(encoding="utf-8"), "the font's OFL licence is not beside it"
    used = cjk_on_pages(site)
    assert "卷" in used and "积" in used, "the glossary's Chinese terms are not on the pages"
    cmap = {chr(c) for c in TTFont(io.BytesIO(font.read_bytes())).getBestCmap()}
    assert not used - cmap, f"the bundled font lacks {''.join(sorted(used - cmap))!r}, used on the pages"
    spans = unicode_ranges((site / "_static" / "convbook.css").read_text(encoding="utf-8"))
    outside = {c for c in used if not any(lo <= ord(c) <= hi for lo, hi in spans)}
    assert not outside, f"the @font-face unicode-range leaves out {''.join(sorted(outside))!r}"
    size_kb = font.stat().st_size / 1024
    assert size_kb <= MAX_KB, f"{FONT} weighs {size_kb:.0f} KB: it should hold only the book's {len(used)} characters"


@pytest.fixture()
def offline_page(browser, site_url):  # type: ignore[no-untyped-def]
    """A page that aborts, and records, every request for another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    page = context.new_page()
    page.outside = keep_offline(page, site_url)  # type: ignore[attr-defined]
    yield page
    context.close()


# The glossary's "中文" column: its cells' text.
CHINESE_CELLS = """() => {
  const table = [...document.querySelectorAll('table')].find(t => /中文/.test(t.tHead ? t.tHead.innerText : ''));
  if (!table) return null;
  const column = [...table.tHead.rows[0].cells].findIndex(c => /中文/.test(c.innerText));
  return [...table.tBodies[0].rows].map(r => r.cells[column].innerText.trim());
}"""
# The first box of each wanted character in the page's table cells, in viewport pixels, after
# scrolling the first one to the top of the window; only the boxes inside the window are returned.
GLYPH_BOXES = """(wanted) => {
  const found = [];
  for (const cell of document.querySelectorAll('article table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.textContent.length; i++) {
        const ch = node.textContent[i];
        if (wanted.includes(ch) && !found.some(f => f.ch === ch)) found.push({ch, node, i, cell});
      }
    }
  }
  if (!found.length) return {};
  found[0].cell.scrollIntoView({block: 'start'});
  const boxes = {};
  for (const {ch, node, i} of found) {
    const range = document.createRange();
    range.setStart(node, i); range.setEnd(node, i + 1);
    const r = range.getBoundingClientRect();
    if (r.top >= 0 && r.bottom <= innerHeight) boxes[ch] = {x: r.x, y: r.y, width: r.width, height: r.height};
  }
  return boxes;
}"""


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_glossary_chinese_terms_render_with_the_bundled_font_not_as_boxes(offline_page, site_url):  # type: ignore[no-untyped-def]
    page = offline_page
    page.goto(f"{site_url}/{GLOSSARY}")
    page.evaluate("Promise.all([document.fonts.ready, window.MathJax?.startup?.promise]).then(() => true)")
    cells = page.evaluate(CHINESE_CELLS)
    assert cells and "卷积" in cells, "the glossary has no 中文 column holding 卷积"
    # The page's own @font-face was loaded from the site and covers the glossary's characters.
    faces = page.evaluate("""[...document.fonts].filter(f => f.family.replace(/["']/g, '') === 'ConvbookCJK')
                             .map(f => f.status)""")
    assert faces == ["loaded"], f"the ConvbookCJK font face is {faces or 'not declared'}, not loaded"

    # The font Chromium actually drew each Chinese cell with is the bundled web font (a custom font
    # named Noto Sans SC), not a system CJK font nor a fallback box; checked cell by cell over CDP.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    tree = cdp.send("DOM.getDocument", {"depth": -1, "pierce": False})["root"]
    checked = 0
    for node, text in table_cells(tree):
        wanted = len(CJK.findall(text))
        if not wanted:
            continue
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        bundled = sum(f["glyphCount"] for f in fonts if f["isCustomFont"] and f["familyName"] == "Noto Sans SC")
        assert bundled >= wanted, f"{text!r}: {wanted} CJK characters, drawn with {fonts}"
        checked += 1
    assert checked >= sum(1 for c in cells if CJK.search(c)), f"only {checked} table cells with Chinese were checked"

    # Real glyphs differ from one character to the next; missing ones are one box drawn again and
    # again, which tells apart only the few sub-pixel positions it lands on.
    chars = list(dict.fromkeys(c for c in "".join(cells) if CJK.match(c) and c not in "（），；、"))
    boxes = page.evaluate(GLYPH_BOXES, chars)
    assert len(boxes) >= 60, f"only {len(boxes)} distinct Chinese characters in one window of the glossary"
    # one screenshot of the region that holds them (the 中文 column), cut into one picture per character
    x0, y0 = math.floor(min(b["x"] for b in boxes.values())), math.floor(min(b["y"] for b in boxes.values()))
    x1 = math.ceil(max(b["x"] + b["width"] for b in boxes.values()))
    y1 = math.ceil(max(b["y"] + b["height"] for b in boxes.values()))
    shot = read_png(page.screenshot(clip={"x": x0, "y": y0, "width": x1 - x0, "height": y1 - y0}))
    crops = {}
    for ch, b in boxes.items():
        top, left = math.floor(b["y"]) - y0, math.floor(b["x"]) - x0
        bottom, right = math.ceil(b["y"] + b["height"]) - y0, math.ceil(b["x"] + b["width"]) - x0
        crops[ch] = shot[top:bottom, left:right]
    distinct = len({c.tobytes() for c in crops.values()})
    assert distinct >= 0.9 * len(crops), f"{len(crops)} different characters draw only {distinct} different pictures: boxes"
    inks = {ch: float((crop.max() - crop).sum()) for ch, crop in crops.items()}
    assert min(inks.values()) > 0, f"a Chinese character renders blank: {min(inks, key=inks.get)}"
    # Glyphs carry as much ink as they have strokes; a box carries the same ink whatever it stands for.
    spread = max(inks.values()) / min(inks.values())
    assert spread >= 2, f"the most and least inked characters differ only {spread:.2f}x, as boxes do"
    assert page.outside == [], f"requests left the site: {page.outside}"


def read_png(png: bytes):  # -> numpy array of grey levels, one per pixel
    """A screenshot in grey levels (matplotlib reads PNG with no extra package)."""
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3].mean(axis=-1)


def table_cells(node: dict):  # -> Iterator[tuple[int, str]]
    """(nodeId, text) of each ``td`` inside ``article`` in a CDP DOM tree."""
    def text(n: dict) -> str:
        return n.get("nodeValue", "") if n.get("nodeType") == 3 else "".join(text(c) for c in n.get("children", []))

    def walk(n: dict, in_article: bool):
        in_article = in_article or n.get("localName") == "article"
        if in_article and n.get("localName") == "td":
            yield n["nodeId"], text(n)
            return
        for child in n.get("children", []):
            yield from walk(child, in_article)

    yield from walk(node, False)
