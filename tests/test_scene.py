"""Scenes: windows highlight the cells they claim to, in both renderers' shared geometry."""

from __future__ import annotations

import pytest

from convlib.scene import Grid, Scene, Window
from convlib.viz import separable_passes_scene


def test_window_target_is_offset_by_dst_start() -> None:
    window = Window("a", "b", 2, 3, (1, 1), dst_start=(1, 2))
    assert window.taps(0)[1] == (1, 2)
    assert window.taps(5)[1] == (2, 4)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_separable_column_pass_writes_only_real_cells_of_the_middle_grid(padding: int) -> None:
    scene = separable_passes_scene(size=5, kernel_size=3, padding=padding)
    window = scene.windows[0]
    middle = scene.grid(window.dst)
    for frame in range(window.frames):
        row, col = window.taps(frame)[1]
        assert middle.cells[row * middle.cols + col] == "o", (padding, frame)


def test_grid_rejects_cells_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="cells"):
        Grid("g", 0, 0, 2, 2, "iii")


def test_error_scene_json_has_only_the_error() -> None:
    assert Scene(error="x").to_json() == {"error": "x"}
