"""The static website in headless Chromium: widgets respond with no kernel and no network."""

from __future__ import annotations

import itertools
import re
from conftest import keep_offline

import pytest

from convlib.arithmetic import conv_output_size

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

EXPLORER = ".convlib-explorer"


@pytest.fixture()
def page(browser, site_url):  # type: ignore[no-untyped-def]
    """A fresh page that records every request for a host other than the local server."""
    context = browser.new_context()
    page = context.new_page()
    page.outside = keep_offline(page, site_url)  # type: ignore[attr-defined]
    page.failed = []  # type: ignore[attr-defined]
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("favicon.ico")
            and page.failed.append(f"{r.status} {r.url}"))  # type: ignore[attr-defined]
    yield page
    context.close()


def set_control(page, widget, name: str, index: int) -> None:  # type: ignore[no-untyped-def]
    """Move control ``name`` of ``widget`` to its ``index``-th option, as a reader would."""
    widget.locator(f"[name='{name}']").evaluate(
        "(el, i) => { el.value = i; el.dispatchEvent(new Event('input', {bubbles: true})); }", index
    )


def drawn(widget) -> str:  # type: ignore[no-untyped-def]
    return widget.locator(".cx-figure").inner_html() + widget.locator(".cx-error").inner_text()


def open_chapter(page, site_url: str, name: str):  # type: ignore[no-untyped-def]
    page.goto(f"{site_url}/chapters/{name}.html")
    page.wait_for_selector(f"{EXPLORER} svg", timeout=30_000)
    return page.locator(EXPLORER).first


def chapter_pages(site) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(p.stem for p in (site / "chapters").glob("[0-9][0-9]-*.html"))


# Runs in the page: puts every control of a widget back to ``values``, twice (a control may limit another's options).
RESET = """(widget, values) => {
  for (let pass = 0; pass < 2; pass++)
    widget.querySelectorAll('.cx-controls [name]').forEach((el, i) => {
      el.value = values[i]; el.dispatchEvent(new Event('input', {bubbles: true}));
    });
}"""


def test_every_widget_on_every_chapter_responds_to_every_control(page, site, site_url):  # type: ignore[no-untyped-def]
    """Each control of each widget changes what is drawn (or the one-line error) for some setting.

    Every control is tried from the widget's initial setting: the page is loaded once, and after each
    control the widget's controls are put back to their initial values (the page is reloaded only when
    that does not give back the initial drawing).
    """
    seen = reloads = 0
    for name in chapter_pages(site):
        html = (site / "chapters" / f"{name}.html").read_text()
        count = html.count('"_anywidget_id": "convlib.widgets.')
        if not count:
            continue

        def fresh():  # type: ignore[no-untyped-def]
            """Reload, so that every control starts from the widget's initial setting."""
            page.goto(f"{site_url}/chapters/{name}.html")
            page.wait_for_function(f"document.querySelectorAll('{EXPLORER} .cx-controls').length >= {count}", timeout=60_000)
            return page.locator(EXPLORER)

        widgets = fresh()
        for w in range(count):
            widget = widgets.nth(w)
            controls = widget.locator(".cx-controls [name]")
            names = controls.evaluate_all("els => els.map(e => e.name)")
            initial = controls.evaluate_all("els => els.map(e => e.value)")
            start = drawn(widget)
            for control_name in names:
                widget.evaluate(RESET, initial)
                if drawn(widget) != start:  # the controls alone do not restore it: start from a new page
                    widgets = fresh()
                    widget = widgets.nth(w)
                    start = drawn(widget)
                    reloads += 1
                control = widget.locator(f"[name='{control_name}']")
                options = int(control.get_attribute("max") or control.locator("option").count() - 1)
                changed = False
                for index in range(options + 1):
                    set_control(page, widget, control_name, index)
                    assert "\n" not in widget.locator(".cx-error").inner_text(), "errors must fit on one line"
                    if drawn(widget) != start:
                        changed = True
                        break
                assert changed, f"{name}: widget {w} did not respond to {control_name}"
                seen += 1
    assert seen > 0, "no widget found on the site"
    print(f"{seen} controls tried, {reloads} reloads")
    assert page.outside == [], f"requests left the site: {page.outside}"
    assert page.failed == [], f"requests failed: {page.failed}"


def test_chapter02_explorer_redraws_for_every_control_without_leaving_the_site(page, site_url):  # type: ignore[no-untyped-def]
    widget = open_chapter(page, site_url, "02-arithmetic")
    assert widget.locator(".cx-status").inner_text() == "static", "with no kernel the widget says it is static"
    names = widget.locator(".cx-controls [name]").evaluate_all("els => els.map(e => e.name)")
    assert names == ["size", "kernel_size", "stride", "padding", "dilation"]
    for name in names:
        before = drawn(widget)
        current = int(widget.locator(f"[name='{name}']").input_value())
        maximum = int(widget.locator(f"[name='{name}']").get_attribute("max"))
        set_control(page, widget, name, current - 1 if current > 0 else min(current + 1, maximum))
        assert drawn(widget) != before, f"moving {name} did not change the figure"
    before = widget.locator(".cx-target").get_attribute("x")
    widget.locator("[aria-label='step']").evaluate("el => { el.value = 1; el.dispatchEvent(new Event('input')); }")
    assert widget.locator(".cx-target").get_attribute("x") != before, "the step control did not move the kernel"
    assert widget.locator(".cx-figure").get_attribute("data-source") == "table"
    assert widget.locator(".cx-status").inner_text() == "static", "no kernel answered, yet the widget says live"
    assert page.outside == [], f"requests left the site: {page.outside}"
    assert page.failed == [], f"requests failed: {page.failed}"


def test_chapter02_explorer_in_browser_agrees_with_convlib_arithmetic(page, site_url):  # type: ignore[no-untyped-def]
    widget = open_chapter(page, site_url, "02-arithmetic")
    options = {n: list(range(lo, hi)) for n, lo, hi in
               [("size", 3, 9), ("kernel_size", 1, 6), ("stride", 1, 4), ("padding", 0, 3), ("dilation", 1, 4)]}
    checked = 0
    for combo in itertools.islice(itertools.product(*options.values()), 0, None, 7):
        values = dict(zip(options, combo))
        for name, value in values.items():
            set_control(page, widget, name, options[name].index(value))
        try:
            expected = conv_output_size(**values)
        except ValueError as exc:
            assert widget.locator(".cx-error").inner_text() == str(exc)
            assert widget.locator(".cx-figure svg").count() == 0
            continue
        output = widget.locator("g[data-grid='output']")
        assert int(output.get_attribute("data-rows")) == expected, values
        padded = widget.locator("g[data-grid='input']")
        assert int(padded.get_attribute("data-rows")) == values["size"] + 2 * values["padding"]
        assert re.search(rf"= {expected}$", widget.locator(".cx-lines").inner_text().splitlines()[0])
        taps = widget.locator(".cx-tap").count()
        assert 1 <= taps <= values["kernel_size"] ** 2
        checked += 1
    assert checked > 40
    assert page.outside == []


# Runs in the page: moves the controls of widget ``w`` through every combination (every
# ``stride``-th one past ``limit``) and returns, for each setting, the text boxes that leave the
# drawing or are drawn smaller than ``smallest`` px.
CHECK_TEXT = """([w, smallest, limit]) => {
  const widget = document.querySelectorAll('.convlib-explorer')[w];
  const inputs = [...widget.querySelectorAll('.cx-controls [name]')];
  const counts = inputs.map((el) => el.tagName === 'SELECT' ? el.options.length : Number(el.max) + 1);
  const total = counts.reduce((a, b) => a * b, 1);
  const stride = Math.max(1, Math.floor(total / limit));
  const bad = [];
  let checked = 0;
  for (let n = 0; n < total; n += stride) {
    let rest = n;
    inputs.forEach((el, i) => {
      el.value = rest % counts[i]; rest = Math.floor(rest / counts[i]);
      el.dispatchEvent(new Event('input', {bubbles: true}));
    });
    const svg = widget.querySelector('.cx-figure svg');
    if (!svg) continue;
    checked += 1;
    const box = svg.getBoundingClientRect();
    const scale = box.width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      const px = Number(t.getAttribute('font-size')) * scale;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        bad.push(`setting ${n}: "${t.textContent}" leaves the drawing`);
      if (px < smallest - 0.01) bad.push(`setting ${n}: "${t.textContent}" is ${px.toFixed(1)} px`);
    }
  }
  return {checked, bad: bad.slice(0, 10)};
}"""


def test_every_widget_text_lies_inside_its_drawing_and_is_at_least_9_px_at_1280(browser, site, site_url):  # type: ignore[no-untyped-def]
    """At 1280 px, over every setting of every widget: no SVG text leaves the drawing or shrinks below 9 px."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = 0
    for name in chapter_pages(site):
        count = (site / "chapters" / f"{name}.html").read_text().count('"_anywidget_id": "convlib.widgets.')
        if not count:
            continue
        page.goto(f"{site_url}/chapters/{name}.html")
        page.wait_for_function(f"document.querySelectorAll('{EXPLORER} .cx-controls').length >= {count}", timeout=60_000)
        for w in range(count):
            result = page.evaluate(CHECK_TEXT, [w, 9, 1000])
            assert result["bad"] == [], f"{name} widget {w}: {result['bad']}"
            seen += result["checked"]
    context.close()
    assert seen > 0, "no widget drawing found"


def test_drop_down_values_stay_on_one_line_in_a_narrow_column(browser, site, site_url):  # type: ignore[no-untyped-def]
    """At 390 px every control row of every widget is one line high: no value wraps."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    for name in chapter_pages(site):
        count = (site / "chapters" / f"{name}.html").read_text().count('"_anywidget_id": "convlib.widgets.')
        if not count:
            continue
        page.goto(f"{site_url}/chapters/{name}.html")
        page.wait_for_function(f"document.querySelectorAll('{EXPLORER} .cx-controls').length >= {count}", timeout=60_000)
        tall = page.evaluate("""() => [...document.querySelectorAll('.convlib-explorer .cx-controls > *')]
            .filter((el) => el.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(el).fontSize))
            .map((el) => el.textContent || el.getAttribute('name'))""")
        assert tall == [], f"{name}: control text wraps: {tall}"
    context.close()


def built_chapter(site) -> str:  # type: ignore[no-untyped-def]
    """The largest chapter page: a built one even in a single-chapter build, whose others are stubs."""
    return max(chapter_pages(site), key=lambda name: (site / "chapters" / f"{name}.html").stat().st_size)


def _chapter(page, site_url: str, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 850})
    page.goto(f"{site_url}/chapters/{name}.html")


def test_at_390_px_the_menu_button_opens_and_closes_the_chapter_list(browser, site, site_url):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    _chapter(page, site_url, built_chapter(site), 390)
    dialog = page.locator("#pst-primary-sidebar-modal")
    page.locator("button.primary-toggle").filter(visible=True).first.click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar-modal').open", timeout=5_000)
    links = dialog.locator("a.reference.internal[href*='-']").filter(visible=True)
    assert links.count() >= 2, "the opened chapter list shows no chapter links"
    page.keyboard.press("Escape")
    page.wait_for_function("!document.getElementById('pst-primary-sidebar-modal').open", timeout=5_000)
    page.locator("button.secondary-toggle").filter(visible=True).first.click()
    page.wait_for_function("document.getElementById('pst-secondary-sidebar-modal').open", timeout=5_000)
    context.close()


def test_at_1280_px_the_menu_button_hides_and_shows_the_sidebar(browser, site, site_url):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    _chapter(page, site_url, built_chapter(site), 1280)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible() and sidebar.bounding_box()["x"] >= 0
    button = page.locator("button.primary-toggle").filter(visible=True).first
    button.click()
    page.wait_for_function("(() => { const r = document.getElementById('pst-primary-sidebar').getBoundingClientRect();"
                           " return r.right <= 1 || getComputedStyle(document.getElementById('pst-primary-sidebar')).visibility === 'hidden'; })()",
                           timeout=5_000)
    assert not page.evaluate("document.getElementById('pst-primary-sidebar-modal').open"), "☰ opened a dialog on a desktop"
    button.click()
    page.wait_for_function("document.getElementById('pst-primary-sidebar').getBoundingClientRect().left >= 0"
                           " && getComputedStyle(document.getElementById('pst-primary-sidebar')).visibility !== 'hidden'", timeout=5_000)
    context.close()


# Runs in the page once MathJax has typeset it: each display equation wider than its box must
# scroll and show that it does (the shadow at the side that has more, drawn by convbook.css),
# never be clipped without a sign. (Headless Chromium hides scroll bars, so the shadow is what
# can be checked.)
EQUATIONS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const column = document.querySelector('article.bd-article, main').getBoundingClientRect();
  const found = [];
  for (const eq of document.querySelectorAll('mjx-container[display="true"]')) {
    const box = eq.getBoundingClientRect();
    const text = eq.querySelector('mjx-assistive-mml, math') ? eq.textContent.slice(0, 60) : eq.outerHTML.slice(0, 60);
    const overflows = eq.scrollWidth > eq.clientWidth + 1;
    const style = getComputedStyle(eq);
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) && style.backgroundImage.includes('radial-gradient');
    found.push({text, overflows, scrolls, outside: box.right > column.right + 1});
  }
  return found;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_display_equations_fit_their_column_or_scroll_visibly(browser, site, site_url, width):  # type: ignore[no-untyped-def]
    context = browser.new_context()
    page = context.new_page()
    checked = 0
    for name in chapter_pages(site):
        if "math notranslate nohighlight" not in (site / "chapters" / f"{name}.html").read_text():
            continue
        _chapter(page, site_url, name, width)
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=30_000)
        for eq in page.evaluate(EQUATIONS):
            assert not eq["outside"], f"{name} at {width} px: equation {eq['text']!r} reaches past the column"
            assert not eq["overflows"] or eq["scrolls"], f"{name} at {width} px: {eq['text']!r} is clipped without a scroll bar"
            if width == 1280 and name[:2] in {"03", "07", "08"}:  # the long ones issue #9 names, now broken with `aligned`
                assert not eq["overflows"], f"{name}: {eq['text']!r} needs scrolling at 1280 px"
            checked += 1
    context.close()
    assert checked > 0, "no display equation found"
