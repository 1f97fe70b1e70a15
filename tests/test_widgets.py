"""Every widget's render function covers all its states, with one-line errors and light pages."""

from __future__ import annotations

import json

import pytest

from convlib.scene import Scene
from convlib.widgets import RENDERS, Control, Explorer, safe_render, state_key, tabulate

PAGE_BUDGET = 1_500_000  # bytes of precomputed states per widget, well under the 3 MB page limit


@pytest.mark.parametrize("name", sorted(RENDERS))
def test_every_state_of_every_widget_renders_or_explains_in_one_line(name: str) -> None:
    render, controls = RENDERS[name]
    table = tabulate(render, controls)
    total = 1
    for c in controls:
        total *= len(c["options"])
    assert len(table) == total
    drawable = 0
    for key, scene in table.items():
        if "error" in scene:
            assert scene["error"] and "\n" not in scene["error"], key
            assert "Traceback" not in scene["error"]
        else:
            assert scene.get("grids"), f"{name} state {key} draws nothing"
            drawable += 1
    assert drawable > 0
    assert len(json.dumps(table)) < PAGE_BUDGET, f"{name}'s states are too heavy for a page"


def test_explorer_renders_live_when_values_change() -> None:
    calls = []

    def render(n: int) -> Scene:
        calls.append(n)
        if n > 2:
            raise ValueError("n must be at most 2\nsecond line")
        from convlib.scene import Grid

        return Scene(grids=[Grid("g", 0, 0, 1, n)])

    widget = Explorer(render, [Control("n", [1, 2, 3], 1)], static=False)
    assert widget.table == {} and widget.scene["grids"][0]["cols"] == 1
    widget.values = {"n": 2}
    assert widget.scene["grids"][0]["cols"] == 2
    widget.values = {"n": 3}
    assert widget.scene == {"error": "n must be at most 2"}


def test_table_keys_match_the_browser_key_format() -> None:
    controls = [Control("a", [1, 2]), Control("mode", ["x", "y"])]
    assert state_key({"a": 2, "mode": "y"}, controls) == '2,"y"'
    assert set(tabulate(lambda a, mode: Scene(), controls)) == {'1,"x"', '1,"y"', '2,"x"', '2,"y"'}


def test_safe_render_does_not_swallow_programming_errors() -> None:
    def broken(n: int) -> Scene:
        raise TypeError("bug")

    with pytest.raises(TypeError):
        safe_render(broken, {"n": 1})


def test_control_rejects_a_value_outside_its_options() -> None:
    with pytest.raises(ValueError, match="value"):
        Control("stride", [1, 2], 3)
