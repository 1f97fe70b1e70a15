"""deform_conv2d and DeformConv2d against torchvision.ops.deform_conv2d, conv2d and the naive-loop twin."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_deform_conv2d

from convlib import ops

torchvision_ops = pytest.importorskip("torchvision.ops")

pytestmark = pytest.mark.usefixtures("one_thread")


@st.composite
def deform_configs(draw, max_kernel: int = 3, max_extra: int = 4, max_channels: int = 2):
    """A random deformable convolution: non-square kernels, stride, padding, dilation, weight and offset groups, mask."""
    groups, offset_groups = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    c_in = groups * offset_groups * draw(st.integers(1, max_channels))
    c_out = groups * draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(2))
    size = [max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, max_extra)) for k, d, p in zip(kernel, dilation, padding)]
    return dict(
        shape=(draw(st.integers(1, 2)), c_in, *size),
        weight_shape=(c_out, c_in // groups, *kernel),
        offset_groups=offset_groups,
        bias=draw(st.booleans()),
        mask=draw(st.booleans()),
        spread=draw(st.sampled_from([0.5, 2.0, 6.0])),  # 6 sends many samples outside the image
        kwargs=dict(stride=stride, padding=padding, dilation=dilation),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


def make_tensors(cfg: dict, dtype: torch.dtype = torch.float64, requires_grad: bool = True) -> dict:
    """input, offset, weight, bias and mask for ``cfg``; offsets are fractional, spread by ``cfg['spread']``."""
    g = torch.Generator().manual_seed(cfg["seed"])
    n, _, h, w = cfg["shape"]
    kh, kw = cfg["weight_shape"][2:]
    (sh, sw), (ph, pw), (dh, dw) = cfg["kwargs"]["stride"], cfg["kwargs"]["padding"], cfg["kwargs"]["dilation"]
    out = ((h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1)
    taps = cfg["offset_groups"] * kh * kw
    tensors = dict(
        input=torch.randn(cfg["shape"], generator=g, dtype=dtype),
        offset=cfg["spread"] * torch.randn(n, 2 * taps, *out, generator=g, dtype=dtype),
        weight=torch.randn(cfg["weight_shape"], generator=g, dtype=dtype),
        bias=torch.randn(cfg["weight_shape"][0], generator=g, dtype=dtype) if cfg["bias"] else None,
        mask=torch.rand(n, taps, *out, generator=g, dtype=dtype) if cfg["mask"] else None,
    )
    return {k: (v.requires_grad_(requires_grad) if v is not None else None) for k, v in tensors.items()}


def grads(fn, tensors: dict, kwargs: dict) -> tuple[torch.Tensor, list]:
    leaves = {k: (v.detach().clone().requires_grad_() if v is not None else None) for k, v in tensors.items()}
    y = fn(leaves["input"], leaves["offset"], leaves["weight"], leaves["bias"], mask=leaves["mask"], **kwargs)
    y.backward(torch.linspace(-1, 1, y.numel(), dtype=y.dtype).reshape(y.shape))
    return y.detach(), [v.grad for v in leaves.values() if v is not None]


@settings(max_examples=150, deadline=None)
@given(deform_configs())
def test_deform_conv2d_matches_torchvision_outputs_and_all_five_gradients_on_random_configurations(cfg):
    tensors = make_tensors(cfg)
    y, g = grads(ops.deform_conv2d, tensors, cfg["kwargs"])
    y_ref, g_ref = grads(torchvision_ops.deform_conv2d, tensors, cfg["kwargs"])
    torch.testing.assert_close(y, y_ref)
    for ours, theirs in zip(g, g_ref):
        torch.testing.assert_close(ours, theirs)


@settings(max_examples=25, deadline=None)
@given(deform_configs(max_kernel=2, max_extra=2, max_channels=1))
def test_naive_deform_twin_matches_torchvision_and_ours_on_random_configurations(cfg):
    t = make_tensors(cfg, requires_grad=False)
    args = (t["input"], t["offset"], t["weight"], t["bias"])
    naive = naive_deform_conv2d(*args, mask=t["mask"], **cfg["kwargs"])
    torch.testing.assert_close(naive, torchvision_ops.deform_conv2d(*args, mask=t["mask"], **cfg["kwargs"]))
    torch.testing.assert_close(naive, ops.deform_conv2d(*args, mask=t["mask"], **cfg["kwargs"]))


@settings(max_examples=60, deadline=None)
@given(deform_configs(), st.sampled_from([1, 2]))
def test_deform_conv2d_with_zero_offsets_and_a_mask_of_ones_is_conv2d(cfg, with_mask):
    t = make_tensors(cfg, requires_grad=False)
    groups = cfg["shape"][1] // cfg["weight_shape"][1]
    mask = torch.ones_like(t["mask"]) if (t["mask"] is not None and with_mask == 2) else None
    y = ops.deform_conv2d(t["input"], torch.zeros_like(t["offset"]), t["weight"], t["bias"], mask=mask, **cfg["kwargs"])
    torch.testing.assert_close(y, F.conv2d(t["input"], t["weight"], t["bias"], groups=groups, **cfg["kwargs"]))


def test_deform_conv2d_passes_gradcheck_in_float64_for_every_argument():
    cfg = dict(shape=(2, 4, 5, 6), weight_shape=(4, 2, 2, 3), offset_groups=2, bias=True, mask=True, spread=1.5,
               kwargs=dict(stride=(1, 2), padding=(1, 0), dilation=(2, 1)), seed=3)
    t = make_tensors(cfg)
    fn = lambda x, o, w, b, m: ops.deform_conv2d(x, o, w, b, mask=m, **cfg["kwargs"])  # noqa: E731
    assert torch.autograd.gradcheck(fn, (t["input"], t["offset"], t["weight"], t["bias"], t["mask"]))


def test_deform_conv2d_with_offsets_pointing_outside_the_image_reads_zeros():
    x = torch.randn(1, 2, 4, 4, dtype=torch.float64)
    w = torch.randn(3, 2, 3, 3, dtype=torch.float64)
    far = torch.full((1, 18, 2, 2), 50.0, dtype=torch.float64)  # every tap 50 pixels down and right
    assert ops.deform_conv2d(x, far, w).abs().max() == 0
    half = torch.full((1, 18, 2, 2), 0.5, dtype=torch.float64)  # half a pixel: the last taps straddle the border
    torch.testing.assert_close(ops.deform_conv2d(x, half, w), torchvision_ops.deform_conv2d(x, half, w))


def test_deform_conv2d_with_batch_size_zero_gives_an_empty_batch_and_empty_gradients():
    x = torch.randn(0, 4, 6, 6, requires_grad=True)
    offset = torch.randn(0, 18, 4, 4, requires_grad=True)
    w = torch.randn(5, 4, 3, 3, requires_grad=True)
    y = ops.deform_conv2d(x, offset, w)
    assert y.shape == (0, 5, 4, 4)
    y.sum().backward()
    assert x.grad.shape == x.shape and offset.grad.shape == offset.shape and torch.all(w.grad == 0)


@pytest.mark.parametrize("make_view", [lambda t: t.transpose(2, 3), lambda t: t[..., ::2, :], lambda t: t.to(memory_format=torch.channels_last)])
def test_deform_conv2d_on_non_contiguous_inputs_matches_torchvision(make_view):
    g = torch.Generator().manual_seed(0)
    x = make_view(torch.randn(2, 4, 8, 8, generator=g, dtype=torch.float64))
    h_out, w_out = x.shape[2] - 2, x.shape[3] - 2
    offset = torch.randn(2, 36, w_out, h_out, generator=g, dtype=torch.float64).transpose(2, 3)  # 2 offset groups, a view
    mask = torch.rand(2, 18, h_out, w_out, generator=g, dtype=torch.float64)
    w = torch.randn(6, 2, 3, 3, generator=g, dtype=torch.float64)[:, :, :, :]
    torch.testing.assert_close(ops.deform_conv2d(x, offset, w, mask=mask), torchvision_ops.deform_conv2d(x, offset, w, mask=mask))


def test_deform_conv2d_in_float32_matches_torchvision():
    g = torch.Generator().manual_seed(1)
    x, w = torch.randn(2, 8, 9, 9, generator=g), torch.randn(8, 8, 3, 3, generator=g)
    offset = 2 * torch.randn(2, 18, 9, 9, generator=g)
    torch.testing.assert_close(ops.deform_conv2d(x, offset, w, padding=1), torchvision_ops.deform_conv2d(x, offset, w, padding=1), rtol=1e-4, atol=1e-4)


def test_deform_conv2d_module_holds_torchvisions_parameters_and_matches_it():
    torch.manual_seed(0)
    ours = ops.DeformConv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2)
    theirs = torchvision_ops.DeformConv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(1, 4, 7, 7)
    offset = torch.randn(1, 12, 4, 4)
    mask = torch.rand(1, 6, 4, 4)
    torch.testing.assert_close(ours(x, offset, mask), theirs(x, offset, mask))
    assert [p.shape for p in ours.parameters()] == [p.shape for p in theirs.parameters()]


def _bad(**changes):
    args = dict(input=torch.randn(1, 4, 6, 6), offset=torch.randn(1, 18, 4, 4), weight=torch.randn(2, 4, 3, 3), bias=None,
                stride=1, padding=0, dilation=1, mask=None)
    args.update(changes)
    return args


@pytest.mark.parametrize(
    "args, message",
    [
        (_bad(offset=torch.randn(1, 9, 4, 4)), r"offset .*multiple of 2·kH·kW = 18"),
        (_bad(offset=torch.randn(1, 18, 5, 5)), r"offset must have shape .*\(1, 18, 4, 4\)"),
        (_bad(offset=torch.randn(1, 54, 4, 4)), r"offset's 3 offset groups must divide in_channels=4"),
        (_bad(mask=torch.rand(1, 18, 4, 4)), r"mask must have shape .*offset_groups·kH·kW.*\(1, 9, 4, 4\)"),
        (_bad(mask=torch.rand(1, 9, 4, 3)), r"mask must have shape"),
        (_bad(weight=torch.randn(2, 3, 3, 3)), r"weight must have .*C_in/groups"),
        (_bad(weight=torch.randn(3, 2, 3, 3)), r"out_channels \(3\) must be divisible by groups = 2"),
        (_bad(bias=torch.randn(3)), r"bias must be a 1-D tensor of out_channels = 2"),
        (_bad(input=torch.randn(4, 6, 6)), r"input must be a 4-D tensor"),
        (_bad(stride=0), r"stride must be positive"),
        (_bad(padding=-1), r"padding must be non-negative"),
        (_bad(offset=torch.randn(1, 18, 4, 4, dtype=torch.float64)), r"offset must have the same dtype as input"),
        (_bad(weight=torch.randn(2, 4, 7, 7)), r"kernel_size"),
    ],
)
def test_bad_argument_raises_value_error_naming_it(args, message):
    with pytest.raises(ValueError, match=message):
        ops.deform_conv2d(**args)


def test_deform_conv2d_module_rejects_groups_that_do_not_divide_the_channels():
    with pytest.raises(ValueError, match="groups must divide in_channels"):
        ops.DeformConv2d(4, 6, 3, groups=4)
