"""Widget text that a reader can read: every label of every setting of every widget whole, apart, large enough, in good English.

The browser draws scenes with the layout of ``convlib/viz/_draw.py`` (``explorer.js`` mirrors it);
``tests/test_browser.py`` checks the drawn text boxes on the built site.
"""

from __future__ import annotations

import itertools
import re

import pytest

from convlib.scene import Grid, Scene
from convlib.viz._draw import CELL_PX, CELL_TEXT_PX, LABEL_PX, MIN_SCALE, label_boxes, view_box
from convlib.widgets import RENDERS, tabulate

SMALLEST_PX = 9  # the smallest text a reader should be asked to read


def scenes(name: str) -> list[tuple[str, Scene]]:
    render, controls = RENDERS[name]
    found = []
    for key, data in tabulate(render, controls).items():
        if "error" not in data:
            found.append((key, Scene(grids=[Grid(**g) for g in data["grids"]], lines=data.get("lines", []))))
    return found


def test_text_is_never_drawn_below_9_px() -> None:
    """A drawing shrinks to its column down to MIN_SCALE and scrolls beyond, so each font keeps at least 9 px."""
    assert LABEL_PX * MIN_SCALE >= SMALLEST_PX
    assert CELL_TEXT_PX * MIN_SCALE >= SMALLEST_PX


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_every_label_lies_inside_the_drawing_and_clear_of_cells_and_other_labels(name: str) -> None:
    for key, scene in scenes(name):
        x0, y0, width, height = view_box(scene)
        boxes = label_boxes(scene)
        for left, right, base, text in boxes:
            top = base - LABEL_PX / CELL_PX
            assert x0 <= left and right <= x0 + width and y0 <= top, f"{name} {key}: {text!r} is cut at the edge"
            for g in scene.grids:
                drawn = [divmod(i, g.cols) for i, c in enumerate(g.cells) if c != "."]
                if not drawn:
                    continue
                rows = [r for r, _ in drawn]
                gx0, gx1 = g.x + min(c for _, c in drawn), g.x + max(c for _, c in drawn) + 1
                gy0, gy1 = g.y + min(rows), g.y + max(rows) + 1
                assert not (left < gx1 and gx0 < right and top < gy1 and gy0 < base), f"{name} {key}: {text!r} covers grid {g.name}"
        for a, b in itertools.combinations(boxes, 2):
            apart = a[1] <= b[0] or b[1] <= a[0] or abs(a[2] - b[2]) >= LABEL_PX / CELL_PX
            assert apart, f"{name} {key}: labels {a[3]!r} and {b[3]!r} overlap"


# "1" then at most one word, then a plural noun: "1 layers", "the 1 input pixels", "= 1 weights".
# Not after a digit or an operator ("1·1 weights", "2^1"), nor after "or" ("0 or 1 contributions").
PLURAL_AFTER_ONE = re.compile(
    r"(?<![\d.,·×/^−\-])(?<!or )\b1 (?:[a-z]+ )?(pixels|layers|terms|channels|numbers|weights|multiplications|rows|columns"
    r"|contributions|zeros|parameters|values|taps|steps|groups|filters|outputs|inputs|kernels|slices|units|additions|paths)\b"
)


def test_plural_check_catches_the_mistakes_it_is_for() -> None:
    for wrong in ("1 layers × 9", "blue: the 1 input pixels", "1 terms already", "= 1 multiplications"):
        assert PLURAL_AFTER_ONE.search(wrong), wrong
    for right in ("1 layer × 9", "1·1 weights", "0 or 1 contributions", "output 1 reads 4 channels", "1 input pixel"):
        assert not PLURAL_AFTER_ONE.search(right), right


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_no_widget_says_1_with_a_plural_noun(name: str) -> None:
    render, controls = RENDERS[name]
    for key, data in tabulate(render, controls).items():
        texts = [data.get("error", "")] + data.get("lines", []) + data.get("frame_lines", [])
        texts += [g.get("label", "") for g in data.get("grids", [])]
        for text in texts:
            found = PLURAL_AFTER_ONE.search(text)
            assert found is None, f"{name} {key}: {found.group(0)!r} in {text!r}"
