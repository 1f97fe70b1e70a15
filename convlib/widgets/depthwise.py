"""Chapter 09's widget: each input channel with its own filters and output channels."""

from __future__ import annotations

from ..viz.depthwise import depthwise_scene
from ._explorer import Control, Explorer

__all__ = ["depthwise_explorer", "depthwise_explorer_controls"]


def depthwise_explorer_controls(in_channels: int = 3, kernel_size: int = 3, channel_multiplier: int = 1,
                                stride: int = 1, padding: int = 0) -> list[Control]:
    """``C_in``, kernel size, channel multiplier, stride and padding on a 4×4 input (4·5·3·2·3 = 360 combinations)."""
    return [
        Control("in_channels", range(1, 5), in_channels, "input channels"),
        Control("kernel_size", range(1, 6), kernel_size, "kernel size"),
        Control("channel_multiplier", range(1, 4), channel_multiplier, "channel multiplier"),
        Control("stride", range(1, 3), stride),
        Control("padding", range(0, 3), padding),
    ]


def depthwise_explorer(in_channels: int = 3, kernel_size: int = 3, channel_multiplier: int = 1, stride: int = 1,
                       padding: int = 0) -> Explorer:
    """Chapter 09's explorer of a depthwise convolution, with its cost against a standard one."""
    controls = depthwise_explorer_controls(in_channels, kernel_size, channel_multiplier, stride, padding)
    return Explorer(depthwise_scene, controls, title="Depthwise convolution: one filter per channel (or M of them)")
