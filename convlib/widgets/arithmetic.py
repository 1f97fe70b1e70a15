"""Chapter 02's widget: the convolution-arithmetic explorer."""

from __future__ import annotations

from ..viz.arithmetic import conv_scene
from ._explorer import Control, Explorer

__all__ = ["conv_explorer", "conv_explorer_controls"]


def conv_explorer_controls(size: int = 5, kernel_size: int = 3, stride: int = 2, padding: int = 1, dilation: int = 1) -> list[Control]:
    """The explorer's controls: input size, kernel size, stride, padding and dilation."""
    return [
        Control("size", range(3, 9), size, "input size"),
        Control("kernel_size", range(1, 6), kernel_size, "kernel size"),
        Control("stride", range(1, 4), stride),
        Control("padding", range(0, 3), padding),
        Control("dilation", range(1, 4), dilation),
    ]


def conv_explorer(size: int = 5, kernel_size: int = 3, stride: int = 2, padding: int = 1, dilation: int = 1) -> Explorer:
    """Chapter 02's explorer over input size, kernel size, stride, padding and dilation.

    It shows the padded input, the kernel's footprint stepping with the stride,
    the output, and the output-size formula with the numbers filled in.
    """
    controls = conv_explorer_controls(size, kernel_size, stride, padding, dilation)
    return Explorer(conv_scene, controls, title="Convolution arithmetic explorer")
