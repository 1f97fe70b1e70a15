"""From-scratch operators, each checked against PyTorch's built-in in the tests.

Each functional has the signature and semantics of the built-in it
re-implements and is written from tensor primitives (padding, ``unfold``,
matmul, indexing); each ``nn.Module`` is the ``torch.nn`` module with its
forward pass routed through the functional.

Modules:
    conv: ``conv1d``, ``conv2d``, ``conv3d`` (chapters 01 and 03).
    transposed: ``conv_transpose2d`` (chapter 05).
    matrix: ``conv_matrix``, a convolution as a dense matrix (chapter 05).
    pad: ``pad``, the padding modes as index maps (chapter 02).
    separable: ``spatially_separable_conv2d``, a ``k×1`` then a ``1×k`` pass (chapter 07).
    pointwise: ``pointwise_conv2d``, a 1×1 convolution as one matmul over channels (chapter 04).
    flattened: ``flattened_conv2d``, a ``1×1``, a ``k×1`` and a ``1×k`` step (chapter 08).
    depthwise: ``depthwise_conv2d``, one filter (or ``M``) per channel, ``groups = C_in`` (chapter 09).
    depthwise_separable: ``depthwise_separable_conv2d``, a depthwise ``k×k`` then a pointwise ``1×1`` step (chapter 10).
    shuffle: ``channel_shuffle`` (chapter 12).
    deform: ``deform_conv2d``, bilinear samples at learned offsets, DCNv2 masks (chapter 15).
"""

from __future__ import annotations

from .conv import Conv1d, Conv2d, Conv3d, conv1d, conv2d, conv3d
from .matrix import conv_matrix
from .pad import Pad, pad
from .separable import SpatiallySeparableConv2d, spatially_separable_conv2d, spatially_separable_weight
from .flattened import FlattenedConv2d, flattened_conv2d, flattened_weight
from .depthwise import DepthwiseConv2d, depthwise_conv2d
from .depthwise_separable import DepthwiseSeparableConv2d, depthwise_separable_conv2d
from .pointwise import PointwiseConv2d, pointwise_conv2d
from .shuffle import ChannelShuffle, channel_shuffle
from .transposed import ConvTranspose2d, conv_transpose2d
from .deform import DeformConv2d, deform_conv2d

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose2d",
    "conv_matrix",
    "channel_shuffle",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose2d",
    "ChannelShuffle",
]
__all__ += ["spatially_separable_conv2d", "spatially_separable_weight", "SpatiallySeparableConv2d"]
__all__ += ["pad", "Pad"]
__all__ += ["flattened_conv2d", "flattened_weight", "FlattenedConv2d"]
__all__ += ["depthwise_separable_conv2d", "DepthwiseSeparableConv2d"]
__all__ += ["depthwise_conv2d", "DepthwiseConv2d"]
__all__ += ["pointwise_conv2d", "PointwiseConv2d"]
__all__ += ["deform_conv2d", "DeformConv2d"]
