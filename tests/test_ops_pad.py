"""convlib.ops.pad (chapter 02's padding modes) against torch.nn.functional.pad and a naive loop twin."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib.ops.pad import PAD_MODES, Pad, pad, pad_index


def naive_pad(x: torch.Tensor, pads: tuple[int, ...], mode: str, value: float = 0.0) -> torch.Tensor:
    """Element by element: each output position looks up its source with the textbook rule."""
    pairs = [(pads[2 * i], pads[2 * i + 1]) for i in range(len(pads) // 2)]
    dims = list(range(x.dim() - 1, x.dim() - 1 - len(pairs), -1))  # last dimension first
    shape = list(x.shape)
    for d, (lo, hi) in zip(dims, pairs):
        shape[d] += lo + hi
    out = torch.empty(shape, dtype=x.dtype)
    for pos in itertools.product(*(range(n) for n in shape)):
        src, fill = list(pos), False
        for d, (lo, _) in zip(dims, pairs):
            n, j = x.shape[d], pos[d] - lo
            if mode == "constant":
                fill = fill or not 0 <= j < n
            elif mode == "reflect":
                j = -j if j < 0 else (2 * (n - 1) - j if j >= n else j)
            elif mode == "replicate":
                j = min(max(j, 0), n - 1)
            else:
                j = j % n
            src[d] = j
        out[pos] = value if fill else x[tuple(src)]
    return out


@st.composite
def configs(draw):  # type: ignore[no-untyped-def]
    """A mode, an input of 1-3 spatial dims after (N, C), and pads PyTorch accepts for that mode."""
    mode = draw(st.sampled_from(PAD_MODES))
    spatial = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3))
    batch = draw(st.integers(0, 2))
    shape = (batch, draw(st.integers(1, 2)), *spatial)
    pads: list[int] = []
    for n in reversed(spatial):
        limit = {"constant": 3, "reflect": n - 1, "replicate": 3, "circular": n}[mode]
        pads += [draw(st.integers(0, limit)), draw(st.integers(0, limit))]
    return mode, shape, tuple(pads), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=150, deadline=None)
@given(config=configs())
def test_pad_matches_torch_pad_in_every_mode_on_random_shapes(config):
    mode, shape, pads, seed = config
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(pad(x, pads, mode), F.pad(x, pads, mode=mode), rtol=0, atol=0)


@settings(max_examples=40, deadline=None)
@given(config=configs())
def test_pad_matches_the_naive_loop_twin(config):
    mode, shape, pads, seed = config
    x = torch.randn((1, *shape[1:]), generator=torch.Generator().manual_seed(seed))
    torch.testing.assert_close(pad(x, pads, mode), naive_pad(x, pads, mode), rtol=0, atol=0)


@pytest.mark.parametrize("mode", PAD_MODES)
def test_pad_passes_gradcheck_in_float64(mode):
    x = torch.randn(1, 2, 4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: pad(t, (2, 1, 1, 3), mode), (x,))


@pytest.mark.parametrize("mode", PAD_MODES)
def test_pad_on_batch_size_zero_gives_an_empty_batch_of_the_padded_shape(mode):
    x = torch.randn(0, 3, 4, 5)
    assert pad(x, (1, 2, 3, 0), mode).shape == F.pad(x, (1, 2, 3, 0), mode=mode).shape == (0, 3, 7, 8)


@pytest.mark.parametrize("mode", PAD_MODES)
def test_pad_on_a_non_contiguous_input_matches_torch(mode):
    x = torch.randn(2, 6, 5, 8)[:, ::2].transpose(2, 3)  # (2, 3, 8, 5), not contiguous
    assert not x.is_contiguous()
    torch.testing.assert_close(pad(x, (2, 2, 1, 3), mode), F.pad(x, (2, 2, 1, 3), mode=mode), rtol=0, atol=0)


def test_constant_pad_fills_with_value():
    x = torch.ones(1, 1, 2)
    assert pad(x, (1, 2), value=-3.0).flatten().tolist() == [-3.0, 1.0, 1.0, -3.0, -3.0]


def test_pad_index_gives_the_textbook_rows_for_1_2_3_4():
    rows = {m: (pad_index(4, 2, 2, m) + 1).tolist() for m in PAD_MODES}
    assert rows == {
        "constant": [0, 0, 1, 2, 3, 4, 0, 0],
        "reflect": [3, 2, 1, 2, 3, 4, 3, 2],
        "replicate": [1, 1, 1, 2, 3, 4, 4, 4],
        "circular": [3, 4, 1, 2, 3, 4, 1, 2],
    }


@pytest.mark.parametrize("mode, module", [
    ("constant", nn.ZeroPad2d((1, 2, 0, 3))),
    ("reflect", nn.ReflectionPad2d((1, 2, 0, 3))),
    ("replicate", nn.ReplicationPad2d((1, 2, 0, 3))),
    ("circular", nn.CircularPad2d((1, 2, 0, 3))),
])
def test_pad_module_matches_torchs_padding_modules(mode, module):
    x = torch.randn(2, 3, 5, 4)
    mine = Pad((1, 2, 0, 3), mode)
    assert mode in repr(mine)
    torch.testing.assert_close(mine(x), module(x), rtol=0, atol=0)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_conv2d_padding_mode_is_pad_then_an_unpadded_convolution(padding_mode):
    conv = nn.Conv2d(2, 3, 3, padding=2, padding_mode=padding_mode)
    x = torch.randn(1, 2, 6, 5)
    mode = "constant" if padding_mode == "zeros" else padding_mode
    manual = F.conv2d(pad(x, (2, 2, 2, 2), mode), conv.weight, conv.bias)
    torch.testing.assert_close(manual, conv(x))


@pytest.mark.parametrize("kwargs, name", [
    (dict(pad=(1, 1), mode="zeros"), "mode"),
    (dict(pad=(1,)), "pad"),
    (dict(pad=3), "pad"),
    (dict(pad=(1, -1)), "pad"),
    (dict(pad=(1, 1.5)), "pad"),
    (dict(pad=(1,) * 10), "pad"),
    (dict(pad=(1, 1), mode="reflect", value=1.0), "value"),
    (dict(pad=(4, 0), mode="reflect"), "pad"),
    (dict(pad=(0, 5), mode="circular"), "pad"),
])
def test_pad_raises_value_error_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        pad(torch.zeros(1, 1, 4, 4), **kwargs)


@pytest.mark.parametrize("mode, padding", [("reflect", 4), ("circular", 5)])
def test_pad_refuses_exactly_the_pads_torch_refuses(mode, padding):
    x = torch.zeros(1, 1, 4)
    with pytest.raises((RuntimeError, ValueError)):
        F.pad(x, (padding, 0), mode=mode)
    with pytest.raises(ValueError, match="^pad"):
        pad(x, (padding, 0), mode)
    assert pad(x, (padding - 1, 0), mode).shape == F.pad(x, (padding - 1, 0), mode=mode).shape


def test_pad_rejects_a_non_tensor_input():
    with pytest.raises(ValueError, match="^input"):
        pad([1.0, 2.0], (1, 1))  # type: ignore[arg-type]
