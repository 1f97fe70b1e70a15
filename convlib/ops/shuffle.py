"""Channel shuffle (chapter 12, "Channel shuffle"), as in ShuffleNet.

Grouped convolutions keep information inside its group; shuffling the channels
between two of them lets every group see every other. The shuffle is a reshape,
a transpose and a flatten: channel ``i·(C/g) + j`` moves to ``j·g + i``.
"""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["channel_shuffle", "ChannelShuffle"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels of ``groups`` groups, as ``torch.nn.ChannelShuffle`` (chapter 12, "Channel shuffle").

    Args:
        input (Tensor[N, C, ...]): at least 3-D; ``...`` is any number of spatial dims (at least one).
        groups: number of groups ``g``; it must divide ``C``.

    Returns:
        Tensor[N, C, ...]: output channel ``j·g + i`` is input channel ``i·(C/g) + j``.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    if not isinstance(input, Tensor):
        raise ValueError(f"input must be a torch.Tensor, got {type(input).__name__}")
    if input.dim() < 3:
        raise ValueError(f"input must have at least 3 dimensions (N, C, *), got shape {tuple(input.shape)}")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    n, c, *rest = input.shape
    if c % groups:
        raise ValueError(f"groups must divide the number of channels: {c} channels do not split into {groups} groups")
    x = input.reshape(n, groups, c // groups, *rest)  # (N, g, C/g, *)
    return x.transpose(1, 2).reshape(n, c, *rest)  # (N, C, *), channels interleaved


class ChannelShuffle(nn.ChannelShuffle):
    """``torch.nn.ChannelShuffle`` computed by :func:`channel_shuffle` (chapter 12, "Channel shuffle")."""

    def forward(self, input: Tensor) -> Tensor:
        return channel_shuffle(input, self.groups)  # (N, C, *)
