"""Chapter 11's widget: which input channels each output channel of a grouped convolution sees."""

from __future__ import annotations

from ..viz.grouped import grouped_scene
from ._explorer import Control, Explorer

__all__ = ["grouped_explorer", "grouped_explorer_controls"]

CHANNELS = (1, 2, 3, 4, 6, 8, 12)
GROUPS = (1, 2, 3, 4, 6, 8, 12)


def grouped_explorer_controls(in_channels: int = 8, out_channels: int = 8, groups: int = 2,
                              kernel_size: int = 3) -> list[Control]:
    """Channel counts and groups from 1 to 12 (7 values each) and kernel size 1 or 3: 686 combinations."""
    return [
        Control("in_channels", CHANNELS, in_channels, "in channels"),
        Control("out_channels", CHANNELS, out_channels, "out channels"),
        Control("groups", GROUPS, groups),
        Control("kernel_size", (1, 3), kernel_size, "kernel size"),
    ]


def grouped_explorer(in_channels: int = 8, out_channels: int = 8, groups: int = 2, kernel_size: int = 3) -> Explorer:
    """Chapter 11's explorer: the block-diagonal weight, who sees whom, and the parameter count."""
    controls = grouped_explorer_controls(in_channels, out_channels, groups, kernel_size)
    return Explorer(grouped_scene, controls, title="Grouped convolution: which inputs each output sees")
