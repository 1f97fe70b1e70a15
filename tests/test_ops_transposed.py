"""conv_transpose2d and ConvTranspose2d against PyTorch and against the naive scatter twin."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_conv_transpose2d
from torch import nn

from convlib import ops


pytestmark = pytest.mark.usefixtures("one_thread")


@st.composite
def transposed_configs(draw, max_kernel: int = 4, max_extra: int = 4, max_channels: int = 3):
    """A random transposed convolution: non-square kernels, stride, padding, output_padding, dilation, groups."""
    groups = draw(st.integers(1, 3))
    c_in, c_out_group = groups * draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    size = []
    for k, s, d, p, a in zip(kernel, stride, dilation, padding, output_padding):
        # the output s(i−1) − 2p + d(k−1) + a + 1 must have at least one pixel
        smallest = max(1, -(-(2 * p - d * (k - 1) - a) // s) + 1)
        size.append(draw(st.integers(smallest, smallest + max_extra)))
    return dict(
        shape=(draw(st.integers(1, 2)), c_in, *size),
        weight_shape=(c_in, c_out_group, *kernel),
        bias=draw(st.booleans()),
        kwargs=dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups, dilation=dilation),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


def make_tensors(cfg: dict, requires_grad: bool = True):
    gen = torch.Generator().manual_seed(cfg["seed"])
    x = torch.randn(cfg["shape"], generator=gen, dtype=torch.float64)
    w = torch.randn(cfg["weight_shape"], generator=gen, dtype=torch.float64)
    b = torch.randn(cfg["weight_shape"][1] * cfg["kwargs"]["groups"], generator=gen, dtype=torch.float64) if cfg["bias"] else None
    return [t.requires_grad_(requires_grad) if t is not None else None for t in (x, w, b)]


@settings(max_examples=200, deadline=None)
@given(transposed_configs())
def test_conv_transpose2d_matches_torch_outputs_and_gradients_on_random_configurations(cfg):
    x, w, b = make_tensors(cfg)
    ours = ops.conv_transpose2d(x, w, b, **cfg["kwargs"])
    ref = F.conv_transpose2d(x, w, b, **cfg["kwargs"])
    torch.testing.assert_close(ours, ref)
    grad_out = torch.randn(ref.shape, generator=torch.Generator().manual_seed(cfg["seed"] + 1), dtype=ref.dtype)
    inputs = [t for t in (x, w, b) if t is not None]
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad_out), torch.autograd.grad(ref, inputs, grad_out)):
        torch.testing.assert_close(g_ours, g_ref)


@settings(max_examples=50, deadline=None)
@given(transposed_configs(max_kernel=3, max_extra=2, max_channels=2))
def test_naive_transposed_twin_matches_torch_and_ours_on_random_configurations(cfg):
    x, w, b = make_tensors(cfg, requires_grad=False)
    naive = naive_conv_transpose2d(x, w, b, **cfg["kwargs"])
    torch.testing.assert_close(naive, F.conv_transpose2d(x, w, b, **cfg["kwargs"]))
    torch.testing.assert_close(naive, ops.conv_transpose2d(x, w, b, **cfg["kwargs"]))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(stride=2, padding=1, output_padding=1),
        dict(stride=(3, 1), padding=(4, 0), output_padding=(2, 0), dilation=(1, 2)),  # padding > d(k−1): crops
        dict(stride=1, dilation=3, output_padding=2, groups=2),  # output_padding < dilation only
    ],
)
def test_naive_transposed_twin_ours_and_torch_agree_on_chosen_configurations(kwargs):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 4, 4, 5, dtype=torch.float64, generator=gen)
    w = torch.randn(4, 3, 3, 2, dtype=torch.float64, generator=gen)
    b = torch.randn(3 * kwargs.get("groups", 1), dtype=torch.float64, generator=gen)
    naive = naive_conv_transpose2d(x, w, b, **kwargs)
    torch.testing.assert_close(ops.conv_transpose2d(x, w, b, **kwargs), naive)
    torch.testing.assert_close(F.conv_transpose2d(x, w, b, **kwargs), naive)


@settings(max_examples=100, deadline=None)
@given(transposed_configs())
def test_conv_transpose2d_equals_conv2d_of_the_zero_stretched_input_with_the_flipped_kernel(cfg):
    """Chapter 05's construction: insert stride − 1 zeros, pad by d(k−1) − p (+ output_padding), flip the kernel."""
    x, w, b = make_tensors(cfg, requires_grad=False)
    kw = cfg["kwargs"]
    stride, padding, output_padding = kw["stride"], kw["padding"], kw["output_padding"]
    groups, dilation = kw["groups"], kw["dilation"]
    n, c_in, h, w_in = x.shape
    stretched = x.new_zeros(n, c_in, stride[0] * (h - 1) + 1, stride[1] * (w_in - 1) + 1)
    stretched[:, :, :: stride[0], :: stride[1]] = x
    full = [d * (k - 1) for k, d in zip(w.shape[2:], dilation)]
    lo = [f - p for f, p in zip(full, padding)]  # negative: crop instead of pad
    hi = [f - p + a for f, p, a in zip(full, padding, output_padding)]
    grown = F.pad(stretched, (max(lo[1], 0), max(hi[1], 0), max(lo[0], 0), max(hi[0], 0)))
    grown = grown[:, :, max(-lo[0], 0) : grown.shape[2] - max(-hi[0], 0), max(-lo[1], 0) : grown.shape[3] - max(-hi[1], 0)]
    flipped = w.flip(-1, -2).unflatten(0, (groups, c_in // groups)).transpose(1, 2).flatten(0, 1)  # (C_out, C_in/g, kH, kW)
    via_conv = ops.conv2d(grown, flipped, b, dilation=dilation, groups=groups)
    torch.testing.assert_close(via_conv, ops.conv_transpose2d(x, w, b, **kw))


def test_conv_transpose2d_passes_gradcheck_in_float64():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 4, 2, 3, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(4, 1, 3, 2, dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, generator=gen, requires_grad=True)
    kwargs = dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2, dilation=(1, 2))
    assert torch.autograd.gradcheck(lambda x, w, b: ops.conv_transpose2d(x, w, b, **kwargs), (x, w, b))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv2d(x), y> = <x, conv_transpose2d(y)> with the same stride, padding, dilation and groups."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 9, 8, dtype=torch.float64, generator=gen)
    w = torch.randn(6, 2, 3, 2, dtype=torch.float64, generator=gen)  # conv2d layout (C_out, C_in/g, kH, kW)
    kwargs = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    y = torch.randn(ops.conv2d(x, w, **kwargs).shape, dtype=torch.float64, generator=gen)
    x_back = ops.conv_transpose2d(y, w, output_padding=(0, 1), **kwargs)  # the same weight: (C_in', C_out'/g, ...)
    assert x_back.shape == x.shape
    torch.testing.assert_close((ops.conv2d(x, w, **kwargs) * y).sum(), (x * x_back).sum())


def test_conv_transpose2d_with_batch_size_zero_gives_an_empty_batch_and_empty_gradients():
    x = torch.randn(0, 4, 5, 5, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    ours = ops.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2)
    assert ours.shape == F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1, groups=2).shape
    ours.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros_like(w))


@pytest.mark.parametrize(
    "make_view", [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2]], ids=["transposed", "sliced"]
)
def test_conv_transpose2d_on_non_contiguous_inputs_matches_torch(make_view):
    gen = torch.Generator().manual_seed(0)
    x = make_view(torch.randn(2, 8, 7, 7, dtype=torch.float64, generator=gen))
    w = torch.randn(x.shape[1], 3, 2, 3, dtype=torch.float64, generator=gen).transpose(2, 3)
    assert not x.is_contiguous() and not w.is_contiguous()
    torch.testing.assert_close(
        ops.conv_transpose2d(x, w, stride=2, padding=1), F.conv_transpose2d(x, w, stride=2, padding=1)
    )


def test_conv_transpose2d_on_an_unbatched_input_matches_torch():
    x, w = torch.randn(3, 4, 5, dtype=torch.float64), torch.randn(3, 2, 3, 3, dtype=torch.float64)
    torch.testing.assert_close(ops.conv_transpose2d(x, w, stride=2), F.conv_transpose2d(x, w, stride=2))


@pytest.mark.parametrize("output_size", [None, (9, 12), (10, 13)])
def test_conv_transpose2d_module_has_torchs_parameters_and_outputs(output_size):
    kwargs = dict(in_channels=4, out_channels=6, kernel_size=(3, 4), stride=2, padding=1, groups=2)
    torch.manual_seed(0)
    mine = ops.ConvTranspose2d(**kwargs)
    torch.manual_seed(0)
    reference = nn.ConvTranspose2d(**kwargs)
    assert torch.equal(mine.weight, reference.weight) and torch.equal(mine.bias, reference.bias)
    x = torch.randn(2, 4, 5, 6)
    ours = mine(x, output_size=output_size)
    torch.testing.assert_close(ours, reference(x, output_size=output_size))
    if output_size is not None:
        assert ours.shape[-2:] == output_size


def test_conv_transpose2d_module_calls_our_functional(monkeypatch):
    calls = []
    real = ops.transposed.conv_transpose2d
    monkeypatch.setattr(ops.transposed, "conv_transpose2d", lambda *args: calls.append(args) or real(*args))
    ops.ConvTranspose2d(2, 3, 3)(torch.randn(1, 2, 5, 5))
    assert len(calls) == 1
