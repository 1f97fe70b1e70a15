"""Convolution (cross-correlation) in 1, 2 and 3 dimensions, from tensor primitives.

``conv1d``, ``conv2d`` and ``conv3d`` have the signature and semantics of
``torch.nn.functional.convNd``; ``Conv1d``, ``Conv2d`` and ``Conv3d`` are the
``torch.nn`` modules with their forward pass routed through them. All share one
N-d implementation (``_convnd.convnd_core``): zero padding, windows cut out with
``Tensor.unfold``, and one matrix multiplication per group (im2col).
"""

from __future__ import annotations

from typing import Callable, Optional

from torch import Tensor, nn

from .._args import IntOrTuple
from ._convnd import PaddingArg, check_conv_args, check_tensors, convnd_core

__all__ = ["conv1d", "conv2d", "conv3d", "Conv1d", "Conv2d", "Conv3d"]

_WEIGHT_LAYOUT = {
    1: "(C_out, C_in/groups, kL)",
    2: "(C_out, C_in/groups, kH, kW)",
    3: "(C_out, C_in/groups, kD, kH, kW)",
}


def _convnd(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor],
    stride: IntOrTuple,
    padding: PaddingArg,
    dilation: IntOrTuple,
    groups: int,
    n: int,
) -> Tensor:
    batched = check_tensors(input, weight, bias, n, _WEIGHT_LAYOUT[n])
    x = input if batched else input.unsqueeze(0)  # (N, C_in, *spatial)
    stride_t, pads, dilation_t = check_conv_args(tuple(x.shape), weight, bias, stride, padding, dilation, groups)
    y = convnd_core(x, weight, bias, stride_t, pads, dilation_t, groups)  # (N, C_out, *out)
    return y if batched else y.squeeze(0)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """1D cross-correlation, as ``torch.nn.functional.conv1d`` (chapter 03, "1D and 3D convolution").

    Args:
        input (Tensor[N, C_in, L]): or unbatched ``(C_in, L)``.
        weight (Tensor[C_out, C_in/groups, kL]): the kernel.
        bias (Tensor[C_out], optional): added to every output position.
        stride: step between windows, int or 1-tuple (at least 1).
        padding: zeros on both sides (int or 1-tuple), or ``'valid'`` (none) or
            ``'same'`` (output as long as the input; stride 1 only).
        dilation: spacing between kernel taps (at least 1).
        groups: split the channels into this many independent convolutions.

    Returns:
        Tensor[N, C_out, L_out]: ``L_out = ⌊(L + 2p − d(k−1) − 1)/s⌋ + 1``.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, n=1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """2D cross-correlation, as ``torch.nn.functional.conv2d`` (chapter 01, "Convolution and cross-correlation").

    Each output pixel is the dot product of the kernel with one window of the
    zero-padded input: ``y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] ·
    x[n, c, s·i + d·u − p, s·j + d·v − p]``, the channels ``c`` running over
    the group of ``o``.

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        weight (Tensor[C_out, C_in/groups, kH, kW]): the kernel.
        bias (Tensor[C_out], optional): added to every output pixel.
        stride: step between windows, int or ``(sH, sW)`` (at least 1).
        padding: zeros on each side, int or ``(pH, pW)``, or ``'valid'`` (none) or
            ``'same'`` (output the size of the input; stride 1 only; an even
            effective kernel gets its extra zero at the end).
        dilation: spacing between kernel taps, int or ``(dH, dW)`` (at least 1).
        groups: split the channels into this many independent convolutions; it
            must divide ``in_channels`` and ``out_channels``.

    Returns:
        Tensor[N, C_out, H_out, W_out]: sizes as ``convlib.arithmetic.conv_output_size`` computes them.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, n=2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> Tensor:
    """3D cross-correlation, as ``torch.nn.functional.conv3d`` (chapter 03, "1D and 3D convolution").

    Args:
        input (Tensor[N, C_in, D, H, W]): or unbatched ``(C_in, D, H, W)``.
        weight (Tensor[C_out, C_in/groups, kD, kH, kW]): the kernel.
        bias (Tensor[C_out], optional): added to every output voxel.
        stride: step between windows, int or ``(sD, sH, sW)`` (at least 1).
        padding: zeros on each side, int or ``(pD, pH, pW)``, or ``'valid'`` or
            ``'same'`` (stride 1 only).
        dilation: spacing between kernel taps, int or ``(dD, dH, dW)`` (at least 1).
        groups: split the channels into this many independent convolutions.

    Returns:
        Tensor[N, C_out, D_out, H_out, W_out]

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, n=3)


def _forward(module: nn.modules.conv._ConvNd, functional: Callable[..., Tensor], input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
    """The body of ``torch.nn.ConvNd._conv_forward``, with our functional in place of torch's."""
    if module.padding_mode != "zeros":
        input = nn.functional.pad(input, module._reversed_padding_repeated_twice, mode=module.padding_mode)
        return functional(input, weight, bias, module.stride, 0, module.dilation, module.groups)
    return functional(input, weight, bias, module.stride, module.padding, module.dilation, module.groups)


class Conv1d(nn.Conv1d):
    """``torch.nn.Conv1d`` (same arguments, parameters and initialisation) computed by :func:`conv1d`.

    Chapter 03, "1D and 3D convolution".
    """

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
        return _forward(self, conv1d, input, weight, bias)  # (N, C_out, L_out)


class Conv2d(nn.Conv2d):
    """``torch.nn.Conv2d`` (same arguments, parameters and initialisation) computed by :func:`conv2d`.

    Chapter 01, "Convolution and cross-correlation".
    """

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
        return _forward(self, conv2d, input, weight, bias)  # (N, C_out, H_out, W_out)


class Conv3d(nn.Conv3d):
    """``torch.nn.Conv3d`` (same arguments, parameters and initialisation) computed by :func:`conv3d`.

    Chapter 03, "1D and 3D convolution".
    """

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
        return _forward(self, conv3d, input, weight, bias)  # (N, C_out, D_out, H_out, W_out)
