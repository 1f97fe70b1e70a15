"""Spatially separable convolution: a ``kH × 1`` pass, then a ``1 × kW`` pass (chapter 07, "Spatially separable convolution").

The column pass convolves every column of the input with a vertical kernel,
padding and striding only the height; the row pass convolves the result's rows
with a horizontal kernel, padding and striding only the width. Both passes are
:func:`convlib.ops.conv2d`. With one channel the pair equals one convolution
with the rank-1 kernel ``column ⊗ row``; with channels it equals one
convolution with the weight of :func:`spatially_separable_weight`, in which
each ``(out, in)`` kernel is a sum over the middle channels of rank-1 kernels
(this is Inception-v3's ``1×n`` + ``n×1`` pair).

This is *not* Keras' ``SeparableConv2D``, which is depthwise separable (chapter 10).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from .._args import IntOrTuple, check_groups, ntuple
from ._convnd import PaddingArg
from .conv import Conv2d, conv2d

__all__ = ["spatially_separable_conv2d", "spatially_separable_weight", "SpatiallySeparableConv2d"]


def _check_weights(weight_column: Tensor, weight_row: Tensor, groups: int) -> None:
    for w, name, layout, axis in ((weight_column, "weight_column", "(C_mid, C_in/groups, kH, 1)", 3),
                                  (weight_row, "weight_row", "(C_out, C_mid/groups, 1, kW)", 2)):
        if not isinstance(w, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
        if w.dim() != 4 or w.shape[axis] != 1:
            raise ValueError(f"{name} must be a 4-D tensor {layout}, got shape {tuple(w.shape)}")
    mid = weight_column.shape[0]
    check_groups(mid, weight_row.shape[0], groups)  # C_mid and C_out split into the groups
    if weight_row.shape[1] * groups != mid:
        raise ValueError(
            f"weight_row must take the column pass's {mid} channels: its shape[1] · groups should be {mid}, "
            f"got {weight_row.shape[1]} · {groups}"
        )


def _split(padding: PaddingArg, stride: IntOrTuple, dilation: IntOrTuple) -> tuple[dict, dict]:
    """Keyword arguments of the column pass and of the row pass."""
    (sh, sw), (dh, dw) = ntuple(stride, 2, "stride"), ntuple(dilation, 2, "dilation")
    if isinstance(padding, str):
        pad_column: PaddingArg = padding
        pad_row: PaddingArg = padding
    else:
        ph, pw = ntuple(padding, 2, "padding")
        pad_column, pad_row = (ph, 0), (0, pw)
    return (dict(stride=(sh, 1), padding=pad_column, dilation=(dh, 1)),
            dict(stride=(1, sw), padding=pad_row, dilation=(1, dw)))


def spatially_separable_conv2d(
    input: Tensor,
    weight_column: Tensor,
    weight_row: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """A ``kH × 1`` convolution then a ``1 × kW`` convolution (chapter 07, "Spatially separable convolution").

    Equal to ``torch.nn.functional.conv2d(input, spatially_separable_weight(weight_column,
    weight_row, groups), bias, stride, padding, dilation, groups)``, at ``(kH + kW)/(kH · kW)``
    of the weights per kernel.

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        weight_column (Tensor[C_mid, C_in/groups, kH, 1]): the vertical kernels.
        weight_row (Tensor[C_out, C_mid/groups, 1, kW]): the horizontal kernels.
        bias (Tensor[C_out], optional): added once, after the row pass.
        stride: ``s`` or ``(sH, sW)``; the column pass strides the height, the row pass the width.
        padding: ``p``, ``(pH, pW)``, ``'valid'`` or ``'same'``; the column pass pads the
            height, the row pass the width (zeros).
        dilation: ``d`` or ``(dH, dW)``, split the same way.
        groups: applied to both passes; it must divide ``C_in``, ``C_mid`` and ``C_out``.

    Returns:
        Tensor[N, C_out, H_out, W_out]: the sizes of the full ``kH × kW`` convolution.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    _check_weights(weight_column, weight_row, groups)
    column_args, row_args = _split(padding, stride, dilation)
    middle = conv2d(input, weight_column, None, groups=groups, **column_args)  # (N, C_mid, H_out, W)
    return conv2d(middle, weight_row, bias, groups=groups, **row_args)  # (N, C_out, H_out, W_out)


def spatially_separable_weight(weight_column: Tensor, weight_row: Tensor, groups: int = 1) -> Tensor:
    """The full ``kH × kW`` weight that the two passes apply together (chapter 07).

    ``W[o, i] = Σ_m weight_row[o, m, 0, :] ⊗ weight_column[m, i, :, 0]`` over the middle
    channels ``m`` of ``o``'s group: with one middle channel per group every kernel has rank 1.

    Returns:
        Tensor[C_out, C_in/groups, kH, kW]

    Raises:
        ValueError: for shapes that do not chain (as :func:`spatially_separable_conv2d`).
    """
    _check_weights(weight_column, weight_row, groups)
    mid, cin = weight_column.shape[:2]
    cout, kh, kw = weight_row.shape[0], weight_column.shape[2], weight_row.shape[3]
    col = weight_column.reshape(groups, mid // groups, cin, kh)  # (g, C_mid/g, C_in/g, kH)
    row = weight_row.reshape(groups, cout // groups, mid // groups, kw)  # (g, C_out/g, C_mid/g, kW)
    return torch.einsum("gmia,gomb->goiab", col, row).reshape(cout, cin, kh, kw)  # (C_out, C_in/g, kH, kW)


class SpatiallySeparableConv2d(nn.Module):
    """A ``kH × 1`` :class:`convlib.ops.Conv2d` then a ``1 × kW`` one (chapter 07).

    The two passes are the child modules ``column`` (``in_channels → mid_channels``,
    no bias) and ``row`` (``mid_channels → out_channels``), so
    :func:`convlib.cost.count` sees both and their multiply-adds add up.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias:
            as ``torch.nn.Conv2d`` (zero padding only).
        mid_channels: channels between the passes (default ``in_channels``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: PaddingArg = 0,
        dilation: IntOrTuple = 1,
        groups: int = 1,
        bias: bool = True,
        mid_channels: Optional[int] = None,
    ) -> None:
        super().__init__()
        kh, kw = ntuple(kernel_size, 2, "kernel_size")
        mid = in_channels if mid_channels is None else mid_channels
        column_args, row_args = _split(padding, stride, dilation)
        self.column = Conv2d(in_channels, mid, (kh, 1), groups=groups, bias=False, **column_args)
        self.row = Conv2d(mid, out_channels, (1, kw), groups=groups, bias=bias, **row_args)

    @property
    def weight(self) -> Tensor:
        """The equivalent full weight ``(C_out, C_in/groups, kH, kW)``, see :func:`spatially_separable_weight`."""
        return spatially_separable_weight(self.column.weight, self.row.weight, self.row.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self.row(self.column(input))  # (N, C_out, H_out, W_out)
