"""Chapter 09: depthwise_conv2d and DepthwiseConv2d against PyTorch and the naive twin; costs, scenes and widget."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_convnd
from torch import nn

from convlib import cost, ops
from convlib.ops.depthwise import DepthwiseConv2d, depthwise_conv2d

pytestmark = [pytest.mark.usefixtures("one_thread"), pytest.mark.filterwarnings("ignore:Using padding='same'")]  # torch's reference warns


@st.composite
def depthwise_configs(draw):
    c, m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    kind = draw(st.sampled_from(["int", "tuple", "valid", "same"] if stride == (1, 1) else ["int", "tuple", "valid"]))
    padding = {"int": draw(st.integers(0, 2)), "tuple": (draw(st.integers(0, 2)), draw(st.integers(0, 2))),
               "valid": "valid", "same": "same"}[kind]
    size = tuple(d * (k - 1) + 1 + draw(st.integers(0, 4)) for k, d in zip((kh, kw), dilation))
    return dict(shape=(draw(st.integers(1, 2)), c, *size), weight=(c * m, 1, kh, kw), bias=draw(st.booleans()),
                kwargs=dict(stride=stride, padding=padding, dilation=dilation), seed=draw(st.integers(0, 2**31 - 1)))


def _tensors(cfg, dtype=torch.float64):
    gen = torch.Generator().manual_seed(cfg["seed"])
    x = torch.randn(cfg["shape"], generator=gen, dtype=dtype, requires_grad=True)
    w = torch.randn(cfg["weight"], generator=gen, dtype=dtype, requires_grad=True)
    b = torch.randn(cfg["weight"][0], generator=gen, dtype=dtype, requires_grad=True) if cfg["bias"] else None
    return x, w, b


@settings(max_examples=150, deadline=None)
@given(depthwise_configs())
def test_depthwise_conv2d_equals_torch_conv2d_with_groups_c_in_outputs_and_gradients(cfg):
    x, w, b = _tensors(cfg)
    ours = depthwise_conv2d(x, w, b, **cfg["kwargs"])
    ref = F.conv2d(x, w, b, groups=x.shape[1], **cfg["kwargs"])
    torch.testing.assert_close(ours, ref)
    inputs = [t for t in (x, w, b) if t is not None]
    grad = torch.randn(ref.shape, dtype=ref.dtype, generator=torch.Generator().manual_seed(cfg["seed"] + 1))
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad), torch.autograd.grad(ref, inputs, grad)):
        torch.testing.assert_close(g_ours, g_ref)


@settings(max_examples=40, deadline=None)
@given(depthwise_configs())
def test_depthwise_conv2d_matches_torch_in_float32(cfg):
    x, w, b = _tensors(cfg, torch.float32)
    torch.testing.assert_close(depthwise_conv2d(x, w, b, **cfg["kwargs"]), F.conv2d(x, w, b, groups=x.shape[1], **cfg["kwargs"]))


@pytest.mark.parametrize("multiplier, kwargs", [(1, dict()), (2, dict(stride=2, padding=1)), (3, dict(padding=(1, 0), dilation=(1, 2)))])
def test_depthwise_conv2d_matches_the_naive_loop(multiplier, kwargs):
    gen = torch.Generator().manual_seed(multiplier)
    x = torch.randn(2, 3, 6, 7, generator=gen, dtype=torch.float64)
    w = torch.randn(3 * multiplier, 1, 3, 2, generator=gen, dtype=torch.float64)
    b = torch.randn(3 * multiplier, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(depthwise_conv2d(x, w, b, **kwargs), naive_convnd(x, w, b, groups=3, **kwargs))


def test_each_output_channel_sees_only_its_own_input_channel():
    x = torch.zeros(1, 3, 5, 5)
    x[0, 1] = torch.randn(5, 5)  # only channel 1 is non-zero
    y = depthwise_conv2d(x, torch.randn(6, 1, 3, 3), padding=1)  # multiplier 2: channel 1 -> outputs 2 and 3
    assert [bool(y[0, o].any()) for o in range(6)] == [False, False, True, True, False, False]


def test_depthwise_conv2d_passes_gradcheck_in_float64():
    x = torch.randn(2, 2, 5, 6, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 1, 2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, dtype=torch.float64, requires_grad=True)
    kwargs = dict(stride=(2, 1), padding=(1, 1), dilation=(1, 2))
    assert torch.autograd.gradcheck(lambda *t: depthwise_conv2d(*t, **kwargs), (x, w, b))


def test_batch_size_zero_gives_an_empty_batch_and_zero_weight_gradients():
    x = torch.randn(0, 3, 6, 6, requires_grad=True)
    w = torch.randn(6, 1, 3, 3, requires_grad=True)
    y = depthwise_conv2d(x, w, padding=1)
    assert y.shape == F.conv2d(x, w, padding=1, groups=3).shape == (0, 6, 6, 6)
    y.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros_like(w))


@pytest.mark.parametrize("make_view", [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2]], ids=["transposed", "sliced"])
def test_non_contiguous_inputs_and_weights_match_torch(make_view):
    x = make_view(torch.randn(2, 4, 9, 9))
    w = torch.randn(2 * x.shape[1], 1, 3, 6)[..., ::2]  # (2C, 1, 3, 3), strided
    assert not x.is_contiguous() and not w.is_contiguous()
    torch.testing.assert_close(depthwise_conv2d(x, w, stride=2, padding=1), F.conv2d(x, w, stride=2, padding=1, groups=x.shape[1]))


def test_unbatched_input_matches_torch():
    x, w, b = torch.randn(3, 6, 5), torch.randn(3, 1, 3, 3), torch.randn(3)
    torch.testing.assert_close(depthwise_conv2d(x, w, b, padding=1), F.conv2d(x, w, b, padding=1, groups=3))


@pytest.mark.parametrize(
    "x, w, b, kwargs, message",
    [
        (torch.randn(1, 3, 5, 5), torch.randn(3, 3, 3, 3), None, {}, "weight must be a 4-D tensor \\(C_in·multiplier, 1"),
        (torch.randn(1, 3, 5, 5), torch.randn(4, 1, 3, 3), None, {}, "weight must hold a whole number of filters"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 3, 3), None, {}, "weight must be a 4-D tensor"),
        (torch.randn(3, 5), torch.randn(3, 1, 3, 3), None, {}, "input must be a 4-D tensor"),
        ("x", torch.randn(3, 1, 3, 3), None, {}, "input must be a torch.Tensor"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3), torch.randn(4), {}, "bias must be a 1-D tensor of C_out = 3"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3).double(), None, {}, "weight must have the same dtype"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3), None, dict(stride=0), "stride"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3), None, dict(padding=-1), "padding"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3), None, dict(dilation=0), "dilation"),
        (torch.randn(1, 3, 5, 5), torch.randn(3, 1, 3, 3), None, dict(stride=2, padding="same"), "padding='same' needs stride 1"),
        (torch.randn(1, 3, 2, 2), torch.randn(3, 1, 3, 3), None, {}, "kernel_size"),
    ],
)
def test_impossible_arguments_raise_value_errors_naming_the_argument(x, w, b, kwargs, message):
    with pytest.raises(ValueError, match=message):
        depthwise_conv2d(x, w, b, **kwargs)


def test_module_is_torchs_depthwise_conv2d_with_a_channel_multiplier():
    torch.manual_seed(0)
    module = DepthwiseConv2d(4, (3, 5), channel_multiplier=3, stride=(1, 2), padding=(1, 2), dilation=(2, 1))
    assert isinstance(module, nn.Conv2d) and module.groups == 4 and module.out_channels == 12
    assert module.weight.shape == (12, 1, 3, 5) and "channel_multiplier=3" in repr(module)
    x = torch.randn(2, 4, 9, 10)
    ref = F.conv2d(x, module.weight, module.bias, stride=(1, 2), padding=(1, 2), dilation=(2, 1), groups=4)
    torch.testing.assert_close(module(x), ref)
    assert ops.DepthwiseConv2d is DepthwiseConv2d and ops.depthwise_conv2d is depthwise_conv2d
    assert sum(p.numel() for p in module.parameters()) == cost.conv_params(4, 12, (3, 5), groups=4) == 12 * 15 + 12
    with pytest.raises(ValueError, match="channel_multiplier must be a positive int"):
        DepthwiseConv2d(4, 3, channel_multiplier=0)
    with pytest.raises(ValueError, match="in_channels must be a positive int"):
        DepthwiseConv2d(0, 3)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3), st.integers(1, 5), st.integers(0, 2), st.integers(1, 2), st.booleans())
def test_counting_the_module_agrees_with_the_cost_formulas(c, m, k, p, s, bias):
    size = k + 3
    counted = cost.count(DepthwiseConv2d(c, k, m, s, p, bias=bias), (2, c, size, size))
    out = (size + 2 * p - k) // s + 1
    assert counted.params == cost.conv_params(c, c * m, k, groups=c, bias=bias) == c * m * k * k + bias * c * m
    assert counted.macs == 2 * cost.conv_macs(c, c * m, k, out, groups=c) == 2 * out * out * c * m * k * k


# --- bytes, intensity, layer times ----------------------------------------------------------------------------------

from convlib import depthwise as dw  # noqa: E402
from convlib.viz.depthwise import depthwise_scene, plot_roofline  # noqa: E402
from convlib.widgets import RENDERS, tabulate  # noqa: E402
from convlib.widgets.depthwise import depthwise_explorer, depthwise_explorer_controls  # noqa: E402


def test_min_bytes_reads_input_and_weight_once_and_writes_the_output_once():
    # 2 samples of 8×10×10 in, 8·1·3·3 depthwise weights, 2 samples of 8×10×10 out, float32
    assert dw.conv_min_bytes(8, 8, 3, 10, 10, groups=8, batch=2) == 4 * (2 * 800 + 72 + 2 * 800)
    assert dw.conv_min_bytes(8, 16, (3, 1), (10, 12), (8, 12), batch=1, bytes_per_value=2) == 2 * (960 + 16 * 8 * 3 + 16 * 96)
    with pytest.raises(ValueError, match="groups must divide"):
        dw.conv_min_bytes(8, 8, 3, 10, 10, groups=3)
    with pytest.raises(ValueError, match="batch must be positive"):
        dw.conv_min_bytes(8, 8, 3, 10, 10, batch=0)


def test_depthwise_intensity_stays_near_k_squared_over_eight_while_standard_grows_with_channels():
    standard = []
    for c in (16, 64, 256, 1024):
        depth = dw.arithmetic_intensity(c, c, 3, 56, 56, groups=c)
        assert 9 / 8 * 0.99 < depth < 9 / 8
        standard.append(dw.arithmetic_intensity(c, c, 3, 56, 56))
    assert standard == sorted(standard) and standard[0] > 10 * 9 / 8 and standard[-1] > 400
    assert dw.arithmetic_intensity(4, 4, 3, 8, 6, groups=4) == 4 * 6 * 6 * 9 / (4 * (4 * 64 + 36 + 4 * 36))


def test_is_depthwise_recognises_groups_equal_to_in_channels_only():
    assert dw.is_depthwise(nn.Conv2d(8, 8, 3, groups=8)) and dw.is_depthwise(DepthwiseConv2d(4, 3, 2))
    assert not dw.is_depthwise(nn.Conv2d(8, 8, 3, groups=4)) and not dw.is_depthwise(nn.Conv2d(1, 1, 3))
    assert not dw.is_depthwise(nn.Linear(3, 3))


def test_layer_times_times_every_convolution_of_a_forward_pass():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Sequential(DepthwiseConv2d(8, 3)), nn.Conv2d(8, 4, 1)).train()
    times = dw.layer_times(model, torch.randn(1, 3, 12, 12), repeat=3, warmup=1)
    assert list(times) == ["0", "2.0", "3"] and all(t > 0 for t in times.values())
    assert model.training
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        dw.layer_times(model, torch.randn(1, 3, 12, 12), repeat=0)


# --- scene and widget -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("c, k, m, s, p", [(1, 1, 1, 1, 0), (3, 3, 2, 1, 1), (4, 5, 3, 2, 2), (2, 2, 1, 2, 0)])
def test_scene_draws_every_channel_with_its_own_filters_and_outputs_and_counts_both_layers(c, k, m, s, p):
    scene = depthwise_scene(c, k, m, s, p, size=4)
    o = (4 + 2 * p - k) // s + 1
    assert sorted(g.name for g in scene.grids) == sorted([f"x{i}" for i in range(c)] + [f"w{j}" for j in range(c * m)]
                                                        + [f"y{j}" for j in range(c * m)])
    assert all((scene.grid(f"y{j}").rows, scene.grid(f"w{j}").cols) == (o, k) for j in range(c * m))
    assert [(w.src, w.dst) for w in scene.windows] == [(f"x{j // m}", f"y{j}") for j in range(c * m)]
    text = "\n".join(scene.lines)
    assert f"{cost.conv_params(c, c * m, k, groups=c, bias=False):,}" in text
    assert f"{cost.conv_params(c, c * m, k, bias=False):,}" in text
    assert f"{cost.conv_macs(c, c * m, k, o, groups=c):,}" in text and f"{cost.conv_macs(c, c * m, k, o):,}" in text
    assert ("1 channel " in text) == (c == 1) and ("1 filter " in text) == (m == 1)


def test_impossible_settings_explain_in_one_line():
    for kwargs, message in ((dict(kernel_size=5, padding=0), "kernel_size too large"),
                            (dict(in_channels=9), "in_channels must be an int from 1 to 8"),
                            (dict(channel_multiplier=0), "channel_multiplier must be an int from 1 to 4")):
        with pytest.raises(ValueError, match=message) as info:
            depthwise_scene(**kwargs)
        assert "\n" not in str(info.value)


def test_widget_is_registered_and_tabulates_every_state():
    render, controls = RENDERS["depthwise_explorer"]
    assert render is depthwise_scene and [c["name"] for c in controls] == [c["name"] for c in depthwise_explorer_controls()]
    table = tabulate(render, controls)
    assert len(table) == 360 and any("error" in s for s in table.values())
    assert depthwise_explorer().scene["lines"][0].startswith("3 channels × 1 filter of 3×3")


def test_roofline_plot_draws_the_roof_and_one_series_per_kind():
    import matplotlib
    matplotlib.use("Agg")
    pts = [dict(intensity=1.0, macs_per_s=1e9, kind="depthwise", label="a"), dict(intensity=50, macs_per_s=3e10, kind="standard")]
    fig = plot_roofline(pts, bandwidth=2e9, peak=5e10, title="t")
    ax = fig.axes[0]
    assert len(ax.collections) == 2 and ax.get_xscale() == "log" and ax.get_title() == "t"


def test_roofline_plot_draws_each_points_own_roof_as_a_dash():
    import matplotlib
    matplotlib.use("Agg")
    pts = [dict(intensity=1.0, macs_per_s=1e9, kind="depthwise", roof=2e10), dict(intensity=50, macs_per_s=3e10, kind="standard")]
    ax = plot_roofline(pts, bandwidth=2e9, peak=5e10).axes[0]
    assert len(ax.collections) == 3                                   # two series and one row of dashes
    dashes = [c for c in ax.collections if "own lower roof" in c.get_label()]
    assert len(dashes) == 1 and dashes[0].get_offsets().tolist() == [[1.0, 2e10]]
