"""Chapter 05's scenes and widgets agree with PyTorch's transposed convolution and with convlib.arithmetic."""

from __future__ import annotations

import itertools
import re

import pytest
import torch
import torch.nn.functional as F

from convlib.arithmetic import conv_transpose_output_size
from convlib.ops import conv_matrix
from convlib.viz.transposed import (
    checkerboard_input_size,
    checkerboard_scene,
    conv_matrix_scene,
    overlap_counts,
    overlap_summary,
    resize_conv_counts,
    transposed_output_size_formula,
    zero_insertion_scene,
)
from convlib.widgets import RENDERS, safe_render, tabulate
from convlib.widgets.transposed import checkerboard_explorer, transposed_explorer

SETTINGS = list(itertools.product(range(1, 5), range(1, 5), range(1, 4), range(0, 3), range(0, 3), range(1, 3)))


def stretched_tensor(scene, x: torch.Tensor) -> torch.Tensor:
    """The zero-inserted grid of a scene as a tensor: input pixel n (numbered from 1) where the scene says so, else 0."""
    grid = scene.grid("stretched")
    values = torch.zeros(grid.rows * grid.cols, dtype=x.dtype)
    for idx, (cell, label) in enumerate(zip(grid.cells, grid.text)):
        assert (cell == "i") == bool(label), "exactly the input cells carry a pixel number"
        if cell == "i":
            values[idx] = x.flatten()[int(label) - 1]
    return values.reshape(1, 1, grid.rows, grid.cols)


@pytest.mark.parametrize("size, kernel_size, stride, padding, output_padding, dilation", SETTINGS)
def test_zero_insertion_grid_convolved_with_flipped_kernel_equals_torch_conv_transpose2d(
    size, kernel_size, stride, padding, output_padding, dilation
):
    args = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    gen = torch.Generator().manual_seed(size * 1000 + kernel_size * 100 + stride * 10 + padding)
    x = torch.randn(1, 1, size, size, generator=gen, dtype=torch.float64)
    w = torch.randn(1, 1, kernel_size, kernel_size, generator=gen, dtype=torch.float64)
    try:
        expected = F.conv_transpose2d(x, w, **args)
    except RuntimeError:
        with pytest.raises(ValueError):
            zero_insertion_scene(size, kernel_size, **args)
        return
    scene = zero_insertion_scene(size, kernel_size, **args)
    out = scene.grid("output")
    assert (out.rows, out.cols) == tuple(expected.shape[-2:])
    assert scene.windows[0].frames == expected[0, 0].numel()
    got = F.conv2d(stretched_tensor(scene, x), w.flip(-1, -2), dilation=dilation)
    torch.testing.assert_close(got, expected)


def test_zero_insertion_scene_handles_non_square_settings_like_torch():
    x, w = torch.randn(1, 1, 2, 3, dtype=torch.float64), torch.randn(1, 1, 3, 2, dtype=torch.float64)
    args = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), dilation=(1, 2))
    scene = zero_insertion_scene((2, 3), (3, 2), **args)
    expected = F.conv_transpose2d(x, w, **args)
    torch.testing.assert_close(F.conv2d(stretched_tensor(scene, x), w.flip(-1, -2), dilation=(1, 2)), expected)


def test_zero_insertion_window_taps_stay_inside_the_stretched_grid_on_every_frame():
    scene = zero_insertion_scene(3, 3, 2, 1, 1)
    grid, window = scene.grid("stretched"), scene.windows[0]
    for frame in range(window.frames):
        taps, _ = window.taps(frame)
        assert all(0 <= r < grid.rows and 0 <= c < grid.cols for r, c in taps)


def test_zero_insertion_scene_counts_inserted_zeros_and_padding_as_the_formula_says():
    scene = zero_insertion_scene(3, 3, 2, 0, 1)
    grid = scene.grid("stretched")
    assert grid.cells.count("i") == 9
    assert grid.rows == 2 * (3 - 1) + 1 + 2 * 2 + 1
    assert grid.cells.count("z") == 5 * 5 - 9  # zeros between pixels, inside the stretched input
    assert "crop" not in " ".join(scene.lines)
    assert "crop 1 from each side" in " ".join(zero_insertion_scene(3, 2, 2, 2).lines)
    assert "padding k−1−p = 3−1−0 = 2 on each side" in " ".join(scene.lines)  # no d before chapter 05 uses it
    assert "padding d(k−1)−p = 2·(3−1)−0 = 4" in " ".join(zero_insertion_scene(3, 3, 2, 0, 0, 2).lines)


@pytest.mark.parametrize("size, kernel_size, stride, padding, output_padding, dilation", SETTINGS[::7])
def test_transposed_formula_line_ends_with_the_output_size(size, kernel_size, stride, padding, output_padding, dilation):
    try:
        expected = conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
    except ValueError:
        return
    line = transposed_output_size_formula(size, kernel_size, stride, padding, output_padding, dilation)
    assert line.endswith(f"= {expected}")
    assert ("d(k−1)" in line) == (dilation > 1)


@pytest.mark.parametrize(
    "values, fragment",
    [
        (dict(size=3, kernel_size=3, stride=2, padding=1, output_padding=2), "output padding 2 must be smaller than the stride 2"),
        (dict(size=2, kernel_size=1, stride=1, padding=2, output_padding=0), "padding 2 crops away the whole output"),
        (dict(size=0, kernel_size=3, stride=1, padding=0, output_padding=0), "size must be positive"),
    ],
)
def test_impossible_transposed_settings_render_as_one_line_errors(values, fragment):
    # The widget has no dilation control, so its reasons speak of the stride alone and show no negative size.
    scene = safe_render(zero_insertion_scene, values)
    assert set(scene) == {"error"}
    assert fragment in scene["error"] and "\n" not in scene["error"]
    assert "dilation" not in scene["error"] and "would have" not in scene["error"]
    with pytest.raises(ValueError):
        conv_transpose_output_size(values["size"], values["kernel_size"], values["stride"], values["padding"], values["output_padding"])


def test_conv_matrix_scene_shows_a_4x16_matrix_and_its_transpose_for_a_4x4_input_and_3x3_kernel():
    scene = conv_matrix_scene(4, 3)
    c, ct = scene.grid("C"), scene.grid("CT")
    assert (c.rows, c.cols) == (4, 16) and (ct.rows, ct.cols) == (16, 4)
    matrix = conv_matrix(torch.arange(1.0, 10).reshape(3, 3), 4)
    assert c.values == matrix.flatten().tolist()
    assert ct.values == matrix.T.flatten().tolist()
    assert sorted(v for v in c.values if v) == sorted(list(range(1, 10)) * 4)


@pytest.mark.parametrize("size, kernel_size, stride, padding", [(5, 3, 2, 1), (4, 2, 2, 0), (3, 1, 1, 0)])
def test_conv_matrix_scene_size_follows_the_convolution(size, kernel_size, stride, padding):
    scene = conv_matrix_scene(size, kernel_size, stride, padding)
    y = F.conv2d(torch.zeros(1, 1, size, size), torch.zeros(1, 1, kernel_size, kernel_size), stride=stride, padding=padding)
    assert (scene.grid("C").rows, scene.grid("C").cols) == (y[0, 0].numel(), size * size)
    assert scene.grid("output").rows * scene.grid("output").cols == y[0, 0].numel()


@pytest.mark.parametrize("kernel_size, stride", list(itertools.product(range(1, 7), range(1, 5))))
def test_overlap_counts_are_torch_conv_transpose2d_of_ones(kernel_size, stride):
    n = checkerboard_input_size(kernel_size, stride)
    expected = F.conv_transpose2d(torch.ones(1, 1, n, n), torch.ones(1, 1, kernel_size, kernel_size), stride=stride)[0, 0]
    torch.testing.assert_close(overlap_counts(kernel_size, stride, n), expected)
    assert expected.shape[0] == conv_transpose_output_size(n, kernel_size, stride)


@pytest.mark.parametrize("kernel_size, stride", list(itertools.product(range(1, 9), range(1, 6))))
def test_overlap_is_uneven_exactly_when_the_stride_does_not_divide_the_kernel_size(kernel_size, stride):
    first, second = overlap_summary(kernel_size, stride)
    assert first.startswith("uneven overlap" if kernel_size % stride else "even overlap"), first
    assert f"k={kernel_size}" in first and f"s={stride}" in first
    assert second == f"resize-then-convolve: every interior output receives {kernel_size**2} contribution" + (
        "" if kernel_size == 1 else "s"
    )


def test_kernel_3_stride_2_gives_one_two_and_four_contributions_in_2d_and_one_and_two_in_1d():
    counts = overlap_counts(3, 2, 6)
    assert sorted({int(v) for v in counts[2:-2, 2:-2].flatten()}) == [1, 2, 4]
    line = F.conv_transpose1d(torch.ones(1, 1, 6), torch.ones(1, 1, 3), stride=2)[0, 0]
    assert sorted({int(v) for v in line[2:-2]}) == [1, 2]
    assert "1, 2 or 4 contributions" in overlap_summary(3, 2)[0]


@pytest.mark.parametrize("kernel_size, stride", [(3, 2), (4, 2), (5, 3), (2, 2)])
def test_resize_then_convolve_counts_are_k_squared_wherever_the_window_fits(kernel_size, stride):
    counts = resize_conv_counts(kernel_size, stride, 4)
    assert counts.shape == (4 * stride, 4 * stride)
    assert counts.max().item() == kernel_size**2
    lo = (kernel_size - 1) // 2
    hi = 4 * stride - kernel_size // 2
    assert torch.all(counts[lo:hi, lo:hi] == kernel_size**2)


@pytest.mark.parametrize("kernel_size, stride", list(itertools.product(range(1, 7), range(1, 5))))
def test_checkerboard_scene_grids_have_the_transposed_and_resized_output_sizes(kernel_size, stride):
    scene = checkerboard_scene(kernel_size, stride)
    n = scene.grid("input").rows
    assert scene.grid("transposed").rows == stride * (n - 1) + kernel_size
    assert scene.grid("resized").rows == n * stride
    assert scene.grid("transposed").values == overlap_counts(kernel_size, stride, n).flatten().tolist()
    assert re.search(rf"= {stride * (n - 1) + kernel_size}$", scene.lines[0])
    assert scene.lines[1].startswith(f"resize-conv: i′·s = {n}·{stride} = {n * stride},")
    assert scene.lines[2:] == list(overlap_summary(kernel_size, stride))


@pytest.mark.parametrize("values", [dict(kernel_size=0, stride=2), dict(kernel_size=3, stride=0)])
def test_impossible_checkerboard_settings_render_as_one_line_errors(values):
    scene = safe_render(checkerboard_scene, values)
    name = next(k for k, v in values.items() if v == 0)
    assert set(scene) == {"error"} and scene["error"].startswith(name) and "\n" not in scene["error"]


def test_chapter05_widgets_are_registered_and_their_default_states_draw():
    for name, factory in (("transposed_explorer", transposed_explorer), ("checkerboard_explorer", checkerboard_explorer)):
        render, controls = RENDERS[name]
        table = tabulate(render, controls)
        assert len(table) <= 1000
        widget = factory()
        assert widget.table == table
        assert "error" not in widget.scene and widget.scene["grids"]
