"""Chapter 04's 1×1 convolution: the matmul operator, its scene and widget, its costs."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_convnd
from torch import nn

from convlib import cost
from convlib.ops.pointwise import PointwiseConv2d, pointwise_conv2d
from convlib.viz.pointwise import pointwise_scene
from convlib.widgets import RENDERS, safe_render
from convlib.widgets.pointwise import pointwise_explorer

pytestmark = pytest.mark.usefixtures("one_thread")


def _randn(*shape, seed=0, dtype=torch.float64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@st.composite
def pointwise_configs(draw):
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from([0, 1, (2, 0), (0, 1), "valid"] + (["same"] if stride == (1, 1) else [])))
    return dict(shape=(draw(st.integers(1, 2)), c_in, draw(st.integers(1, 6)), draw(st.integers(1, 6))), c_out=c_out,
                bias=draw(st.booleans()), kwargs=dict(stride=stride, padding=padding, groups=groups),
                seed=draw(st.integers(0, 2**31 - 1)))


@settings(max_examples=150, deadline=None)
@given(pointwise_configs())
def test_matmul_over_channels_equals_torch_conv2d_outputs_and_gradients(cfg):
    g = cfg["kwargs"]["groups"]
    x = _randn(*cfg["shape"], seed=cfg["seed"]).requires_grad_()
    w = _randn(cfg["c_out"], cfg["shape"][1] // g, 1, 1, seed=cfg["seed"] + 1).requires_grad_()
    b = _randn(cfg["c_out"], seed=cfg["seed"] + 2).requires_grad_() if cfg["bias"] else None
    ours = pointwise_conv2d(x, w, b, **cfg["kwargs"])
    ref = F.conv2d(x, w, b, **cfg["kwargs"])
    torch.testing.assert_close(ours, ref)
    inputs = [t for t in (x, w, b) if t is not None]
    grad = _randn(*ref.shape, seed=cfg["seed"] + 3)
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad), torch.autograd.grad(ref, inputs, grad)):
        torch.testing.assert_close(g_ours, g_ref)


def test_one_by_one_convolution_is_nn_linear_over_the_channel_axis_with_the_same_weights():
    conv = nn.Conv2d(5, 3, 1).double()
    linear = nn.Linear(5, 3).double()
    with torch.no_grad():
        linear.weight.copy_(conv.weight[:, :, 0, 0])
        linear.bias.copy_(conv.bias)
    x = _randn(2, 5, 4, 6)
    via_linear = linear(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # channels last, then back
    torch.testing.assert_close(pointwise_conv2d(x, conv.weight, conv.bias), via_linear)
    torch.testing.assert_close(conv(x), via_linear)


def test_matches_the_naive_loop_with_stride_padding_and_groups():
    x, w, b = _randn(1, 4, 5, 4, seed=1), _randn(6, 2, 1, 1, seed=2), _randn(6, seed=3)
    kwargs = dict(stride=(2, 1), padding=(1, 2), groups=2)
    torch.testing.assert_close(pointwise_conv2d(x, w, b, **kwargs), naive_convnd(x, w, b, **kwargs))


def test_padded_pixels_output_the_bias_alone():
    x, w, b = _randn(1, 3, 2, 2), _randn(4, 3, 1, 1, seed=1), _randn(4, seed=2)
    y = pointwise_conv2d(x, w, b, padding=1)
    assert y.shape == (1, 4, 4, 4)
    torch.testing.assert_close(y[0, :, 0, 0], b)


def test_passes_gradcheck_in_float64():
    x = _randn(2, 4, 3, 5).requires_grad_()
    w, b = _randn(6, 2, 1, 1, seed=1).requires_grad_(), _randn(6, seed=2).requires_grad_()
    assert torch.autograd.gradcheck(lambda *t: pointwise_conv2d(*t, stride=(1, 2), padding=1, groups=2), (x, w, b))


def test_batch_size_zero_gives_an_empty_batch_and_zero_weight_gradients():
    x = torch.randn(0, 3, 4, 4, requires_grad=True)
    w = torch.randn(5, 3, 1, 1, requires_grad=True)
    y = pointwise_conv2d(x, w, stride=2)
    assert y.shape == (0, 5, 2, 2)
    y.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros_like(w))


@pytest.mark.parametrize("make_view", [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2],
                                       lambda t: t.contiguous(memory_format=torch.channels_last)],
                         ids=["transposed", "sliced", "channels_last"])
def test_non_contiguous_inputs_and_weights_match_torch(make_view):
    x = make_view(_randn(2, 6, 7, 7))
    w = _randn(4, 2 * x.shape[1], 1, 1, seed=1)[:, ::2]  # (4, C_in, 1, 1), strided
    assert not w.is_contiguous()
    torch.testing.assert_close(pointwise_conv2d(x, w, stride=2), F.conv2d(x, w, stride=2))


def test_unbatched_input_matches_torch():
    x, w, b = _randn(3, 5, 4), _randn(2, 3, 1, 1, seed=1), _randn(2, seed=2)
    torch.testing.assert_close(pointwise_conv2d(x, w, b), F.conv2d(x, w, b))


def test_module_is_conv2d_with_a_one_by_one_kernel_and_counts_c_in_c_out_per_pixel():
    torch.manual_seed(0)
    layer = PointwiseConv2d(8, 16, stride=2)
    assert isinstance(layer, nn.Conv2d) and layer.kernel_size == (1, 1)
    x = torch.randn(2, 8, 10, 10)
    torch.testing.assert_close(layer(x), F.conv2d(x, layer.weight, layer.bias, stride=2))
    counted = cost.count(layer, (2, 8, 10, 10))
    assert counted.params == cost.conv_params(8, 16, 1) == 8 * 16 + 16
    assert counted.macs == 2 * 5 * 5 * 8 * 16 == 2 * cost.conv_macs(8, 16, 1, 5)


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 3, 3)), {}, "weight must have shape"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 4, 1, 1)), {}, "weight must have C_in/groups = 3"),
        ((torch.randn(3, 4), torch.randn(2, 3, 1, 1)), {}, "input must be 3-D"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1), torch.randn(3)), {}, "bias must be a 1-D tensor of C_out = 2"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1).double()), {}, "weight must have input's dtype"),
        ((torch.randn(1, 4, 4, 4), torch.randn(3, 2, 1, 1)), {"groups": 2}, "groups must divide"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1)), {"stride": 0}, "stride"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1)), {"padding": -1}, "padding"),
        ((torch.randn(1, 3, 4, 4), torch.randn(2, 3, 1, 1)), {"padding": "same", "stride": 2}, "padding='same'"),
        (("x", torch.randn(2, 3, 1, 1)), {}, "input must be a torch.Tensor"),
    ],
)
def test_impossible_arguments_raise_value_errors_naming_the_argument(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pointwise_conv2d(*args, **kwargs)


# --- the scene and the widget ------------------------------------------------------------------------------------

def test_scene_draws_the_weight_matrix_and_one_pixel_vector_in_and_out():
    scene = pointwise_scene(in_channels=3, out_channels=4, stride=1, size=4)
    assert scene.grid("weight").rows == 4 and scene.grid("weight").cols == 3
    assert scene.grid("pixel_in").cols == 3 and scene.grid("pixel_out").rows == 4
    assert any("16 parameters" in line for line in scene.lines)  # 4·3 weights + 4 biases
    assert any("multiply-adds: 12 per output pixel" in line for line in scene.lines)  # C_in·C_out


def test_grouped_scene_leaves_the_unstored_weights_blank_and_writes_only_stored_products():
    scene = pointwise_scene(in_channels=6, out_channels=6, stride=1, size=4, groups=3)
    weight = scene.grid("weight")
    stored = [letter != "." for letter in weight.cells]
    assert sum(stored) == 12  # 6 output channels × 2 input channels per group
    assert all(stored[r * 6 + c] == (r // 2 == c // 2) for r in range(6) for c in range(6))
    assert all(text == "" for text, s in zip(weight.text, stored) if not s)
    first_row = next(line for line in scene.lines if line.startswith("y = W x + b"))
    assert first_row.count("·") == 2  # row 0 reads only its group's two input channels


def test_scene_output_size_follows_the_stride_and_plurals_are_right():
    scene = pointwise_scene(in_channels=1, out_channels=1, stride=2, size=5)
    assert scene.grid("output").rows == 3 and scene.grid("output").cols == 3
    text = "\n".join(scene.lines)
    assert "input 1 channel " in text and "output 1 channel;" in text and "1 bias " in text
    assert not any(f" 1 {word}s" in text for word in ("channel", "parameter", "weight"))


def test_impossible_widget_settings_explain_themselves_in_one_line():
    for values in ({"in_channels": 3, "out_channels": 4, "stride": 1, "size": 4, "groups": 2},
                   {"in_channels": 4, "out_channels": 3, "stride": 1, "size": 4, "groups": 2},
                   {"in_channels": 7, "out_channels": 2, "stride": 1, "size": 4, "groups": 1}):
        error = safe_render(pointwise_scene, values)["error"]
        assert "\n" not in error and error
    assert "groups" in safe_render(pointwise_scene, {"in_channels": 3, "out_channels": 4, "stride": 1, "size": 4,
                                                     "groups": 2})["error"]


def test_widget_is_registered_and_starts_on_a_drawable_state():
    render, controls = RENDERS["pointwise_explorer"]
    assert render is pointwise_scene
    widget = pointwise_explorer()
    assert "grids" in widget.scene and len(widget.table) == len(pointwise_explorer().table)
