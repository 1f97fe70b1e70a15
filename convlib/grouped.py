"""Grouped convolution as a matrix: which inputs each output sees, and the block-diagonal weight.

Chapter 11, "Grouped convolution", teaches it. A convolution with ``groups = g``
splits its ``C_in`` input channels and its ``C_out`` output channels into ``g``
consecutive groups; output channel ``o`` belongs to group ``o // (C_out/g)`` and
reads only the ``C_in/g`` input channels of that group. Written as one dense
``C_out × (C_in·kH·kW)`` matrix, the weight is block-diagonal: ``g`` blocks of
``(C_out/g) × (C_in/g·kH·kW)`` on the diagonal, zeros everywhere else. The
operator itself is :func:`convlib.ops.conv2d` with its ``groups`` argument.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["groups_error", "check_groups_divide", "group_of", "group_connectivity", "block_diagonal_weight"]


def groups_error(in_channels: int, out_channels: int, groups: int) -> str | None:
    """The one-line reason ``groups`` is impossible for these channel counts, or ``None`` if it is fine.

    Chapter 11 teaches it. The message names the count that breaks the rule, e.g.
    ``"groups=3 does not divide out_channels=8"``.
    """
    for value, name in ((in_channels, "in_channels"), (out_channels, "out_channels"), (groups, "groups")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"{name} must be a positive int, got {value!r}"
    bad = [f"{name}={value}" for value, name in ((in_channels, "in_channels"), (out_channels, "out_channels"))
           if value % groups]
    if not bad:
        return None
    if len(bad) == 2:
        return f"groups={groups} divides neither {bad[0]} nor {bad[1]}"
    return f"groups={groups} does not divide {bad[0]}"


def check_groups_divide(in_channels: int, out_channels: int, groups: int) -> None:
    """Raise ``ValueError`` with :func:`groups_error`'s one line unless ``groups`` divides both counts (chapter 11)."""
    message = groups_error(in_channels, out_channels, groups)
    if message:
        raise ValueError(message)


def group_of(channel: int, channels: int, groups: int) -> int:
    """The group (0 to ``groups − 1``) of ``channel`` among ``channels`` split into consecutive groups (chapter 11)."""
    if not 0 <= channel < channels:
        raise ValueError(f"channel must be from 0 to {channels - 1}, got {channel}")
    return channel // (channels // groups)


def group_connectivity(in_channels: int, out_channels: int, groups: int) -> list[list[int]]:
    """For each output channel, the input channels it reads (chapter 11).

    Args:
        in_channels: ``C_in``.
        out_channels: ``C_out``.
        groups: ``g``; must divide both counts.

    Returns:
        A list of ``C_out`` lists; entry ``o`` holds the ``C_in/g`` consecutive input
        channels of output ``o``'s group, e.g. ``[[0, 1], [0, 1], [2, 3], [2, 3]]`` for
        ``(4, 4, 2)``.

    Raises:
        ValueError: naming the count that ``groups`` does not divide.
    """
    check_groups_divide(in_channels, out_channels, groups)
    per_in, per_out = in_channels // groups, out_channels // groups
    return [list(range((o // per_out) * per_in, (o // per_out + 1) * per_in)) for o in range(out_channels)]


def block_diagonal_weight(weight: Tensor, groups: int) -> Tensor:
    """The grouped weight as one dense matrix over all input channels (chapter 11).

    Row ``o`` holds output channel ``o``'s kernel in the columns of its group's
    input channels, ordered ``(c, u, v)`` as in im2col, and zeros in every other
    column: ``F.conv2d(x, W, groups=g)`` equals ``F.conv2d(x, D.view(C_out, C_in, kH, kW))``
    with ``D = block_diagonal_weight(W, g)``.

    Args:
        weight (Tensor[C_out, C_in/groups, kH, kW]): a grouped convolution's weight
            (any number of trailing kernel dims).
        groups: ``g``; must divide ``C_out``.

    Returns:
        Tensor[C_out, C_in·kH·kW]: ``g`` blocks of ``(C_out/g) × (C_in/g·kH·kW)`` on the diagonal.

    Raises:
        ValueError: if ``weight`` has fewer than 3 dims or ``groups`` does not divide ``C_out``.
    """
    if not isinstance(weight, Tensor) or weight.dim() < 3:
        raise ValueError("weight must be a tensor (C_out, C_in/groups, *kernel) with at least 3 dims")
    c_out, per_in = weight.shape[:2]
    check_groups_divide(per_in * groups if isinstance(groups, int) and groups > 0 else 1, c_out, groups)
    blocks = weight.reshape(groups, c_out // groups, -1)  # (g, C_out/g, C_in/g·kH·kW)
    return torch.block_diag(*blocks)  # (C_out, C_in·kH·kW), block j at rows and columns of group j
