"""conv1d, conv2d, conv3d and their modules against PyTorch and against the naive-loop twin."""

from __future__ import annotations

from unittest import mock

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_convnd
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from convlib import ops
from convlib.ops import _convnd

OURS = {1: ops.conv1d, 2: ops.conv2d, 3: ops.conv3d}
TORCH = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


pytestmark = pytest.mark.usefixtures("one_thread")


@st.composite
def conv_configs(draw, n: int, max_kernel: int = 4, max_extra: int = 5, max_channels: int = 3):
    """A random convolution: non-square kernels, stride, padding (int, tuple, 'same', 'valid'), dilation, groups."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, max_channels)), groups * draw(st.integers(1, max_channels))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(n))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(n))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(n))
    kinds = ["int", "tuple", "valid"] + (["same"] if stride == (1,) * n else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "int":
        padding = draw(st.integers(0, 3))
        pads = (padding,) * n
    elif kind == "tuple":
        pads = padding = tuple(draw(st.integers(0, 3)) for _ in range(n))
    else:
        padding, pads = kind, (0,) * n if kind == "valid" else (4 * max_kernel,) * n  # 'same' never runs short
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(draw(st.integers(max(1, sp - 2 * p), max(1, sp - 2 * p) + max_extra)) for sp, p in zip(spans, pads))
    return dict(
        shape=(draw(st.integers(1, 2)), c_in, *size),
        weight_shape=(c_out, c_in // groups, *kernel),
        bias=draw(st.booleans()),
        stride=stride if draw(st.booleans()) or len(set(stride)) > 1 else stride[0],
        padding=padding,
        dilation=dilation,
        groups=groups,
        seed=draw(st.integers(0, 2**31 - 1)),
    )


def make_tensors(cfg: dict, dtype=torch.float64, requires_grad: bool = True):
    gen = torch.Generator().manual_seed(cfg["seed"])
    x = torch.randn(cfg["shape"], generator=gen, dtype=dtype)
    w = torch.randn(cfg["weight_shape"], generator=gen, dtype=dtype)
    b = torch.randn(cfg["weight_shape"][0], generator=gen, dtype=dtype) if cfg["bias"] else None
    return [t.requires_grad_(requires_grad) if t is not None else None for t in (x, w, b)]


def args_of(cfg: dict) -> dict:
    return {k: cfg[k] for k in ("stride", "padding", "dilation", "groups")}


def assert_matches_torch_with_gradients(n: int, cfg: dict) -> None:
    x, w, b = make_tensors(cfg)
    ours = OURS[n](x, w, b, **args_of(cfg))
    ref = TORCH[n](x, w, b, **args_of(cfg))
    torch.testing.assert_close(ours, ref)
    grad_out = torch.randn(ref.shape, generator=torch.Generator().manual_seed(cfg["seed"] + 1), dtype=ref.dtype)
    inputs = [t for t in (x, w, b) if t is not None]
    for g_ours, g_ref in zip(torch.autograd.grad(ours, inputs, grad_out), torch.autograd.grad(ref, inputs, grad_out)):
        torch.testing.assert_close(g_ours, g_ref)


@settings(max_examples=200, deadline=None)
@given(conv_configs(2))
def test_conv2d_matches_torch_outputs_and_gradients_on_random_configurations(cfg):
    assert_matches_torch_with_gradients(2, cfg)


@settings(max_examples=50, deadline=None)
@given(conv_configs(1, max_extra=8))
def test_conv1d_matches_torch_outputs_and_gradients_on_random_configurations(cfg):
    assert_matches_torch_with_gradients(1, cfg)


@settings(max_examples=50, deadline=None)
@given(conv_configs(3, max_kernel=3, max_extra=3, max_channels=2))
def test_conv3d_matches_torch_outputs_and_gradients_on_random_configurations(cfg):
    assert_matches_torch_with_gradients(3, cfg)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 3).flatmap(lambda n: st.tuples(st.just(n), conv_configs(n, max_kernel=3, max_extra=3))),
    st.sampled_from([1, 200, 2000]),
)
def test_conv_matches_torch_when_the_work_is_split_into_row_and_sample_blocks(n_and_cfg, block_bytes):
    """A tiny block budget forces one output row per block; a middling one, several rows or several samples."""
    n, cfg = n_and_cfg
    cfg = dict(cfg, shape=(3, *cfg["shape"][1:]))
    with mock.patch.object(_convnd, "_CHUNK_BYTES", block_bytes):
        assert_matches_torch_with_gradients(n, cfg)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(st.just(n), conv_configs(n, max_kernel=3, max_extra=2, max_channels=2))))
def test_naive_twin_matches_torch_and_ours_on_random_configurations(n_and_cfg):
    n, cfg = n_and_cfg
    x, w, b = make_tensors(cfg, requires_grad=False)
    naive = naive_convnd(x, w, b, **args_of(cfg))
    torch.testing.assert_close(naive, TORCH[n](x, w, b, **args_of(cfg)))
    torch.testing.assert_close(naive, OURS[n](x, w, b, **args_of(cfg)))


@pytest.mark.parametrize(
    "n, shape, weight_shape, kwargs",
    [
        (2, (2, 4, 7, 6), (6, 2, 3, 2), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
        (2, (1, 3, 5, 5), (2, 3, 2, 2), dict(padding="same", dilation=(2, 1))),
        (2, (1, 2, 6, 4), (4, 1, 1, 3), dict(padding="valid", stride=3, groups=2)),
        (1, (2, 3, 9), (3, 1, 4), dict(padding="same", groups=3)),
        (3, (1, 2, 4, 5, 3), (2, 2, 2, 3, 1), dict(stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1))),
    ],
)
def test_naive_twin_ours_and_torch_agree_on_chosen_configurations(n, shape, weight_shape, kwargs):
    cfg = dict(shape=shape, weight_shape=weight_shape, bias=True, seed=sum(shape), **kwargs)
    x, w, b = make_tensors(cfg, requires_grad=False)
    naive = naive_convnd(x, w, b, **kwargs)
    torch.testing.assert_close(OURS[n](x, w, b, **kwargs), naive)
    torch.testing.assert_close(TORCH[n](x, w, b, **kwargs), naive)


@pytest.mark.parametrize(
    "n, kwargs",
    [(1, dict(stride=2, padding=1, dilation=2, groups=2)), (2, dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)),
     (2, dict(padding="same")), (3, dict(stride=(1, 2, 1), padding=1, groups=2))],
)
def test_conv_passes_gradcheck_in_float64(n, kwargs):
    gen = torch.Generator().manual_seed(n)
    x = torch.randn(1, 4, *(5, 4, 3)[:n], dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(2, 4 // kwargs.get("groups", 1), *(3, 2, 2)[:n], dtype=torch.float64, generator=gen, requires_grad=True)
    b = torch.randn(2, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, w, b: OURS[n](x, w, b, **kwargs), (x, w, b))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_with_batch_size_zero_gives_an_empty_batch_and_empty_gradients(n):
    x = torch.randn(0, 4, *(6,) * n, requires_grad=True)
    w = torch.randn(6, 2, *(3,) * n, requires_grad=True)
    ours = OURS[n](x, w, stride=2, padding=1, groups=2)
    assert ours.shape == TORCH[n](x, w, stride=2, padding=1, groups=2).shape
    ours.sum().backward()
    assert x.grad.shape == x.shape and torch.equal(w.grad, torch.zeros_like(w))


@pytest.mark.parametrize(
    "make_view",
    [lambda t: t.transpose(2, 3), lambda t: t[:, ::2, 1:, ::2], lambda t: t.contiguous(memory_format=torch.channels_last)],
    ids=["transposed", "sliced", "channels_last"],
)
def test_conv2d_on_non_contiguous_inputs_matches_torch(make_view):
    gen = torch.Generator().manual_seed(0)
    x = make_view(torch.randn(2, 8, 9, 9, dtype=torch.float64, generator=gen))
    w = torch.randn(6, x.shape[1], 3, 4, dtype=torch.float64, generator=gen).transpose(2, 3)  # a non-contiguous weight
    b = torch.randn(12, dtype=torch.float64, generator=gen)[::2]  # a non-contiguous bias
    assert not w.is_contiguous()
    torch.testing.assert_close(ops.conv2d(x, w, b, padding=(1, 2)), F.conv2d(x, w, b, padding=(1, 2)))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_conv_on_an_unbatched_input_matches_torch(n):
    x, w = torch.randn(3, *(5,) * n, dtype=torch.float64), torch.randn(2, 3, *(2,) * n, dtype=torch.float64)
    ours = OURS[n](x, w, padding="same")
    assert ours.shape == (2, *(5,) * n)
    torch.testing.assert_close(ours, TORCH[n](x, w, padding="same"))


def test_conv2d_float32_on_a_resnet_sized_layer_matches_torch():
    gen = torch.Generator().manual_seed(0)
    x, w = torch.randn(2, 64, 20, 20, generator=gen), torch.randn(64, 64, 3, 3, generator=gen)
    torch.testing.assert_close(ops.conv2d(x, w, padding=1), F.conv2d(x, w, padding=1), rtol=1e-4, atol=1e-4)


class _RecordOps(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.names.add(func.__name__)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("op", ["conv1d", "conv2d", "conv3d", "conv_transpose2d"])
def test_forward_and_backward_never_dispatch_a_builtin_convolution(op):
    n = 1 if op == "conv1d" else 3 if op == "conv3d" else 2
    x = torch.randn(1, 2, *(5,) * n, requires_grad=True)
    w = torch.randn(2, 2, *(3,) * n, requires_grad=True)
    with _RecordOps() as recorder:
        getattr(ops, op)(x, w, stride=2, padding=1).sum().backward()
    assert recorder.names, "the recorder saw no operations"
    assert not [name for name in recorder.names if "conv" in name], sorted(recorder.names)


@pytest.mark.parametrize(
    "ours, theirs, kwargs, shape",
    [
        (ops.Conv1d, nn.Conv1d, dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1, groups=2), (2, 4, 9)),
        (ops.Conv2d, nn.Conv2d, dict(in_channels=4, out_channels=6, kernel_size=(3, 2), padding="same", dilation=2), (2, 4, 7, 6)),
        (ops.Conv2d, nn.Conv2d, dict(in_channels=3, out_channels=2, kernel_size=3, padding=2, padding_mode="reflect"), (1, 3, 6, 6)),
        (ops.Conv2d, nn.Conv2d, dict(in_channels=3, out_channels=2, kernel_size=4, padding="same", padding_mode="circular"), (1, 3, 6, 5)),
        (ops.Conv3d, nn.Conv3d, dict(in_channels=2, out_channels=4, kernel_size=2, bias=False, groups=2), (1, 2, 3, 4, 5)),
    ],
)
def test_modules_have_torchs_parameters_and_outputs(ours, theirs, kwargs, shape):
    torch.manual_seed(0)
    mine = ours(**kwargs)
    torch.manual_seed(0)
    reference = theirs(**kwargs)
    for (name, p), (ref_name, q) in zip(mine.named_parameters(), reference.named_parameters(), strict=True):
        assert name == ref_name and torch.equal(p, q)
    x = torch.randn(shape)
    torch.testing.assert_close(mine(x), reference(x))


def test_conv2d_module_calls_our_functional(monkeypatch):
    calls = []
    real = ops.conv.conv2d
    monkeypatch.setattr(ops.conv, "conv2d", lambda *args: calls.append(args) or real(*args))
    ops.Conv2d(2, 3, 3)(torch.randn(1, 2, 5, 5))
    assert len(calls) == 1
