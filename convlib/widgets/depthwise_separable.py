"""Chapter 10's widgets: the two steps of a depthwise-separable convolution, and its cost ratio."""

from __future__ import annotations

from ..viz.depthwise_separable import depthwise_separable_scene, separable_ratio_scene
from ._explorer import Control, Explorer

__all__ = ["depthwise_separable_explorer", "depthwise_separable_explorer_controls",
           "separable_ratio_explorer", "separable_ratio_explorer_controls"]


def depthwise_separable_explorer_controls(size: int = 5, in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3,
                                          padding: int = 0, stride: int = 1) -> list[Control]:
    """Input size, ``C_in``, ``C_out``, ``k``, padding and stride (3·3·3·4·2·2 = 432 combinations)."""
    return [
        Control("size", [5, 6, 7], size, "input size"),
        Control("in_channels", [1, 2, 3], in_channels, "input channels"),
        Control("out_channels", [1, 2, 4], out_channels, "output channels"),
        Control("kernel_size", [1, 3, 5, 7], kernel_size, "kernel size"),
        Control("padding", [0, 1], padding),
        Control("stride", [1, 2], stride),
    ]


def depthwise_separable_explorer(size: int = 5, in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3,
                                 padding: int = 0, stride: int = 1) -> Explorer:
    """Chapter 10's explorer of the depthwise step and the pointwise step, with the multiplications of each."""
    controls = depthwise_separable_explorer_controls(size, in_channels, out_channels, kernel_size, padding, stride)
    return Explorer(depthwise_separable_scene, controls, title="Depthwise-separable convolution: two steps")


def separable_ratio_explorer_controls(in_channels: int = 16, out_channels: int = 32, kernel_size: int = 3) -> list[Control]:
    """``C_in``, ``C_out`` (1 to 1024) and ``k`` (4·11·5 = 220 combinations)."""
    return [
        Control("in_channels", [3, 16, 128, 512], in_channels, "input channels"),
        Control("out_channels", [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], out_channels, "output channels"),
        Control("kernel_size", [1, 3, 5, 7, 9], kernel_size, "kernel size"),
    ]


def separable_ratio_explorer(in_channels: int = 16, out_channels: int = 32, kernel_size: int = 3) -> Explorer:
    """Chapter 10's explorer of the cost ratio ``1/C_out + 1/k²`` of depthwise-separable to full convolution."""
    controls = separable_ratio_explorer_controls(in_channels, out_channels, kernel_size)
    return Explorer(separable_ratio_scene, controls, title="Depthwise-separable vs full convolution: the cost ratio")
