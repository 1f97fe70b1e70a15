"""Chapter 02's scenes and widgets agree with torch and convlib.arithmetic."""

from __future__ import annotations

import re

import matplotlib
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

matplotlib.use("Agg")

from convlib.arithmetic import conv_output_size, receptive_field  # noqa: E402
from convlib.ops.pad import pad  # noqa: E402
from convlib.viz import (  # noqa: E402
    PADDING_MODES,
    conv_scene,
    draw,
    draw_padding_modes,
    draw_steps,
    padding_scene,
    pool_scene,
    read_positions,
    receptive_field_scene,
)
from convlib.widgets import RENDERS, padding_explorer, receptive_field_explorer, safe_render  # noqa: E402
from convlib.widgets.arithmetic import conv_explorer_controls  # noqa: E402


def torch_output(size, kernel_size, stride, padding, dilation):  # type: ignore[no-untyped-def]
    """Output shape of a real Conv2d, or None when PyTorch refuses the configuration."""
    try:
        return tuple(F.conv2d(torch.zeros(1, 1, *size), torch.zeros(1, 1, *kernel_size), stride=stride,
                              padding=padding, dilation=dilation).shape[2:])
    except RuntimeError:
        return None


pairs = st.tuples(st.integers(1, 4), st.integers(1, 4))


# --------------------------------------------------------------------------- conv_scene
@settings(max_examples=200, deadline=None)
@given(size=st.tuples(st.integers(1, 9), st.integers(1, 9)), kernel=pairs, stride=pairs,
       padding=st.tuples(st.integers(0, 2), st.integers(0, 2)), dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)))
def test_conv_scene_output_grid_has_the_shape_of_a_real_conv2d_or_the_scene_is_an_error(size, kernel, stride, padding, dilation):
    expected = torch_output(size, kernel, stride, padding, dilation)
    scene = safe_render(conv_scene, dict(size=size, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation))
    if expected is None:
        assert "error" in scene and "\n" not in scene["error"]
        return
    grids = {g["name"]: g for g in scene["grids"]}
    assert (grids["output"]["rows"], grids["output"]["cols"]) == expected
    assert (grids["input"]["rows"], grids["input"]["cols"]) == (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    assert scene["windows"][0]["out_rows"] * scene["windows"][0]["out_cols"] == expected[0] * expected[1]


@settings(max_examples=120, deadline=None)
@given(size=st.integers(2, 8), kernel=st.integers(1, 4), stride=st.integers(1, 4),
       padding=st.integers(0, 2), dilation=st.integers(1, 3))
def test_pink_cells_are_exactly_the_input_pixels_whose_gradient_is_zero(size, kernel, stride, padding, dilation):
    if torch_output((size, size), (kernel, kernel), stride, padding, dilation) is None:
        return
    x = torch.ones(1, 1, size, size, requires_grad=True)
    F.conv2d(x, torch.ones(1, 1, kernel, kernel), stride=stride, padding=padding, dilation=dilation).sum().backward()
    unread = (x.grad[0, 0] == 0).flatten().tolist()  # (size·size,)
    scene = conv_scene(size, kernel, stride, padding, dilation)
    g = scene.grid("input")
    cells = [g.cells[(r + padding) * g.cols + c + padding] for r in range(size) for c in range(size)]
    assert [c == "x" for c in cells] == unread
    assert set(g.cells) <= {"i", "x", "p"}


@settings(max_examples=80, deadline=None)
@given(size=st.integers(2, 8), kernel=st.integers(1, 4), stride=st.integers(1, 4),
       padding=st.integers(0, 2), dilation=st.integers(1, 3))
def test_the_window_taps_of_all_frames_cover_exactly_the_read_positions(size, kernel, stride, padding, dilation):
    if torch_output((size, size), (kernel, kernel), stride, padding, dilation) is None:
        return
    scene = conv_scene(size, kernel, stride, padding, dilation)
    window = scene.windows[0]
    taps = {t for f in range(window.frames) for t in window.taps(f)[0]}
    positions = read_positions(size, kernel, stride, padding, dilation)
    assert taps == {(r, c) for r in positions for c in positions}
    assert all(r < size + 2 * padding for r, _ in taps), "a tap fell off the padded input"


def test_first_text_line_ends_with_the_output_size_the_browser_test_reads():
    for args in [(5, 3, 2, 1, 1), (7, 3, 1, 0, 2), ((6, 8), (3, 1), (2, 1), (0, 1), 1)]:
        scene = conv_scene(*args)
        out = scene.grid("output")
        assert re.search(rf"= {out.rows}$", scene.lines[0])
        assert scene.lines[0].startswith("height:")
    assert any(line.startswith("width:") for line in conv_scene((6, 8), (3, 1)).lines)


def test_conv_scene_reproduces_dumoulin_and_visins_examples():
    assert conv_scene(5, 3, 2, 1).grid("output").rows == 3
    assert conv_scene(7, 3, 1, 0, 2).grid("output").rows == 3
    assert "spreads the 3×3 kernel's taps over 5 pixels" in "\n".join(conv_scene(7, 3, 1, 0, 2).lines)


def test_impossible_conv_scene_shows_conv_output_sizes_message_in_one_line():
    with pytest.raises(ValueError) as exc:
        conv_output_size(3, 5, 1, 0, 3)
    scene = safe_render(conv_scene, dict(size=3, kernel_size=5, stride=1, padding=0, dilation=3))
    assert scene == {"error": str(exc.value)}
    assert scene["error"].startswith("kernel_size")


def test_conv_explorer_keeps_the_control_names_the_browser_test_uses():
    assert [c["name"] for c in conv_explorer_controls()] == ["size", "kernel_size", "stride", "padding", "dilation"]
    assert [c["label"] for c in conv_explorer_controls()][:3] == ["input size i", "kernel size k", "stride s"]


# --------------------------------------------------------------------------- padding
@pytest.mark.parametrize("mode", PADDING_MODES)
@pytest.mark.parametrize("padding", range(4))
@pytest.mark.parametrize("size", range(1, 6))
def test_padding_scene_values_are_torch_pad_or_the_error_matches_torchs_refusal(mode, padding, size):
    x = torch.arange(1.0, size * size + 1).view(1, 1, size, size)
    torch_mode = "constant" if mode == "zeros" else mode
    try:
        expected = F.pad(x, (padding,) * 4, mode=torch_mode)[0, 0]
    except RuntimeError:
        expected = None
    scene = safe_render(padding_scene, dict(mode=mode, padding=padding, size=size))
    if expected is None:
        assert scene["error"].startswith("padding must be"), scene
        return
    padded = {g["name"]: g for g in scene["grids"]}["padded"]
    assert padded["rows"] == padded["cols"] == size + 2 * padding
    assert [float(t) for t in padded["text"]] == expected.flatten().tolist()
    assert [float(t) for t in padded["text"]] == pad(x, (padding,) * 4, torch_mode)[0, 0].flatten().tolist()
    border = padded["cells"].replace("i", "")
    assert len(border) == (size + 2 * padding) ** 2 - size * size
    assert set(border) <= ({"p"} if mode == "zeros" else {"k"})


def test_padding_scene_prints_the_first_row_with_bars_at_the_input_edges():
    assert padding_scene("reflect", 2, 4).lines[1].endswith("3 2 | 1 2 3 4 | 3 2")
    assert padding_scene("circular", 2, 4).lines[1].endswith("3 4 | 1 2 3 4 | 1 2")
    assert padding_scene("zeros", 0, 3).lines[1].endswith("1 2 3")


def test_padding_scene_rejects_an_unknown_mode_naming_it():
    with pytest.raises(ValueError, match="^mode"):
        padding_scene("constant")


def test_draw_padding_modes_draws_one_outlined_panel_per_mode_and_checks_its_input():
    image = torch.rand(12, 10)
    fig = draw_padding_modes(image, 3)
    assert [ax.get_title() for ax in fig.axes] == list(PADDING_MODES)
    assert fig.axes[0].images[0].get_array().shape == (18, 16)
    with pytest.raises(ValueError, match="^padding"):
        draw_padding_modes(image, 10)
    with pytest.raises(ValueError, match="^image"):
        draw_padding_modes(torch.rand(1, 12, 10), 2)


# --------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("size, kernel, stride, padding", [(4, 2, None, 0), (5, 3, 2, 1), (6, 3, 1, 0), (5, 2, 2, 1), (4, 3, 3, 1)])
def test_pool_scene_shows_what_torch_pooling_returns(mode, size, kernel, stride, padding):
    scene = pool_scene(size, kernel, stride, padding, mode, seed=3)
    digits = [int(t) for t in scene.grid("input").text if t]
    x = torch.tensor(digits, dtype=torch.float32).view(1, 1, size, size)
    layer = (nn.MaxPool2d if mode == "max" else nn.AvgPool2d)(kernel, stride, padding)
    y = layer(x)[0, 0]
    out = scene.grid("output")
    assert (out.rows, out.cols) == tuple(y.shape)
    assert [float(t) for t in out.text] == pytest.approx(y.flatten().tolist(), abs=5e-3)


def test_pool_scene_refuses_padding_over_half_the_window_as_torch_does():
    with pytest.raises(RuntimeError):
        nn.MaxPool2d(2, 2, 2)(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="^padding"):
        pool_scene(4, 2, 2, 2)
    with pytest.raises(ValueError, match="^mode"):
        pool_scene(mode="min")


# --------------------------------------------------------------------------- receptive fields
def gradient_support(kernel: int, stride: int, layers: int, length: int, unit: int) -> list[int]:
    """Input positions that change top unit ``unit`` of the stack (all-ones weights)."""
    model = nn.Sequential(*[nn.Conv1d(1, 1, kernel, stride, bias=False) for _ in range(layers)])
    for p in model.parameters():
        nn.init.ones_(p)
    x = torch.ones(1, 1, length, requires_grad=True)
    model(x)[0, 0, unit].backward()
    return torch.nonzero(x.grad[0, 0]).flatten().tolist()


@pytest.mark.parametrize("kernel", range(1, 6))
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_blue_input_cells_are_the_gradient_support_of_the_green_unit(kernel, stride, layers):
    scene = receptive_field_scene(kernel, stride, layers)
    top, bottom = scene.grid(f"layer{layers}"), scene.grid("layer0")
    assert top.cells.replace(".", "") == "zoz", "three top units, the middle one highlighted"
    blue = [c for c, letter in enumerate(bottom.cells) if letter == "i"]
    assert blue == gradient_support(kernel, stride, layers, bottom.cols, 1)
    with torch.device("meta"):
        stack = nn.Sequential(*[nn.Conv1d(1, 1, kernel, stride) for _ in range(layers)])
    field = receptive_field(stack)
    assert blue[-1] - blue[0] + 1 == field.size
    green_centre = top.x + top.cells.index("o") + 0.5
    assert green_centre == pytest.approx(bottom.x + (blue[0] + blue[-1] + 1) / 2), "the unit sits over its field"
    assert f"= {field.size}" in scene.lines[1]


def test_receptive_field_scene_links_every_tap_of_every_highlighted_unit():
    scene = receptive_field_scene(3, 2, 2)
    hidden = scene.grid("layer1").cells.count("c")
    assert len(scene.links) == 3 * (1 + hidden)
    with pytest.raises(ValueError, match="^layers"):
        receptive_field_scene(layers=0)


# --------------------------------------------------------------------------- widgets and figures
def test_chapter02_widgets_are_registered_with_their_render_functions():
    assert RENDERS["padding_explorer"][0] is padding_scene
    assert RENDERS["receptive_field_explorer"][0] is receptive_field_scene
    assert [c["name"] for c in padding_explorer().controls] == ["mode", "padding", "size"]
    assert [c["name"] for c in receptive_field_explorer().controls] == ["kernel_size", "stride", "layers"]


@pytest.mark.parametrize("name", ["padding_explorer", "receptive_field_explorer"])
def test_every_control_of_the_new_widgets_changes_the_scene_from_its_initial_state(name):
    render, controls = RENDERS[name]
    start = {c["name"]: c["value"] for c in controls}
    for c in controls:
        scenes = {str(safe_render(render, {**start, c["name"]: v})) for v in c["options"]}
        assert len(scenes) > 1, f"{c['name']} changes nothing"


def test_receptive_field_widget_states_stay_narrow_enough_for_a_page():
    render, controls = RENDERS["receptive_field_explorer"]
    widest = max(render(kernel_size=k, stride=s, layers=n).size[0]
                 for k in controls[0]["options"] for s in controls[1]["options"] for n in controls[2]["options"])
    assert widest <= 50


def test_draw_and_draw_steps_accept_every_chapter02_scene():
    for scene in [conv_scene(5, 3, 2, 1), padding_scene(), pool_scene(), receptive_field_scene()]:
        assert draw(scene).axes
    assert len(draw_steps(conv_scene(5, 3, 2, 1)).axes) == 8
