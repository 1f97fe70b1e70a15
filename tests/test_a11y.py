"""Accessibility of the static site (issue #9, item 10; WCAG 2.1 AA), in headless Chromium, network off.

Each page of the site is loaded once, at 1280 px, from the local server, with its
widgets drawn; then axe-core (``axe.min.js`` from the ``axe-playwright-python``
package of the test extras, injected into the page: nothing is downloaded) checks
it against the WCAG 2.0/2.1 A and AA rules, and the page's widgets and figures
are read. The tests below assert on those audits.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import pathlib
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("a11y")]  # its own group: it can run beside the other browser tests

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"serious", "critical"}
EXPLORER = ".convlib-explorer"

# Runs in the page: axe's violations, and what each widget and figure offers assistive technology.
AUDIT = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  const violations = result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
  const name = (el) => (el.getAttribute('aria-label') || [...(el.labels || [])].map((l) => l.textContent).join(' ')
    || (el.getAttribute('aria-labelledby') || '').split(' ').map((id) => (document.getElementById(id) || {}).textContent || '').join(' ')
    || (el.tagName === 'BUTTON' ? el.textContent : '')).trim();
  const widgets = [...document.querySelectorAll('.convlib-explorer')].map((w) => ({
    controls: [...w.querySelectorAll('input, select, button')].filter((c) => c.getClientRects().length)
      .map((c) => ({tag: c.tagName, name: name(c), tabIndex: c.tabIndex, disabled: c.disabled})),
    drawings: [...w.querySelectorAll('.cx-figure svg')].map((svg) => ({role: svg.getAttribute('role'), alt: svg.getAttribute('aria-label') || ''})),
    error: (w.querySelector('.cx-error') || {}).textContent || '',
  }));
  const figures = [...document.querySelectorAll('.cell_output img, figure img, img.exercise-figure')].map((img) => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt') || ''}));
  return {violations, widgets, figures};
}"""

# Runs in the page: moves control ``i`` of widget ``w`` with one key press (the right arrow, or the
# left one at the end of a slider) and says whether its value and the drawing (or error line) changed.
KEY = """([w, i]) => {
  const widget = document.querySelectorAll('.convlib-explorer')[w];
  const control = [...widget.querySelectorAll('.cx-controls [name]')][i];
  const drawn = () => widget.querySelector('.cx-figure').innerHTML + widget.querySelector('.cx-error').textContent;
  return {name: control.name, value: control.value, drawn: drawn(),
          last: control.tagName === 'SELECT' ? control.selectedIndex === control.options.length - 1 : Number(control.value) === Number(control.max)};
}"""


# Runs in the page: whether widget ``w``'s drawing (or error line) differs from ``drawn``.
REDRAWN = """([w, drawn]) => {
  const widget = document.querySelectorAll('.convlib-explorer')[w];
  return widget.querySelector('.cx-figure').innerHTML + widget.querySelector('.cx-error').textContent !== drawn;
}"""


def site_pages(site: pathlib.Path) -> list[pathlib.Path]:
    """Every page a reader can open (not the index's redirect, nor files under _static or _sources)."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        if {"_static", "_sources", "widgets"} & set(path.relative_to(site).parts):
            continue
        if 'http-equiv="refresh"' in path.read_text(encoding="utf-8")[:2000].lower():  # the index redirect ("Refresh")
            continue
        pages.append(path)
    return pages


@pytest.fixture(scope="module")
def audits(browser, site, site_url) -> dict[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
    """One load of each page with its widgets drawn: axe's findings, the widgets' controls and drawings,
    the figures, and, for every control of every widget, whether one key press moves it."""
    axe = (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: dict[str, dict[str, Any]] = {}
    for path in site_pages(site):
        name = path.relative_to(site).as_posix()
        html = path.read_text(encoding="utf-8")
        widgets = html.count('"_anywidget_id": "convlib.widgets.')
        page.goto(f"{site_url}/{name}", wait_until="load")
        if widgets:
            page.wait_for_function(f"document.querySelectorAll('{EXPLORER} .cx-controls').length >= {widgets}", timeout=60_000)
        if 'class="math' in html:
            page.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise; }")
        page.add_script_tag(content=axe)
        audit = page.evaluate(AUDIT, WCAG)
        audit["keys"] = []
        for w in range(page.locator(EXPLORER).count()):
            controls = page.locator(EXPLORER).nth(w).locator(".cx-controls [name]")
            for i in range(controls.count()):
                before = page.evaluate(KEY, [w, i])
                controls.nth(i).focus()
                page.keyboard.press("ArrowLeft" if before["last"] else "ArrowRight")
                with contextlib.suppress(PlaywrightTimeout):  # a large widget redraws a moment after the key
                    page.wait_for_function(REDRAWN, arg=[w, before["drawn"]], timeout=2_000)
                after = page.evaluate(KEY, [w, i])
                focused = page.evaluate("document.activeElement && document.activeElement.name")
                audit["keys"].append({"widget": w, "control": before["name"], "focused": focused == before["name"],
                                      "moved": after["value"] != before["value"], "redrawn": after["drawn"] != before["drawn"]})
        found[name] = audit
    context.close()
    return found


def test_axe_finds_no_serious_or_critical_violation_on_any_page(audits) -> None:  # type: ignore[no-untyped-def]
    bad = [f"{page}: {v['impact']} {v['id']} ({v['help']}): {v['nodes']}"
           for page, audit in audits.items() for v in audit["violations"] if v["impact"] in SERIOUS]
    assert len(audits) >= 5, f"only {len(audits)} pages audited"
    assert bad == [], "\n".join(bad)


def test_every_widget_control_has_an_accessible_name_and_moves_from_the_keyboard(audits) -> None:  # type: ignore[no-untyped-def]
    controls = [(page, c) for page, audit in audits.items() for w in audit["widgets"] for c in w["controls"]]
    assert controls, "no widget control found on the site"
    unnamed = [f"{page}: {c}" for page, c in controls if not c["name"]]
    unreachable = [f"{page}: {c}" for page, c in controls if c["tabIndex"] < 0 or c["disabled"]]
    assert unnamed == [], f"controls without an accessible name: {unnamed}"
    assert unreachable == [], f"controls out of the keyboard's reach: {unreachable}"
    keys = [(page, k) for page, audit in audits.items() for k in audit["keys"]]
    stuck = [f"{page}: widget {k['widget']} {k['control']}: {k}" for page, k in keys if not (k["focused"] and k["moved"])]
    assert keys and stuck == [], f"controls that one arrow key does not move: {stuck}"
    # A key press redraws the widget: at least one control of each widget changes its drawing (one step of
    # some controls leaves the drawing as it was, e.g. a third layer's dilation while two layers are shown).
    widgets = {(page, k["widget"]) for page, k in keys}
    still = sorted(w for w in widgets if not any(k["redrawn"] for page, k in keys if (page, k["widget"]) == w))
    assert still == [], f"widgets that no key press redraws: {still}"


def test_every_widget_drawing_and_figure_has_a_text_alternative(audits) -> None:  # type: ignore[no-untyped-def]
    drawings = [(page, d) for page, audit in audits.items() for w in audit["widgets"] for d in w["drawings"]]
    figures = [(page, f) for page, audit in audits.items() for f in audit["figures"]]
    assert drawings, "no widget drawing found on the site"
    mute = [f"{page}: {d}" for page, d in drawings if d["role"] != "img" or len(d["alt"]) < 10]
    assert mute == [], f"widget drawings without a text alternative: {mute}"
    # an image's own address is no description (Sphinx writes it when an image has no alt)
    unnamed = [f"{page}: {f['src']}" for page, f in figures
               if len(f["alt"].strip()) < 10 or f["alt"] == f["src"] or f["alt"].endswith((".png", ".svg", ".jpg"))]
    assert unnamed == [], f"figures without a text alternative: {unnamed}"
