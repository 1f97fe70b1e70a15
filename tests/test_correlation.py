"""Chapter 01's scenes and widgets: every number drawn agrees with PyTorch and SciPy."""

from __future__ import annotations

import itertools

import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib.separable
from convlib.arithmetic import conv_output_size
from convlib.viz.correlation import (
    IMAGE,
    KERNELS,
    OPERATIONS,
    correlation_scene,
    example_tensors,
    im2col_scene,
    image_kernel,
    multichannel_scene,
)
from convlib.widgets import RENDERS, safe_render
from convlib.widgets.correlation import (
    correlation_explorer,
    correlation_explorer_controls,
    multichannel_explorer_controls,
)


def numbers(grid) -> list[float]:  # type: ignore[no-untyped-def]
    """The numbers printed in a grid's cells, read back."""
    return [float(t.replace("−", "-")) for t in grid.text]


def as_image(grid) -> torch.Tensor:  # type: ignore[no-untyped-def]
    return torch.tensor(numbers(grid), dtype=torch.float64).reshape(grid.rows, grid.cols)


def torch_correlate(x, w: torch.Tensor) -> torch.Tensor:  # type: ignore[no-untyped-def]
    x = torch.as_tensor(x, dtype=torch.float64)
    return F.conv2d(x[None, None], w.to(torch.float64)[None, None])[0, 0]


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_correlation_output_grid_equals_torch_conv2d_for_every_kernel(kernel: str) -> None:
    grid = correlation_scene(kernel, "cross-correlation").grid("output")
    expected = torch_correlate(IMAGE, image_kernel(kernel, torch.float64))
    torch.testing.assert_close(as_image(grid), expected, atol=0.051, rtol=0)  # cells print one decimal


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_convolution_output_grid_equals_scipy_convolve2d_valid(kernel: str) -> None:
    grid = correlation_scene(kernel, "convolution").grid("output")
    expected = scipy.signal.convolve2d(IMAGE, image_kernel(kernel, torch.float64).numpy(), mode="valid")
    torch.testing.assert_close(as_image(grid), torch.as_tensor(expected), atol=0.051, rtol=0)


@pytest.mark.parametrize("kernel", list(KERNELS))
def test_the_flipped_kernel_grid_is_the_kernel_rotated_180_degrees(kernel: str) -> None:
    scene = correlation_scene(kernel, "convolution")
    original = as_image(scene.grid("kernel"))
    torch.testing.assert_close(as_image(scene.grid("flipped")), original.flip(0, 1))
    assert "flipped" not in [g.name for g in correlation_scene(kernel, "cross-correlation").grids]


def test_symmetric_kernels_give_the_same_output_both_ways_and_sobel_flips_sign() -> None:
    def out(kernel: str, op: str) -> torch.Tensor:
        return as_image(correlation_scene(kernel, op).grid("output"))

    for kernel in ("identity", "box blur", "sharpen"):
        assert torch.equal(out(kernel, "cross-correlation"), out(kernel, "convolution")), kernel
    for kernel in ("sobel x", "sobel y"):
        assert torch.equal(out(kernel, "cross-correlation"), -out(kernel, "convolution")), kernel
        assert out(kernel, "convolution").abs().sum() > 0
    assert not torch.equal(out("shift", "cross-correlation"), out("shift", "convolution"))


@pytest.mark.parametrize("kernel,operation", list(itertools.product(KERNELS, OPERATIONS)))
def test_highlight_and_product_sum_match_the_chosen_output_pixel(kernel: str, operation: str) -> None:
    for row, col in itertools.product(range(4), range(4)):
        scene = correlation_scene(kernel, operation, row, col)
        inp, out = scene.grid("input"), scene.grid("output")
        window = {(row + u, col + v) for u in range(3) for v in range(3)}
        assert {divmod(i, inp.cols) for i, c in enumerate(inp.cells) if c in "kx"} == window
        assert [divmod(i, inp.cols) for i, c in enumerate(inp.cells) if c == "x"] == [(row + 1, col + 1)]  # the centre
        assert scene.lines[-1].startswith(f"y[{row}, {col}] sits over x[{row + 1}, {col + 1}]")
        assert [divmod(i, out.cols) for i, c in enumerate(out.cells) if c == "k"] == [(row, col)]
        line = scene.lines[1]
        assert line.startswith(f"y[{row}, {col}] = ")
        assert line.endswith(out.text[row * out.cols + col]), line  # the sum ends in the cell's value


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 8), st.integers(3, 8), st.sampled_from(list(KERNELS)), st.sampled_from(OPERATIONS), st.data())
def test_correlation_scene_on_random_images_has_the_torch_output_shape_and_values(h, w, kernel, operation, data) -> None:  # type: ignore[no-untyped-def]
    image = [[data.draw(st.integers(-9, 9)) for _ in range(w)] for _ in range(h)]
    grid = correlation_scene(kernel, operation, 0, 0, image=image).grid("output")
    weight = image_kernel(kernel, torch.float64)
    expected = torch_correlate(image, weight.flip(0, 1) if operation == "convolution" else weight)
    assert (grid.rows, grid.cols) == tuple(expected.shape) == (conv_output_size(h, 3), conv_output_size(w, 3))
    torch.testing.assert_close(as_image(grid), expected, atol=0.051, rtol=0)


@pytest.mark.parametrize(
    "values,argument",
    [
        (dict(kernel="gaussian"), "kernel"),
        (dict(operation="flip"), "operation"),
        (dict(row=4), "row"),
        (dict(col=-1), "col"),
        (dict(image=[[1, 2], [3, 4]]), "kernel_size"),
        (dict(image=[[1, 2, 3], [4, 5]]), "image"),
    ],
)
def test_impossible_correlation_settings_give_a_one_line_error_naming_the_argument(values, argument) -> None:  # type: ignore[no-untyped-def]
    scene = safe_render(correlation_scene, values)
    assert set(scene) == {"error"} and "\n" not in scene["error"]
    assert scene["error"].startswith(argument), scene["error"]


@pytest.mark.parametrize("c_in,c_out,k,size", list(itertools.product(range(1, 4), range(1, 4), range(1, 5), range(2, 7))))
def test_multichannel_scene_numbers_equal_conv2d_with_bias(c_in: int, c_out: int, k: int, size: int) -> None:
    if k > size:
        scene = safe_render(multichannel_scene, dict(in_channels=c_in, out_channels=c_out, kernel_size=k, size=size))
        assert scene["error"].startswith("kernel_size too large") and "\n" not in scene["error"]
        return
    scene = multichannel_scene(c_in, c_out, k, size)
    x = torch.stack([as_image(scene.grid(f"x{c}")) for c in range(c_in)])  # (C_in, size, size)
    w = torch.stack([torch.stack([as_image(scene.grid(f"w{f}_{c}")) for c in range(c_in)]) for f in range(c_out)])
    b = torch.tensor([numbers(scene.grid(f"b{f}"))[0] for f in range(c_out)], dtype=torch.float64)
    y = torch.stack([as_image(scene.grid(f"y{f}")) for f in range(c_out)])
    assert w.shape == (c_out, c_in, k, k)
    torch.testing.assert_close(y, F.conv2d(x[None], w, b)[0])
    o = conv_output_size(size, k)
    assert y.shape[1:] == (o, o)
    assert len(scene.windows) == c_in * c_out and all(win.frames == o * o for win in scene.windows)
    assert len([g for g in scene.grids if g.name.startswith("y")]) == c_out  # one output channel per filter


@pytest.mark.parametrize("c_in,k,size", [(3, 3, 5), (1, 2, 4), (2, 1, 3)])
def test_multichannel_sum_line_follows_the_highlighted_pixel_frame_by_frame(c_in: int, k: int, size: int) -> None:
    # Issue 8: the text always worked out y[0][0, 0] while the animation moved on.
    scene = multichannel_scene(c_in, 2, k, size)
    o = conv_output_size(size, k)
    y0 = numbers(scene.grid("y0"))  # row-major, as the frames
    assert len(scene.frame_lines) == scene.windows[0].frames == o * o
    for frame, line in enumerate(scene.frame_lines):
        _, (i, j) = scene.windows[0].taps(frame)  # the output pixel the window highlights
        assert line.startswith(f"y[0][{i}, {j}] = Σ_c (x[c] ⋆ w[0,c])[{i}, {j}] + b[0] = "), line
        terms = line.split("=")[-2].split("+")
        assert len(terms) == c_in + 1  # one partial sum per input channel, then the bias
        total = sum(float(t.strip().strip("()").replace("−", "-")) for t in terms)
        assert total == y0[i * o + j] == float(line.rsplit("=", 1)[1].replace("−", "-"))
    assert not any(line.startswith("y[0]") for line in scene.lines)  # no fixed pixel among the static lines


def test_example_tensors_are_slices_of_one_pool_so_other_numbers_stay_put() -> None:
    x3, w3, b3 = example_tensors(3, 3, 3, 6)
    x1, w1, b1 = example_tensors(1, 2, 2, 4)
    assert x1[0] == [r[:4] for r in x3[0][:4]]
    assert w1[1][0] == [r[:2] for r in w3[1][0][:2]] and b1 == b3[:2]


@pytest.mark.parametrize("name,value", [("in_channels", 0), ("out_channels", 5), ("kernel_size", 6), ("size", 9), ("size", True)])
def test_multichannel_scene_rejects_out_of_range_settings_naming_the_argument(name: str, value: int) -> None:
    values = dict(in_channels=2, out_channels=2, kernel_size=3, size=5) | {name: value}
    with pytest.raises(ValueError, match=f"^{name} must be"):
        multichannel_scene(**values)


@pytest.mark.parametrize("size,k,c_in,c_out", [(4, 3, 1, 1), (4, 3, 2, 2), (5, 2, 3, 1), (3, 1, 2, 3), (6, 4, 1, 2)])
def test_im2col_matrix_is_torch_unfold_and_its_product_is_conv2d(size: int, k: int, c_in: int, c_out: int) -> None:
    scene = im2col_scene(size, k, c_in, c_out)
    x = torch.stack([as_image(scene.grid(f"x{c}")) for c in range(c_in)])[None]  # (1, C_in, size, size)
    cols = as_image(scene.grid("cols"))  # (positions, C_in·k·k)
    torch.testing.assert_close(cols, F.unfold(x, k)[0].T)
    assert torch.equal(cols, torch.tensor(scene.grid("cols").values, dtype=torch.float64).reshape(cols.shape))
    _, w, b = example_tensors(c_in, c_out, k, size)
    weight = torch.tensor(w, dtype=torch.float64)  # (C_out, C_in, k, k)
    torch.testing.assert_close(as_image(scene.grid("weight")), weight.flatten(1))
    y = F.conv2d(x, weight, torch.tensor(b, dtype=torch.float64))[0]  # (C_out, o, o)
    torch.testing.assert_close(as_image(scene.grid("product")), y.flatten(1).T)
    torch.testing.assert_close(as_image(scene.grid("folded")), y[0])
    frames = {win.frames for win in scene.windows}
    assert frames == {conv_output_size(size, k) ** 2}  # input window t goes with matrix row t


def test_image_kernel_applies_the_divisor_and_rejects_unknown_names() -> None:
    assert image_kernel("box blur").sum().item() == pytest.approx(1.0)
    # The book's one Sobel convention (chapter 07's outer product): x = [1, 2, 1]ᵀ·[1, 0, −1], y its transpose.
    sobel_x = torch.outer(torch.tensor([1.0, 2, 1]), torch.tensor([1.0, 0, -1]))
    assert torch.equal(image_kernel("sobel x"), sobel_x)
    assert torch.equal(image_kernel("sobel y"), sobel_x.T)
    assert torch.equal(image_kernel("sobel x").double(), convlib.separable.example_kernel("sobel"))
    torch.testing.assert_close(image_kernel("sobel y"), image_kernel("sobel x").T)
    with pytest.raises(ValueError, match="^kernel must be one of"):
        image_kernel("laplace")


@pytest.mark.parametrize("name", ["correlation_explorer", "multichannel_explorer"])
def test_every_control_of_the_chapter01_widgets_changes_the_scene(name: str) -> None:
    render, controls = RENDERS[name]
    start = {c["name"]: c["value"] for c in controls}
    for control in controls:
        scenes = {str(safe_render(render, start | {control["name"]: v})) for v in control["options"]}
        assert len(scenes) == len(control["options"]), f"{control['name']} has options that draw the same scene"


def test_widget_controls_cover_the_whole_output_and_every_kernel() -> None:
    controls = {c["name"]: c["options"] for c in correlation_explorer_controls()}
    assert controls["kernel"] == list(KERNELS) and controls["operation"] == list(OPERATIONS)
    o = conv_output_size(len(IMAGE), 3)
    assert controls["row"] == list(range(o)) and controls["col"] == list(range(o))
    multi = {c["name"]: c["options"] for c in multichannel_explorer_controls()}
    assert max(multi["kernel_size"]) > min(multi["size"])  # some setting is impossible and must explain itself


def test_correlation_explorer_starts_on_the_scene_of_its_initial_values() -> None:
    widget = correlation_explorer("sharpen", "convolution", 2, 3)
    assert widget.scene == correlation_scene("sharpen", "convolution", 2, 3).to_json()
    assert len(widget.table) == len(KERNELS) * len(OPERATIONS) * 16


def test_im2col_scene_draws_the_bias_so_every_y_entry_adds_up_from_the_figure() -> None:
    scene = im2col_scene(4, 3, 2, 2)
    cols, weight = as_image(scene.grid("cols")), as_image(scene.grid("weight"))
    bias = as_image(scene.grid("bias")).flatten()
    torch.testing.assert_close(as_image(scene.grid("product")), cols @ weight.T + bias)
