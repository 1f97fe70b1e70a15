"""Depthwise-separable convolution: a depthwise ``k×k`` step, then a pointwise ``1×1`` step (chapter 10).

The depthwise step filters every input channel with its own ``k×k`` kernel
(``groups = C_in``, chapter 09); the pointwise step mixes the channels at every
pixel with a ``1×1`` convolution (chapter 04). Both steps are
:func:`convlib.ops.conv2d`, our from-scratch convolution. Xception and MobileNet
are built from this pair.

This is Keras' ``SeparableConv2D``; it is *not* chapter 07's spatially separable
convolution (:mod:`convlib.ops.separable`).
"""

from __future__ import annotations

from typing import Optional

from torch import Tensor, nn

from .._args import IntOrTuple
from ._convnd import PaddingArg
from .conv import Conv2d, conv2d

__all__ = ["depthwise_separable_conv2d", "DepthwiseSeparableConv2d"]


def _check(input: Tensor, depthwise_weight: Tensor, pointwise_weight: Tensor) -> None:
    for w, name, layout in ((depthwise_weight, "depthwise_weight", "(C_in, 1, kH, kW)"),
                            (pointwise_weight, "pointwise_weight", "(C_out, C_in, 1, 1)")):
        if not isinstance(w, Tensor) or w.dim() != 4:
            shape = tuple(w.shape) if isinstance(w, Tensor) else type(w).__name__
            raise ValueError(f"{name} must be a 4-D tensor {layout}, got {shape}")
    if depthwise_weight.shape[1] != 1:
        raise ValueError(f"depthwise_weight must hold one kernel per channel, shape (C_in, 1, kH, kW), "
                         f"got {tuple(depthwise_weight.shape)}")
    if pointwise_weight.shape[2:] != (1, 1):
        raise ValueError(f"pointwise_weight must be 1×1, shape (C_out, C_in, 1, 1), got {tuple(pointwise_weight.shape)}")
    c_in = depthwise_weight.shape[0]
    if pointwise_weight.shape[1] != c_in:
        raise ValueError(f"pointwise_weight must take the depthwise step's {c_in} channels: its shape[1] should be "
                         f"{c_in}, got {pointwise_weight.shape[1]}")
    if isinstance(input, Tensor) and input.dim() in (3, 4) and input.shape[-3] != c_in:
        raise ValueError(f"input must have {c_in} channels, one per depthwise kernel, got {input.shape[-3]}")


def depthwise_separable_conv2d(
    input: Tensor,
    depthwise_weight: Tensor,
    pointwise_weight: Tensor,
    depthwise_bias: Optional[Tensor] = None,
    pointwise_bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: PaddingArg = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """A depthwise ``kH × kW`` convolution then a pointwise ``1×1`` one (chapter 10, "Depthwise-separable convolution").

    Equal to ``F.conv2d(F.conv2d(input, depthwise_weight, depthwise_bias, stride, padding,
    dilation, groups=C_in), pointwise_weight, pointwise_bias)``, with no non-linearity
    between the steps (Xception's choice; add one yourself for MobileNet's).

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        depthwise_weight (Tensor[C_in, 1, kH, kW]): one spatial kernel per input channel.
        pointwise_weight (Tensor[C_out, C_in, 1, 1]): the channel-mixing matrix.
        depthwise_bias (Tensor[C_in], optional): added after the depthwise step.
        pointwise_bias (Tensor[C_out], optional): added after the pointwise step.
        stride, padding, dilation: of the depthwise step, as ``torch.nn.functional.conv2d``
            (the pointwise step has stride 1 and no padding).

    Returns:
        Tensor[N, C_out, H_out, W_out]: the spatial size of the depthwise step.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    _check(input, depthwise_weight, pointwise_weight)
    c_in = depthwise_weight.shape[0]
    middle = conv2d(input, depthwise_weight, depthwise_bias, stride, padding, dilation, groups=c_in)  # (N, C_in, H_out, W_out)
    return conv2d(middle, pointwise_weight, pointwise_bias)  # (N, C_out, H_out, W_out)


class DepthwiseSeparableConv2d(nn.Module):
    """A depthwise :class:`convlib.ops.Conv2d` then a pointwise ``1×1`` one (chapter 10).

    The steps are the child modules ``depthwise`` (``in_channels → in_channels``,
    ``groups = in_channels``) and ``pointwise`` (``in_channels → out_channels``), so
    :func:`convlib.cost.count` sees both. Between them sits ``activation``
    (``nn.Identity()`` by default, as in Xception).

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation: as ``torch.nn.Conv2d``;
            stride, padding and dilation belong to the depthwise step.
        bias: whether each step has a bias (``C_in`` depthwise and ``C_out`` pointwise biases).
        activation: a module applied between the two steps, e.g. ``nn.Sequential(nn.BatchNorm2d(C_in), nn.ReLU())``.
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
        activation: Optional[nn.Module] = None,
    ) -> None:
        super().__init__()
        self.depthwise = Conv2d(in_channels, in_channels, kernel_size, stride, padding, dilation,
                                groups=in_channels, bias=bias)
        self.activation = activation if activation is not None else nn.Identity()
        self.pointwise = Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        return self.pointwise(self.activation(self.depthwise(input)))  # (N, C_out, H_out, W_out)
