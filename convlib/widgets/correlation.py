"""Chapter 01's widgets, "Convolution and cross-correlation".

* :func:`correlation_explorer`: pick a kernel and whether to flip it, and step
  an output pixel across the output; every product of the sum is shown.
* :func:`multichannel_explorer`: input channels, filters, kernel size and input
  size of a multi-channel convolution with bias.
"""

from __future__ import annotations

from ..viz.correlation import KERNELS, OPERATIONS, correlation_scene, multichannel_scene
from ._explorer import Control, Explorer

__all__ = ["correlation_explorer", "correlation_explorer_controls", "multichannel_explorer", "multichannel_explorer_controls"]


def correlation_explorer_controls(kernel: str = "sobel x", operation: str = "cross-correlation", row: int = 1, col: int = 1) -> list[Control]:
    """The correlation explorer's controls: kernel, operation and the output pixel (row, column)."""
    return [
        Control("kernel", list(KERNELS), kernel, "kernel"),
        Control("operation", list(OPERATIONS), operation, "operation"),
        Control("row", range(4), row, "output row"),
        Control("col", range(4), col, "output column"),
    ]


def correlation_explorer(kernel: str = "sobel x", operation: str = "cross-correlation", row: int = 1, col: int = 1) -> Explorer:
    """Chapter 01's explorer of one cross-correlation (or true convolution) step on a 6×6 integer image.

    Its states: 6 kernels × 2 operations × 16 output pixels = 192 scenes.
    """
    controls = correlation_explorer_controls(kernel, operation, row, col)
    return Explorer(correlation_scene, controls, title="Cross-correlation, step by step")


def multichannel_explorer_controls(in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3, size: int = 5) -> list[Control]:
    """The multi-channel explorer's controls: input channels, filters, kernel size and input size."""
    return [
        Control("in_channels", range(1, 4), in_channels, "input channels"),
        Control("out_channels", range(1, 4), out_channels, "filters (output channels)"),
        Control("kernel_size", range(1, 5), kernel_size, "kernel size"),
        Control("size", range(2, 7), size, "input size"),
    ]


def multichannel_explorer(in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3, size: int = 5) -> Explorer:
    """Chapter 01's explorer of a multi-channel convolution with bias: one output channel per filter.

    A kernel larger than the input shows a one-line explanation instead of a drawing.
    """
    controls = multichannel_explorer_controls(in_channels, out_channels, kernel_size, size)
    return Explorer(multichannel_scene, controls, title="Multi-channel convolution")
