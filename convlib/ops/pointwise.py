"""1×1 (pointwise) convolution as a matrix multiply over the channel axis (chapter 04).

A ``1 × 1`` kernel sees one pixel at a time, so the convolution is the same
``C_out × C_in`` matrix applied to the channel vector of every pixel: a linear
layer shared across positions (Network in Network's "mlpconv" building block).
Stride subsamples the pixels first; padding adds pixels whose output is the bias.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._args import IntOrTuple, check_non_negative, check_positive, ntuple

__all__ = ["pointwise_conv2d", "PointwiseConv2d"]


def _check(input: Tensor, weight: Tensor, bias: Tensor | None, groups: int) -> None:
    for value, name in ((input, "input"), (weight, "weight")):
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if input.dim() not in (3, 4):
        raise ValueError(f"input must be 3-D (C_in, H, W) or 4-D (N, C_in, H, W), got shape {tuple(input.shape)}")
    if weight.dim() != 4 or weight.shape[2:] != (1, 1):
        raise ValueError(f"weight must have shape (C_out, C_in/groups, 1, 1), got {tuple(weight.shape)}")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    c_in, c_out = input.shape[-3], weight.shape[0]
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide in_channels ({c_in}) and out_channels ({c_out}), got {groups}")
    if weight.shape[1] * groups != c_in:
        raise ValueError(f"weight must have C_in/groups = {c_in // groups} input channels, got {weight.shape[1]}")
    if weight.dtype != input.dtype:
        raise ValueError(f"weight must have input's dtype {input.dtype}, got {weight.dtype}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (c_out,)):
        raise ValueError(f"bias must be a 1-D tensor of C_out = {c_out} entries, got {getattr(bias, 'shape', bias)}")


def pointwise_conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
                     padding: IntOrTuple | str = 0, groups: int = 1) -> Tensor:
    """``F.conv2d`` with a ``1 × 1`` kernel, computed as one matmul over channels (chapter 04).

    Args:
        input (Tensor[N, C_in, H, W] or Tensor[C_in, H, W]): the feature maps.
        weight (Tensor[C_out, C_in/groups, 1, 1]): one row of channel weights per output channel.
        bias (Tensor[C_out], optional): added to every pixel of each output channel.
        stride: keep every ``stride``-th pixel (an int or ``(sh, sw)``).
        padding: zeros added on each side (an int, a pair, ``"valid"`` or ``"same"``; both
            strings mean 0 for a ``1 × 1`` kernel); padded pixels output the bias alone.
        groups: split the channels into ``groups`` independent matmuls (chapter 12).

    Returns:
        Tensor[N, C_out, H_out, W_out] (no batch dimension if ``input`` had none), with
        ``H_out = ⌊(H + 2p − 1)/s⌋ + 1``.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    _check(input, weight, bias, groups)
    stride = ntuple(stride, 2, "stride")
    check_positive(stride, "stride")
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if padding == "same" and stride != (1, 1):
            raise ValueError("padding='same' needs stride 1, as in torch.nn.functional.conv2d")
        padding = 0
    pad = ntuple(padding, 2, "padding")
    check_non_negative(pad, "padding")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)  # (N, C_in, H, W)
    x = F.pad(x, (pad[1], pad[1], pad[0], pad[0]))  # (N, C_in, H + 2p, W + 2p): zeros, no convolution
    x = x[:, :, :: stride[0], :: stride[1]]  # (N, C_in, H_out, W_out): a 1×1 kernel sees only these pixels
    n, c_in, h, w = x.shape
    c_out = weight.shape[0]
    x = x.reshape(n, groups, c_in // groups, h * w)  # (N, g, C_in/g, H_out·W_out)
    m = weight.reshape(groups, c_out // groups, c_in // groups)  # (g, C_out/g, C_in/g)
    y = torch.matmul(m, x).reshape(n, c_out, h, w)  # (N, C_out, H_out, W_out)
    if bias is not None:
        y = y + bias.view(1, c_out, 1, 1)  # (N, C_out, H_out, W_out)
    return y if batched else y.squeeze(0)


class PointwiseConv2d(nn.Conv2d):
    """``torch.nn.Conv2d`` with ``kernel_size=1``, computed by :func:`pointwise_conv2d` (chapter 04).

    Args:
        in_channels, out_channels, stride, padding, groups, bias, device, dtype: as ``nn.Conv2d``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: IntOrTuple = 1, padding: IntOrTuple | str = 0,
                 groups: int = 1, bias: bool = True, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, 1, stride=stride, padding=padding, groups=groups, bias=bias,
                         device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        return pointwise_conv2d(input, self.weight, self.bias, self.stride, self.padding, self.groups)  # (N, C_out, H_out, W_out)
