"""Chapter 06's scenes and widget agree with autograd, torch's dilated convolution and convlib.arithmetic."""

from __future__ import annotations

import functools
import itertools
import json

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib.arithmetic import effective_kernel_size, receptive_field
from convlib.scene import Scene
from convlib.viz import dilated_kernel_scene, dilated_path_counts, dilated_paths_scene, dilated_stack_scene
from convlib.widgets import RENDERS, dilation_explorer, safe_render
from convlib.widgets.dilated import dilation_explorer_controls

STACKS = [list(ds) for n in (1, 2, 3) for ds in itertools.product(range(1, 5), repeat=n)]


def autograd_paths(dilations: list[int], kernel_size: int) -> torch.Tensor:
    """Gradient of one output pixel of an all-ones stride-1 stack with respect to its whole input window."""
    return _autograd_paths(tuple(dilations), kernel_size)


@functools.lru_cache(maxsize=None)
def _autograd_paths(dilations: tuple[int, ...], kernel_size: int) -> torch.Tensor:
    width = 1 + sum(effective_kernel_size(kernel_size, d) - 1 for d in dilations)
    x = torch.zeros(1, 1, width, width, dtype=torch.float64, requires_grad=True)
    y = x
    for d in dilations:
        y = F.conv2d(y, torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64), dilation=d)
    assert y.shape[-2:] == (1, 1)  # the window is exactly one output's receptive field
    (grad,) = torch.autograd.grad(y.sum(), x)
    return grad[0, 0]


def heat(scene: Scene) -> torch.Tensor:
    grid = scene.grid("paths")
    values = [v if c != "." else 0 for v, c in zip(grid.values or [], grid.cells)]
    return torch.tensor(values, dtype=torch.float64).reshape(grid.rows, grid.cols)


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_heat_map_shades_the_autograd_gradient_of_an_all_ones_stack_on_one_fixed_scale(kernel_size: int) -> None:
    for dilations in STACKS:
        expected = autograd_paths(dilations, kernel_size).flatten()
        scene = dilated_paths_scene(dilations, kernel_size)
        shade = heat(scene).flatten()
        assert torch.equal(shade > 0, expected > 0), dilations  # holes exactly where no path arrives
        order = torch.argsort(expected)
        assert torch.all(torch.diff(shade[order]) >= 0), dilations  # more paths, never a paler cell
        assert scene.grid("paths").vmax == 1.0 and float(shade.max()) <= 0.55  # fixed scale, never darker than mid red
        text = scene.grid("paths").text
        if text is not None:
            assert text == [str(int(v)) if v else "" for v in expected.tolist()]


def test_one_path_has_the_same_colour_in_every_setting() -> None:
    shades = {float(heat(dilated_paths_scene(ds)).flatten()[heat(dilated_paths_scene(ds)).flatten() > 0].min())
              for ds in ([4], [4, 1], [4, 4, 4], [1, 1, 1], [2, 2, 2])}
    assert len(shades) == 1, shades


@given(st.lists(st.integers(1, 6), min_size=1, max_size=4), st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_path_counts_are_the_1d_gradient_and_sum_to_k_to_the_layers(dilations: list[int], kernel_size: int) -> None:
    counts = dilated_path_counts(dilations, kernel_size)
    width = len(counts)
    x = torch.zeros(1, 1, width, dtype=torch.float64, requires_grad=True)
    y = x
    for d in dilations:
        y = F.conv1d(y, torch.ones(1, 1, kernel_size, dtype=torch.float64), dilation=d)
    (grad,) = torch.autograd.grad(y.sum(), x)
    assert counts == [int(v) for v in grad[0, 0]]
    assert sum(counts) == kernel_size ** len(dilations)
    assert dilated_path_counts(dilations[::-1], kernel_size) == counts, "the order of the layers must not matter"


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_scene_width_is_the_receptive_field_of_the_real_stack(kernel_size: int) -> None:
    for dilations in STACKS:
        with torch.device("meta"):
            stack = nn.Sequential(*[nn.Conv2d(1, 1, kernel_size, dilation=d) for d in dilations])
        size = receptive_field(stack).size
        scene = dilated_paths_scene(dilations, kernel_size)
        assert scene.grid("paths").cols == scene.grid("paths").rows == size
        assert all(scene.grid(f"a{layer}").cols == size for layer in range(len(dilations) + 1))
        assert f"receptive field {size}×{size}" in scene.lines[0]


@pytest.mark.parametrize("kernel_size", [2, 3])
def test_seen_line_counts_the_nonzero_gradients(kernel_size: int) -> None:
    for dilations in STACKS:
        grad = autograd_paths(dilations, kernel_size)
        seen, total = int((grad != 0).sum()), grad.numel()
        line = dilated_paths_scene(dilations, kernel_size).lines[1]
        assert line.startswith(f"seen: {seen} of {total} pixels"), (dilations, line)
        assert ("gridding" in line) == (seen < total and len(dilations) > 1), (dilations, line)
        assert ("sparse grid by design" in line) == (seen < total and len(dilations) == 1), (dilations, line)


def test_equal_dilations_grid_and_hybrid_rates_do_not() -> None:
    assert dilated_path_counts([2, 2, 2]) == [1, 0, 3, 0, 6, 0, 7, 0, 6, 0, 3, 0, 1]
    for hybrid in ([1, 2, 3], [1, 2, 5], [1, 2, 4, 8]):
        assert all(dilated_path_counts(hybrid)), hybrid
    assert dilated_paths_scene([2, 2, 2]).lines[1].startswith("seen: 49 of 169")


def test_path_diagram_rows_and_links_follow_the_taps() -> None:
    for kernel_size, dilations in itertools.product([2, 3], STACKS):
        scene = dilated_paths_scene(dilations, kernel_size)
        counts = dilated_path_counts(dilations, kernel_size)
        bottom = scene.grid("a0").cells
        assert [c == "c" for c in bottom] == [n > 0 for n in counts]  # purple: blue is kept for "never read"
        assert scene.grid(f"a{len(dilations)}").cells.count("o") == 1
        for link in scene.links:
            layer = int(link.a[1:])
            d = dilations[layer - 1]
            start = (effective_kernel_size(kernel_size, d) - 1) // 2
            assert link.b == f"a{layer - 1}" and (link.b_col - link.a_col + start) % d == 0
            assert 0 <= link.b_col - link.a_col + start <= (kernel_size - 1) * d
        on_path = sum(scene.grid(f"a{layer}").cells.count(c) for layer in range(1, len(dilations) + 1) for c in "oc")
        assert len(scene.links) == kernel_size * on_path


@pytest.mark.parametrize("kernel_size,dilation", list(itertools.product(range(1, 6), range(1, 6))))
def test_kernel_scene_taps_make_a_kernel_equal_to_torch_dilation(kernel_size: int, dilation: int) -> None:
    scene = dilated_kernel_scene(kernel_size, dilation)
    grid = scene.grid("dilated")
    assert grid.rows == grid.cols == effective_kernel_size(kernel_size, dilation)
    taps = torch.tensor([c == "k" for c in grid.cells]).reshape(grid.rows, grid.cols)
    assert int(taps.sum()) == kernel_size**2
    w = torch.randn(2, 3, kernel_size, kernel_size, dtype=torch.float64)
    spread = torch.zeros(2, 3, grid.rows, grid.cols, dtype=torch.float64)
    spread[:, :, taps] = w.flatten(2)
    x = torch.randn(1, 3, grid.rows + 4, grid.cols + 3, dtype=torch.float64)
    torch.testing.assert_close(F.conv2d(x, spread), F.conv2d(x, w, dilation=dilation))
    assert scene.lines[0].endswith(f"= {grid.rows}")


@pytest.mark.parametrize(
    "render,values,name",
    [
        (dilated_stack_scene, {"dilation_2": 0}, "dilation_2"),
        (dilated_stack_scene, {"layers": 4}, "layers"),
        (dilated_stack_scene, {"kernel_size": 0}, "kernel_size"),
        (dilated_kernel_scene, {"dilation": 0}, "dilation"),
        (dilated_kernel_scene, {"kernel_size": -1}, "kernel_size"),
        (dilated_paths_scene, {"dilations": []}, "dilations"),
        (dilated_paths_scene, {"dilations": [1, 0]}, "dilations"),
    ],
)
def test_impossible_settings_give_a_one_line_error_naming_the_argument(render, values, name) -> None:  # type: ignore[no-untyped-def]
    scene = safe_render(render, values)
    assert set(scene) == {"error"} and "\n" not in scene["error"] and scene["error"].startswith(name), scene


def test_fewer_layers_ignore_the_upper_dilations() -> None:
    one = dilated_stack_scene(3, 1, 2, 3, 4)
    assert one.to_json() == dilated_stack_scene(3, 1, 2, 1, 1).to_json() == dilated_paths_scene([2], 3).to_json()


def test_widget_is_registered_with_every_state_drawable_and_light() -> None:
    render, controls = RENDERS["dilation_explorer"]
    assert render is dilated_stack_scene
    assert [c["name"] for c in controls] == ["kernel_size", "layers", "dilation_1", "dilation_2", "dilation_3"]
    widget = dilation_explorer()
    assert len(widget.table) == 2 * 3 * 4 * 4 * 4
    assert all("error" not in s for s in widget.table.values())
    assert len(json.dumps(widget.table)) < 1_500_000
    assert widget.scene == dilated_stack_scene().to_json()
    widget.values = {**widget.values, "dilation_1": 2, "dilation_2": 2, "dilation_3": 2}
    assert widget.scene["lines"][1].startswith("seen: 49 of 169")
    assert [c["value"] for c in dilation_explorer_controls(2, 1, 4, 4, 4)] == [2, 1, 4, 4, 4]
