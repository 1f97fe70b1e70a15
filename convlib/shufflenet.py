"""ShuffleNet's unit, its cost, and what two grouped layers can see (chapter 12, "Channel shuffle").

Chapter 12 teaches it. Two stacked grouped convolutions never mix their groups:
output channel ``j`` of the second layer depends only on the input channels of
its own group. A channel shuffle (:func:`convlib.ops.channel_shuffle`) between
the layers hands every group channels from every other group (Zhang et al.,
2018). This module provides:

* :func:`shuffle_permutation`: which input channel lands at each position;
* :func:`reachable_inputs`, :func:`reach_matrix`: the input channels one output
  channel of two stacked grouped ``1 × 1`` layers depends on, with or without a shuffle;
* :class:`ShuffleUnit`: ShuffleNet's stride-1 unit (grouped ``1 × 1`` → shuffle →
  depthwise ``3 × 3`` → grouped ``1 × 1``, residual add) and :class:`Bottleneck`,
  ResNet's bottleneck with the same channels, for comparison;
* :func:`shuffle_unit_macs`, :func:`bottleneck_macs` and their ``_params`` twins,
  computed with :mod:`convlib.cost`.
"""

from __future__ import annotations

from torch import Tensor, nn

from ._args import IntOrTuple
from .cost import conv_macs, conv_params
from .ops.shuffle import ChannelShuffle

__all__ = [
    "shuffle_permutation",
    "reachable_inputs",
    "reach_matrix",
    "ShuffleUnit",
    "Bottleneck",
    "shuffle_unit_macs",
    "shuffle_unit_params",
    "bottleneck_macs",
    "bottleneck_params",
]


def _check_split(channels: int, groups: int, name: str = "channels") -> int:
    """``channels // groups``, after checking both are positive ints and ``groups`` divides ``channels``."""
    for value, what in ((channels, name), (groups, "groups")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{what} must be a positive int, got {value!r}")
    if channels % groups:
        raise ValueError(f"groups must divide {name}: {channels} channels do not split into {groups} groups")
    return channels // groups


def shuffle_permutation(channels: int, groups: int) -> list[int]:
    """The input channel that lands at each output position of a channel shuffle (chapter 12).

    ``channel_shuffle(x, groups)[:, p] == x[:, perm[p]]`` with ``perm[p] = (p mod g)·n + ⌊p/g⌋``,
    ``n = channels / groups``.

    Raises:
        ValueError: unless ``groups`` divides ``channels``.
    """
    n = _check_split(channels, groups)
    return [(p % groups) * n + p // groups for p in range(channels)]


def reachable_inputs(channels: int, groups: int, shuffle: bool, output: int) -> list[int]:
    """Input channels that output channel ``output`` depends on, through two grouped layers (chapter 12).

    Both layers keep ``channels`` channels and split them into ``groups`` consecutive
    groups; with ``shuffle`` a channel shuffle sits between them.

    Args:
        channels: ``C``, the channels of every layer.
        groups: ``g``; must divide ``C``.
        shuffle: whether a channel shuffle sits between the two layers.
        output: the output channel, ``0 ≤ output < C``.

    Returns:
        The sorted input channels that reach ``output``.

    Raises:
        ValueError: naming the argument, for groups that do not divide the channels
            or an output channel out of range.
    """
    n = _check_split(channels, groups)
    if not isinstance(output, int) or not 0 <= output < channels:
        raise ValueError(f"output must be a channel from 0 to {channels - 1}, got {output!r}")
    perm = shuffle_permutation(channels, groups) if shuffle else list(range(channels))
    group = output // n
    middle = [perm[p] for p in range(group * n, (group + 1) * n)]  # layer-1 channels read by the output
    return sorted({q // n * n + i for q in middle for i in range(n)})


def reach_matrix(channels: int, groups: int, shuffle: bool) -> list[list[int]]:
    """``M[j][i] = 1`` when input channel ``i`` reaches output channel ``j`` (chapter 12); see :func:`reachable_inputs`."""
    rows = []
    for j in range(channels):
        seen = set(reachable_inputs(channels, groups, shuffle, j))
        rows.append([int(i in seen) for i in range(channels)])
    return rows


class ShuffleUnit(nn.Module):
    """ShuffleNet's stride-1 unit (Zhang et al., 2018), taught in chapter 12.

    ``x + BN(GConv1×1(DW3×3(shuffle(ReLU(BN(GConv1×1(x)))))))``, then a ReLU, as in
    the paper's Figure 2(b): no ReLU after the depthwise convolution. Convolutions
    have no bias (batch normalisation follows each one).

    Args:
        channels: ``c``, input and output channels (the residual add needs them equal).
        bottleneck: ``m``, the channels inside the unit.
        groups: ``g`` of both ``1 × 1`` convolutions; must divide ``c`` and ``m``.

    Shapes:
        input (Tensor[N, c, H, W]) -> Tensor[N, c, H, W].
    """

    def __init__(self, channels: int, bottleneck: int, groups: int) -> None:
        super().__init__()
        _check_split(channels, groups)
        _check_split(bottleneck, groups, "bottleneck")
        self.reduce = nn.Conv2d(channels, bottleneck, 1, groups=groups, bias=False)
        self.bn1 = nn.BatchNorm2d(bottleneck)
        self.shuffle = ChannelShuffle(groups)
        self.depthwise = nn.Conv2d(bottleneck, bottleneck, 3, padding=1, groups=bottleneck, bias=False)
        self.bn2 = nn.BatchNorm2d(bottleneck)
        self.expand = nn.Conv2d(bottleneck, channels, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor) -> Tensor:
        y = self.shuffle(self.bn1(self.reduce(x)).relu())  # (N, m, H, W), groups interleaved
        y = self.bn2(self.depthwise(y))  # (N, m, H, W)
        return (x + self.bn3(self.expand(y))).relu()  # (N, c, H, W)


class Bottleneck(nn.Module):
    """ResNet's bottleneck with ``c`` outer and ``m`` inner channels, for comparison (chapter 12).

    ``ReLU(x + BN(Conv1×1(ReLU(BN(Conv3×3(ReLU(BN(Conv1×1(x)))))))))``, no biases.

    Shapes:
        input (Tensor[N, c, H, W]) -> Tensor[N, c, H, W].
    """

    def __init__(self, channels: int, bottleneck: int) -> None:
        super().__init__()
        _check_split(channels, 1)
        _check_split(bottleneck, 1, "bottleneck")
        self.reduce = nn.Conv2d(channels, bottleneck, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(bottleneck)
        self.conv = nn.Conv2d(bottleneck, bottleneck, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(bottleneck)
        self.expand = nn.Conv2d(bottleneck, channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor) -> Tensor:
        y = self.bn1(self.reduce(x)).relu()  # (N, m, H, W)
        y = self.bn2(self.conv(y)).relu()  # (N, m, H, W)
        return (x + self.bn3(self.expand(y))).relu()  # (N, c, H, W)


def shuffle_unit_macs(channels: int, bottleneck: int, groups: int, size: IntOrTuple) -> int:
    """Multiply-adds of one :class:`ShuffleUnit` on a ``size`` map: ``hw(2cm/g + 9m)`` (chapter 12).

    Args:
        channels, bottleneck, groups: ``c``, ``m``, ``g`` as in :class:`ShuffleUnit`.
        size: ``h`` and ``w``, an int (square) or a pair.
    """
    _check_split(bottleneck, groups, "bottleneck")
    return (conv_macs(channels, bottleneck, 1, size, groups=groups)
            + conv_macs(bottleneck, bottleneck, 3, size, groups=bottleneck)
            + conv_macs(bottleneck, channels, 1, size, groups=groups))


def shuffle_unit_params(channels: int, bottleneck: int, groups: int, norm: bool = True) -> int:
    """Parameters of one :class:`ShuffleUnit`: ``2cm/g + 9m`` weights, plus ``2(2m + c)`` for batch norm (chapter 12)."""
    weights = (conv_params(channels, bottleneck, 1, groups=groups, bias=False)
               + conv_params(bottleneck, bottleneck, 3, groups=bottleneck, bias=False)
               + conv_params(bottleneck, channels, 1, groups=groups, bias=False))
    return weights + (2 * (2 * bottleneck + channels) if norm else 0)


def bottleneck_macs(channels: int, bottleneck: int, size: IntOrTuple) -> int:
    """Multiply-adds of one :class:`Bottleneck` on a ``size`` map: ``hw(2cm + 9m²)`` (chapter 12)."""
    return (conv_macs(channels, bottleneck, 1, size) + conv_macs(bottleneck, bottleneck, 3, size)
            + conv_macs(bottleneck, channels, 1, size))


def bottleneck_params(channels: int, bottleneck: int, norm: bool = True) -> int:
    """Parameters of one :class:`Bottleneck`: ``2cm + 9m²`` weights, plus ``2(2m + c)`` for batch norm (chapter 12)."""
    weights = (conv_params(channels, bottleneck, 1, bias=False) + conv_params(bottleneck, bottleneck, 3, bias=False)
               + conv_params(bottleneck, channels, 1, bias=False))
    return weights + (2 * (2 * bottleneck + channels) if norm else 0)
