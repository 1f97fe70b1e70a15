"""Depthwise convolution: one ``kH × kW`` filter (or ``M`` of them) per input channel (chapter 09).

A depthwise convolution is a convolution with ``groups = C_in``: every input
channel ``c`` is filtered on its own by ``M`` filters of shape ``kH × kW`` (the
*channel multiplier* ``M``), and nothing is summed across channels. Output
channel ``c·M + m`` is input channel ``c`` filtered by filter ``m`` of ``c``,
the order ``torch.nn.functional.conv2d(..., groups=C_in)`` uses.

:func:`depthwise_conv2d` is written from tensor primitives: zero padding, every
window cut out with ``Tensor.unfold``, and one ``einsum`` that multiplies each
channel's windows by that channel's filters only. No channel sum appears in it.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._args import IntOrTuple
from ._convnd import PaddingArg, check_conv_args

__all__ = ["depthwise_conv2d", "DepthwiseConv2d"]


def _check(input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> bool:
    """Check types, ranks, dtypes and the depthwise weight layout; return whether ``input`` is batched."""
    for value, name in ((input, "input"), (weight, "weight")):
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if input.dim() not in (3, 4):
        raise ValueError(f"input must be a 4-D tensor (N, C_in, H, W) or an unbatched 3-D tensor (C_in, H, W), "
                         f"got shape {tuple(input.shape)}")
    if any(s < 1 for s in input.shape[-3:]):
        raise ValueError(f"input must have at least one channel and positive spatial sizes, got shape {tuple(input.shape)}")
    c_in = input.shape[-3]
    if weight.dim() != 4 or weight.shape[1] != 1:
        raise ValueError(f"weight must be a 4-D tensor (C_in·multiplier, 1, kH, kW): one single-channel filter "
                         f"per output channel, got shape {tuple(weight.shape)}")
    if weight.shape[0] < 1 or weight.shape[0] % c_in:
        raise ValueError(f"weight must hold a whole number of filters per input channel: its first size should be "
                         f"a positive multiple of C_in = {c_in}, got {weight.shape[0]}")
    for value, name in ((weight, "weight"), (bias, "bias")):
        if name == "bias" and value is None:
            continue
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor or None, got {type(value).__name__}")
        if value.dtype != input.dtype:
            raise ValueError(f"{name} must have the same dtype as input ({input.dtype}), got {value.dtype}")
        if value.device != input.device:
            raise ValueError(f"{name} must be on the same device as input ({input.device}), got {value.device}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"bias must be a 1-D tensor of C_out = {weight.shape[0]} entries, got shape {tuple(bias.shape)}")
    return input.dim() == 4


def depthwise_conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Depthwise 2D cross-correlation, as ``F.conv2d(input, weight, bias, stride, padding, dilation, groups=C_in)``.

    Chapter 09, "Depthwise convolution", teaches it:
    ``y[n, c·M + m, i, j] = b[c·M + m] + Σ_{u, v} w[c·M + m, 0, u, v] · x[n, c, s·i + d·u − p, s·j + d·v − p]``.

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        weight (Tensor[C_in·M, 1, kH, kW]): ``M`` filters per input channel, the
            filters of channel ``c`` in rows ``c·M`` to ``c·M + M − 1``.
        bias (Tensor[C_in·M], optional): one per output channel.
        stride: ``s`` or ``(sH, sW)``, at least 1.
        padding: zeros on each side, ``p`` or ``(pH, pW)``, or ``'valid'`` or ``'same'`` (stride 1 only).
        dilation: ``d`` or ``(dH, dW)``, at least 1.

    Returns:
        Tensor[N, C_in·M, H_out, W_out]: sizes as :func:`convlib.arithmetic.conv_output_size` computes them.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    batched = _check(input, weight, bias)
    x = input if batched else input.unsqueeze(0)  # (N, C, H, W)
    n, c = x.shape[:2]
    (sh, sw), pads, (dh, dw) = check_conv_args(tuple(x.shape), weight, bias, stride, padding, dilation, groups=c)
    kh, kw = weight.shape[2:]
    (top, bottom), (left, right) = pads
    x = F.pad(x, [left, right, top, bottom])  # (N, C, H + 2pH, W + 2pW)
    x = x.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)  # (N, C, H_out, W_out, span_h, span_w)
    x = x[..., ::dh, ::dw]  # (N, C, H_out, W_out, kH, kW): the taps of each window
    w = weight.reshape(c, -1, kh, kw)  # (C, M, kH, kW): the filters of each channel
    y = torch.einsum("ncijuv,cmuv->ncmij", x, w)  # (N, C, M, H_out, W_out): channel c meets only its own filters
    y = y.flatten(1, 2)  # (N, C·M, H_out, W_out), output channel c·M + m
    if bias is not None:
        y = y + bias[:, None, None]  # (N, C·M, H_out, W_out)
    return y if batched else y.squeeze(0)


class DepthwiseConv2d(nn.Conv2d):
    """A depthwise ``nn.Conv2d`` (``groups = in_channels``) computed by :func:`depthwise_conv2d` (chapter 09).

    It is ``torch.nn.Conv2d(in_channels, channel_multiplier · in_channels, kernel_size,
    stride, padding, dilation, groups=in_channels, bias=bias)``: same parameters, same
    initialisation, and :func:`convlib.cost.count` sees it as a convolution.

    Args:
        in_channels: ``C_in``.
        kernel_size: ``k`` or ``(kH, kW)``.
        channel_multiplier: ``M``, filters per input channel; ``C_out = M · C_in``.
        stride, padding, dilation, bias: as ``torch.nn.Conv2d`` (zero padding only).

    Raises:
        ValueError: for a channel multiplier that is not a positive int, and as ``nn.Conv2d``.
    """

    def __init__(
        self,
        in_channels: int,
        kernel_size: IntOrTuple,
        channel_multiplier: int = 1,
        stride: IntOrTuple = 1,
        padding: PaddingArg = 0,
        dilation: IntOrTuple = 1,
        bias: bool = True,
    ) -> None:
        if not isinstance(in_channels, int) or isinstance(in_channels, bool) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        if not isinstance(channel_multiplier, int) or isinstance(channel_multiplier, bool) or channel_multiplier < 1:
            raise ValueError(f"channel_multiplier must be a positive int, got {channel_multiplier!r}")
        super().__init__(in_channels, channel_multiplier * in_channels, kernel_size, stride, padding, dilation,
                         groups=in_channels, bias=bias)
        self.channel_multiplier = channel_multiplier

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
        return depthwise_conv2d(input, weight, bias, self.stride, self.padding, self.dilation)  # (N, C_out, H_out, W_out)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, channel_multiplier={self.channel_multiplier}"
