"""Tests for chapter 03's scenes and widgets: they agree with PyTorch's Conv1d, Conv2d and Conv3d."""

from __future__ import annotations

import itertools
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib.arithmetic import conv_output_size, receptive_field, same_padding
from convlib.viz.volumes import VOLUME_MODES, causal_dilations, causal_stack_scene, volume_conv_scene
from convlib.widgets import RENDERS, safe_render
from convlib.widgets.volumes import (
    causal_stack_explorer,
    causal_stack_explorer_controls,
    volume_explorer_controls,
)


# --------------------------------------------------------------------------- volume_conv_scene
def _torch_output(mode: str, depth: int, kernel_depth: int, kernel_size: int, stride: int, size: int):
    """The output shape PyTorch gives (or None when it refuses): Conv3d on 1 channel, or Conv2d on `depth` channels."""
    x = torch.zeros(1, 1, depth, size, size)
    try:
        if mode == "3D":
            return tuple(F.conv3d(x, torch.zeros(1, 1, kernel_depth, kernel_size, kernel_size), stride=stride).shape)
        return tuple(F.conv2d(x[:, 0], torch.zeros(1, depth, kernel_size, kernel_size), stride=stride).shape)
    except RuntimeError:
        return None


@settings(max_examples=300, deadline=None)
@given(mode=st.sampled_from(VOLUME_MODES), depth=st.integers(1, 7), kernel_depth=st.integers(1, 4),
       kernel_size=st.integers(1, 4), stride=st.integers(1, 3), size=st.integers(1, 6))
def test_volume_scene_output_slices_and_sizes_equal_pytorch_output_shape(mode, depth, kernel_depth, kernel_size, stride, size):
    expected = _torch_output(mode, depth, kernel_depth, kernel_size, stride, size)
    try:
        scene = volume_conv_scene(mode, depth, kernel_depth, kernel_size, stride, 0, size)
    except ValueError as error:
        assert expected is None, f"scene refused a configuration PyTorch accepts: {error}"
        assert "kernel_" in str(error)
        return
    assert expected is not None, "scene drew a configuration PyTorch refuses"
    outputs = [g for g in scene.grids if g.name.startswith("out")]
    slices = expected[2] if mode == "3D" else 1
    assert len(outputs) == slices
    assert all((g.rows, g.cols) == expected[-2:] for g in outputs)
    shape = re.search(r"= \(([\d, ]+)\)", next(l for l in scene.lines if l.startswith("output"))).group(1)
    assert tuple(int(v) for v in shape.split(",")) == expected


@pytest.mark.parametrize("mode", VOLUME_MODES)
def test_volume_scene_kernel_slices_equal_the_weight_depth(mode):
    for depth, kernel_depth in itertools.product(range(2, 7), range(1, 4)):
        if kernel_depth > depth:
            continue
        scene = volume_conv_scene(mode, depth, kernel_depth)
        kernels = [g for g in scene.grids if g.name.startswith("k")]
        assert len(kernels) == (kernel_depth if mode == "3D" else depth)
        weight = int(scene.lines[-1].rsplit("=", 1)[1])
        assert weight == len(kernels) * 3 * 3


def test_volume_scene_windows_cover_exactly_the_input_pixels_each_output_voxel_reads():
    """For every output voxel, the highlighted input cells are where the gradient of that voxel is non-zero."""
    for mode, depth, kd, k, s in itertools.product(VOLUME_MODES, [3, 5], [1, 2, 3], [1, 2, 3], [1, 2]):
        size = 4
        x = torch.ones(1, 1, depth, size, size, requires_grad=True)
        if mode == "3D":
            y = F.conv3d(x, torch.ones(1, 1, kd, k, k), stride=s)[0, 0]  # (D_out, H_out, W_out)
        else:
            y = F.conv2d(x[:, 0], torch.ones(1, depth, k, k), stride=s)[0]  # (1, H_out, W_out)
        for j in range(y.shape[0]):
            scene = volume_conv_scene(mode, depth, kd, k, s, j, size)
            for frame in range(scene.windows[0].frames):
                row, col = divmod(frame, y.shape[2])
                (grad,) = torch.autograd.grad(y[j, row, col], x, retain_graph=True)
                read = {tuple(i) for i in (grad[0, 0] != 0).nonzero().tolist()}
                shown = set()
                for window in scene.windows:
                    taps, target = window.taps(frame)
                    assert target == (row, col) and window.dst == f"out{j}"
                    shown |= {(int(window.src[2:]), r, c) for r, c in taps}
                assert shown == read, (mode, depth, kd, k, s, j, frame)


def test_volume_scene_impossible_settings_give_one_line_errors_naming_the_argument():
    cases = [
        (dict(mode="3D", depth=2, kernel_depth=3), "kernel_depth"),
        (dict(mode="3D", depth=4, kernel_depth=3, out_slice=2), "out_slice"),
        (dict(mode="2D over full depth", depth=4, out_slice=1), "out_slice"),
        (dict(mode="3D", kernel_size=5, size=4), "kernel_size"),
        (dict(mode="4D"), "mode"),
        (dict(depth=0), "depth"),
    ]
    for values, name in cases:
        scene = safe_render(volume_conv_scene, values)
        assert set(scene) == {"error"}, values
        assert scene["error"].startswith(name) and "\n" not in scene["error"], scene["error"]


def test_volume_scene_2d_mode_ignores_kernel_depth():
    a = volume_conv_scene("2D over full depth", 5, kernel_depth=1)
    b = volume_conv_scene("2D over full depth", 5, kernel_depth=3)
    assert a.to_json() == b.to_json()


# --------------------------------------------------------------------------- causal_stack_scene
def _read_inputs(layers: int, kernel_size: int, dilation: str, padding: str, position: int, length: int,
                 with_padding: bool = False) -> set[int]:
    """Input positions whose gradient reaches output `position`, through a real PyTorch stack.

    With ``with_padding``, the first layer's padded input is the leaf, so the zeros it
    pads with count too (at positions below 0 or from ``length`` on).
    """
    x = torch.ones(1, 1, length)
    pads = [((kernel_size - 1) * d, 0) if padding == "causal" else same_padding(kernel_size, d)
            for d in causal_dilations(layers, dilation)]
    leaf = F.pad(x, pads[0]).requires_grad_() if with_padding else x.requires_grad_()
    h = leaf if with_padding else F.pad(leaf, pads[0])
    for layer, (d, (lo, hi)) in enumerate(zip(causal_dilations(layers, dilation), pads)):
        if layer:
            h = F.pad(h, (lo, hi))
        h = F.conv1d(h, torch.ones(1, 1, kernel_size), dilation=d)  # (1, 1, length)
        assert h.shape[-1] == length
    (grad,) = torch.autograd.grad(h[0, 0, position], leaf)
    shift = pads[0][0] if with_padding else 0
    return {i - shift for i in (grad[0, 0] != 0).nonzero().flatten().tolist()}


def _left_pad(scene, layers: int) -> int:
    """Zeros on the left of the input row: the top row (no padding) starts at position 0."""
    return int(scene.grid(f"row{layers}").x - scene.grid("row0").x)


def test_causal_stack_scene_marks_exactly_the_inputs_and_padding_zeros_pytorch_gradients_reach():
    length = 16
    for layers, k, dil, pad, t in itertools.product(range(1, 5), [2, 3], ["doubling", "none"], ["causal", "centred"], range(length)):
        scene = causal_stack_scene(layers, k, dil, pad, t, length)
        lo = _left_pad(scene, layers)
        row0 = scene.grid("row0")
        real = {c - lo for c, letter in enumerate(row0.cells) if letter == "k" and 0 <= c - lo < length}
        assert real == _read_inputs(layers, k, dil, pad, t, length), (layers, k, dil, pad, t)
        says_causal = "nothing after t: causal" in scene.lines[-1]
        assert says_causal == (pad == "causal")
        zeros = {c - lo for c, letter in enumerate(row0.cells) if letter == "x"}
        assert real | zeros == _read_inputs(layers, k, dil, pad, t, length, with_padding=True)
        assert all(not 0 <= z < length for z in zeros)
        pink = sum(g.cells.count("x") for g in scene.grids)
        assert (f"and {pink} padding zero" in scene.lines[-1]) == (pink > 0)


def _read_after(layers: int, kernel_size: int, dilation: str, padding: str, position: int, length: int) -> tuple[int, int]:
    """(inputs, padding zeros) after ``position`` that output ``position`` reads, from PyTorch's gradients.

    Every layer's padded input is kept, so the zeros of hidden layers count too;
    the zeros right of the sequence stand where future values would be.
    """
    pads = [((kernel_size - 1) * d, 0) if padding == "causal" else same_padding(kernel_size, d)
            for d in causal_dilations(layers, dilation)]
    h, padded = torch.ones(1, 1, length, requires_grad=True), []
    x = h
    for d, (lo, hi) in zip(causal_dilations(layers, dilation), pads):
        h = F.pad(h, (lo, hi))
        h.retain_grad()
        padded.append((h, lo))
        h = F.conv1d(h, torch.ones(1, 1, kernel_size), dilation=d)  # (1, 1, length)
    h[0, 0, position].backward()
    inputs = int((x.grad[0, 0, position + 1:] != 0).sum())
    zeros = sum(int((p.grad[0, 0, lo + length:] != 0).sum()) for p, lo in padded)
    return inputs, zeros


def test_causal_stack_scene_counts_what_the_output_reads_after_t_padding_zeros_included():
    # Issue 8: centred padding at t = 15 and t = 12 reads only a hidden layer's right-hand zero;
    # the text said "causal" while the links reached that zero in the future.
    for t in (15, 12):
        line = causal_stack_scene(4, 2, "doubling", "centred", t).lines[-1]
        assert line.endswith("; 1 zero after t: not causal"), line
    length = 16
    for layers, k, dil, pad, t in itertools.product(range(1, 5), [2, 3], ["doubling", "none"], ["causal", "centred"], range(length)):
        line = causal_stack_scene(layers, k, dil, pad, t, length).lines[-1]
        inputs, zeros = _read_after(layers, k, dil, pad, t, length)
        words = [f"{n} {w}{'s' * (n != 1)}" for n, w in ((inputs, "input"), (zeros, "zero")) if n]
        expected = f"; {' and '.join(words)} after t: not causal" if words else "; nothing after t: causal"
        assert line.endswith(expected), (layers, k, dil, pad, t, line)


def test_causal_stack_scene_reports_padding_zeros_exactly_for_the_first_r_minus_1_causal_outputs():
    for layers, k, dil in itertools.product(range(1, 5), [2, 3], ["doubling", "none"]):
        field = 1 + sum((k - 1) * d for d in causal_dilations(layers, dil))
        warm = [t for t in range(16) if "padding zero" in causal_stack_scene(layers, k, dil, "causal", t).lines[-1]]
        assert warm == list(range(min(field - 1, 16))), (layers, k, dil)


def test_causal_padding_never_reads_the_future_and_centred_padding_does():
    for layers, k, dil in itertools.product(range(1, 5), [2, 3], ["doubling", "none"]):
        assert all(max(_read_inputs(layers, k, dil, "causal", t, 16)) == t for t in range(16))
        assert any(max(_read_inputs(layers, k, dil, "centred", t, 16)) > t for t in range(16))


def test_causal_stack_receptive_field_line_equals_convlib_receptive_field():
    for layers, k, dil in itertools.product(range(1, 5), [2, 3], ["doubling", "none"]):
        stack = nn.Sequential(*[nn.Conv1d(1, 1, k, dilation=d) for d in causal_dilations(layers, dil)])
        stated = int(causal_stack_scene(layers, k, dil).lines[1].rsplit("=", 1)[1])
        assert stated == receptive_field(stack).size


def test_doubling_dilations_with_kernel_2_grow_the_receptive_field_2_4_8_16():
    fields = [int(causal_stack_scene(n, 2, "doubling").lines[1].rsplit("=", 1)[1]) for n in range(1, 5)]
    assert fields == [2, 4, 8, 16]
    assert [len(_read_inputs(n, 2, "doubling", "causal", 15, 16)) for n in range(1, 5)] == [2, 4, 8, 16]


def test_causal_stack_rows_are_padded_so_that_every_layer_keeps_the_sequence_length():
    for layers, k, dil, pad in itertools.product(range(1, 5), [2, 3], ["doubling", "none"], ["causal", "centred"]):
        scene = causal_stack_scene(layers, k, dil, pad, 7)
        for row, d in enumerate(causal_dilations(layers, dil)):
            assert conv_output_size(scene.grid(f"row{row}").cols, k, 1, 0, d) == 16, (layers, k, dil, pad, row)
        assert scene.grid(f"row{layers}").cols == 16
        for link in scene.links:
            for name, col in ((link.a, link.a_col), (link.b, link.b_col)):
                assert 0 <= col < scene.grid(name).cols


@pytest.mark.parametrize("values, name", [
    (dict(position=16), "position"), (dict(padding="same"), "padding"), (dict(dilation="tripling"), "dilation"),
    (dict(layers=0), "layers"), (dict(kernel_size=0), "kernel_size"),
])
def test_causal_stack_scene_bad_arguments_raise_one_line_errors_naming_them(values, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        causal_stack_scene(**values)


# --------------------------------------------------------------------------- widgets
@pytest.mark.parametrize("name", ["volume_explorer", "causal_stack_explorer"])
def test_every_control_of_the_chapter03_widgets_changes_the_scene_from_the_initial_state(name):
    """What the browser test checks on the site, in Python: no control is dead."""
    render, controls = RENDERS[name]
    start = {c["name"]: c["value"] for c in controls}
    initial = safe_render(render, start)
    assert "error" not in initial
    total = 1
    for control in controls:
        total *= len(control["options"])
        others = [safe_render(render, {**start, control["name"]: v}) for v in control["options"] if v != control["value"]]
        assert any(s != initial for s in others), f"{name}: {control['name']} changes nothing"
    assert total <= 1000


def test_causal_stack_explorer_builds_its_static_table_with_one_state_per_combination():
    widget = causal_stack_explorer()
    total = 1
    for control in causal_stack_explorer_controls():
        total *= len(control["options"])
    assert len(widget.table) == total
    assert "error" not in widget.scene


def test_volume_explorer_controls_reject_an_initial_value_outside_the_options():
    with pytest.raises(ValueError, match="value"):
        volume_explorer_controls(depth=9)
