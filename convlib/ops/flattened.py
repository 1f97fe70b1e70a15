"""Flattened convolution: a ``1 × 1`` step over channels, then a ``kH × 1`` and a ``1 × kW`` step (chapter 08).

Jin et al. (2014) replace every ``C_in × kH × kW`` filter by the outer product
of three vectors, ``W[o, c, u, v] = a[o, c] · b[o, u] · d[o, v]``, and compute
the convolution with it as three one-dimensional ones:

1. *channel* (lateral): a ``1 × 1`` convolution from ``C_in`` to ``C_out`` channels with ``a``;
2. *vertical*: a depthwise ``kH × 1`` convolution, one vertical vector ``b[o]`` per channel;
3. *horizontal*: a depthwise ``1 × kW`` convolution, one horizontal vector ``d[o]`` per channel.

Steps 2 and 3 are chapter 07's spatially separable pair with ``groups`` equal to
the channels, so they call :func:`convlib.ops.spatially_separable_conv2d`. With
``R`` terms per filter (weights of shape ``(C_out, R, ·)``) step 1 makes
``C_out · R`` channels and the ``R`` results of each filter are added up.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor, nn

from .._args import IntOrTuple
from ._convnd import PaddingArg
from .conv import Conv2d, conv2d
from .separable import SpatiallySeparableConv2d, spatially_separable_conv2d

__all__ = ["flattened_conv2d", "flattened_weight", "FlattenedConv2d"]

_LAYOUTS = {"weight_channel": "C_in", "weight_vertical": "kH", "weight_horizontal": "kW"}


def _check_weights(weight_channel: Tensor, weight_vertical: Tensor, weight_horizontal: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The three weights as 3-D ``(C_out, R, ·)`` tensors, checked to agree."""
    weights = {"weight_channel": weight_channel, "weight_vertical": weight_vertical, "weight_horizontal": weight_horizontal}
    for name, w in weights.items():
        if not isinstance(w, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(w).__name__}")
        if w.dim() not in (2, 3) or min(w.shape) < 1:
            raise ValueError(f"{name} must be a non-empty 2-D (C_out, {_LAYOUTS[name]}) or 3-D "
                             f"(C_out, R, {_LAYOUTS[name]}) tensor, got shape {tuple(w.shape)}")
    dims = {w.dim() for w in weights.values()}
    if len(dims) > 1:
        raise ValueError("weight_channel, weight_vertical and weight_horizontal must all be 2-D (one term) "
                         f"or all 3-D (R terms), got {[w.dim() for w in weights.values()]} dimensions")
    wc, wv, wh = (w if w.dim() == 3 else w.unsqueeze(1) for w in weights.values())  # (C_out, R, ·)
    if not wc.shape[:2] == wv.shape[:2] == wh.shape[:2]:
        raise ValueError("weight_channel, weight_vertical and weight_horizontal must have the same (C_out, R) "
                         f"leading sizes, got {tuple(wc.shape[:2])}, {tuple(wv.shape[:2])}, {tuple(wh.shape[:2])}")
    for name, w in list(weights.items())[1:]:
        if w.dtype != weight_channel.dtype or w.device != weight_channel.device:
            raise ValueError(f"{name} must have weight_channel's dtype and device ({weight_channel.dtype}, "
                             f"{weight_channel.device}), got {w.dtype}, {w.device}")
    return wc, wv, wh


def flattened_conv2d(
    input: Tensor,
    weight_channel: Tensor,
    weight_vertical: Tensor,
    weight_horizontal: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """A convolution whose filters are sums of outer products of 1-D vectors (chapter 08, "Flattened convolution").

    Equal to ``torch.nn.functional.conv2d(input, flattened_weight(weight_channel, weight_vertical,
    weight_horizontal), bias, stride, padding, dilation)``, computed as three 1-D steps.

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        weight_channel (Tensor[C_out, C_in] or Tensor[C_out, R, C_in]): the channel vectors.
        weight_vertical (Tensor[C_out, kH] or Tensor[C_out, R, kH]): the vertical vectors.
        weight_horizontal (Tensor[C_out, kW] or Tensor[C_out, R, kW]): the horizontal vectors.
        bias (Tensor[C_out], optional): added once, at the end.
        stride: ``s`` or ``(sH, sW)``; the vertical step strides the height, the horizontal step the width.
        padding: ``p``, ``(pH, pW)``, ``'valid'`` or ``'same'`` (zeros), split the same way.
        dilation: ``d`` or ``(dH, dW)``, split the same way.

    Returns:
        Tensor[N, C_out, H_out, W_out]: the sizes of the full ``kH × kW`` convolution.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    wc, wv, wh = _check_weights(weight_channel, weight_vertical, weight_horizontal)
    c_out, rank, c_in = wc.shape
    m = c_out * rank
    if isinstance(input, Tensor) and input.dim() in (3, 4) and input.shape[-3] != c_in:
        raise ValueError(f"weight_channel must have one entry per input channel: its last size should be "
                         f"{input.shape[-3]}, got {c_in}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (c_out,)):
        raise ValueError(f"bias must be a 1-D tensor of C_out = {c_out} entries, got "
                         f"{tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__}")
    if bias is not None and (bias.dtype != wc.dtype or bias.device != wc.device):
        raise ValueError(f"bias must have the weights' dtype and device ({wc.dtype}, {wc.device}), got {bias.dtype}, {bias.device}")
    mixed = conv2d(input, wc.reshape(m, c_in, 1, 1))  # (N, C_out·R, H, W)
    column, row = wv.reshape(m, 1, -1, 1), wh.reshape(m, 1, 1, -1)  # (C_out·R, 1, kH, 1), (C_out·R, 1, 1, kW)
    spatial = spatially_separable_conv2d(mixed, column, row, None, stride, padding, dilation, groups=m)  # (N, C_out·R, H_out, W_out)
    out = spatial.unflatten(-3, (c_out, rank)).sum(-3)  # (N, C_out, H_out, W_out)
    return out if bias is None else out + bias[:, None, None]


def flattened_weight(weight_channel: Tensor, weight_vertical: Tensor, weight_horizontal: Tensor) -> Tensor:
    """The full weight the three steps apply together: ``W[o] = Σ_r a[o,r] ⊗ b[o,r] ⊗ d[o,r]`` (chapter 08).

    Returns:
        Tensor[C_out, C_in, kH, kW]

    Raises:
        ValueError: for weights that do not agree (as :func:`flattened_conv2d`).
    """
    wc, wv, wh = _check_weights(weight_channel, weight_vertical, weight_horizontal)
    return torch.einsum("orc,orh,orw->ochw", wc, wv, wh)  # (C_out, C_in, kH, kW)


class FlattenedConv2d(nn.Module):
    """A flattened convolution as modules: ``channel`` (``1 × 1``), then ``spatial`` (chapter 08).

    ``channel`` is a :class:`convlib.ops.Conv2d` from ``in_channels`` to
    ``out_channels · rank`` channels; ``spatial`` is chapter 07's
    :class:`convlib.ops.SpatiallySeparableConv2d` with ``groups`` equal to its
    channels, i.e. a depthwise ``kH × 1`` (``spatial.column``) then a depthwise
    ``1 × kW`` (``spatial.row``). None of them has a bias; the layer adds its own
    ``bias`` at the end. :func:`convlib.cost.count` sees all three convolutions.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, bias:
            as ``torch.nn.Conv2d`` (zero padding, groups 1).
        rank: rank-1 terms per filter.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrTuple,
        stride: IntOrTuple = 1,
        padding: PaddingArg = 0,
        dilation: IntOrTuple = 1,
        bias: bool = True,
        rank: int = 1,
    ) -> None:
        super().__init__()
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
            raise ValueError(f"rank must be a positive int, got {rank!r}")
        m = out_channels * rank
        self.out_channels, self.rank = out_channels, rank
        self.channel = Conv2d(in_channels, m, 1, bias=False)
        self.spatial = SpatiallySeparableConv2d(m, m, kernel_size, stride, padding, dilation, groups=m, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, rank: int = 1) -> "FlattenedConv2d":
        """A layer whose filters are :func:`convlib.flattened.flatten_weight`'s fit of ``conv``'s (chapter 08).

        Raises:
            ValueError: for grouped convolutions or non-zero padding modes.
        """
        from ..flattened import flatten_weight  # the fitting lives with the rest of the maths

        if not isinstance(conv, nn.Conv2d) or conv.groups != 1 or conv.padding_mode != "zeros":
            raise ValueError("conv must be an nn.Conv2d with groups=1 and padding_mode='zeros'")
        layer = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                    conv.dilation, conv.bias is not None, rank).to(conv.weight.device, conv.weight.dtype)
        wc, wv, wh = flatten_weight(conv.weight.detach(), rank)
        with torch.no_grad():
            layer.channel.weight.copy_(wc.reshape(-1, conv.in_channels, 1, 1))
            layer.spatial.column.weight.copy_(wv.reshape(-1, 1, wv.shape[-1], 1))
            layer.spatial.row.weight.copy_(wh.reshape(-1, 1, 1, wh.shape[-1]))
            if conv.bias is not None:
                layer.bias.copy_(conv.bias)
        return layer

    def factors(self) -> tuple[Tensor, Tensor, Tensor]:
        """``(weight_channel, weight_vertical, weight_horizontal)``, each ``(C_out, R, ·)``, as :func:`flattened_conv2d` takes them."""
        c, r = self.out_channels, self.rank
        return (self.channel.weight.reshape(c, r, -1), self.spatial.column.weight.reshape(c, r, -1),
                self.spatial.row.weight.reshape(c, r, -1))

    @property
    def weight(self) -> Tensor:
        """The equivalent full weight ``(C_out, C_in, kH, kW)``, see :func:`flattened_weight`."""
        return flattened_weight(*self.factors())

    def forward(self, input: Tensor) -> Tensor:
        y = self.spatial(self.channel(input))  # (N, C_out·R, H_out, W_out)
        y = y.unflatten(-3, (self.out_channels, self.rank)).sum(-3)  # (N, C_out, H_out, W_out)
        return y if self.bias is None else y + self.bias[:, None, None]
