"""channel_shuffle and ChannelShuffle against PyTorch and the naive twin."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_channel_shuffle
from torch import nn

from convlib import ops


@settings(max_examples=100, deadline=None)
@given(
    groups=st.integers(1, 4),
    per_group=st.integers(1, 4),
    batch=st.integers(0, 2),
    spatial=st.lists(st.integers(1, 3), min_size=1, max_size=3),
    seed=st.integers(0, 2**31 - 1),
)
def test_channel_shuffle_matches_torch_and_the_naive_twin_on_random_shapes(groups, per_group, batch, spatial, seed):
    x = torch.randn(batch, groups * per_group, *spatial, generator=torch.Generator().manual_seed(seed))
    ours = ops.channel_shuffle(x, groups)
    torch.testing.assert_close(ours, nn.ChannelShuffle(groups)(x), rtol=0, atol=0)
    torch.testing.assert_close(ours, naive_channel_shuffle(x, groups), rtol=0, atol=0)


def test_channel_shuffle_interleaves_the_groups():
    x = torch.arange(6.0).view(1, 6, 1)
    assert ops.channel_shuffle(x, 2).flatten().tolist() == [0, 3, 1, 4, 2, 5]
    assert ops.channel_shuffle(x, 3).flatten().tolist() == [0, 2, 4, 1, 3, 5]


def test_channel_shuffle_on_a_non_contiguous_input_matches_torch():
    x = torch.randn(2, 5, 6, 8)[:, :, ::2].transpose(1, 2)  # (2, 3, 5, 8), not contiguous
    assert not x.is_contiguous()
    torch.testing.assert_close(ops.channel_shuffle(x, 3), nn.ChannelShuffle(3)(x), rtol=0, atol=0)


def test_channel_shuffle_passes_gradcheck_in_float64():
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: ops.channel_shuffle(t, 3), (x,))


def test_channel_shuffle_module_matches_torchs_module():
    x = torch.randn(2, 8, 3, 3)
    mine, reference = ops.ChannelShuffle(4), nn.ChannelShuffle(4)
    assert repr(mine).endswith("(groups=4)")
    torch.testing.assert_close(mine(x), reference(x), rtol=0, atol=0)
