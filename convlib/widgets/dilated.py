"""Chapter 06's widget: the receptive field of a stack of dilated convolutions."""

from __future__ import annotations

from ..viz.dilated import dilated_stack_scene
from ._explorer import Control, Explorer

__all__ = ["dilation_explorer", "dilation_explorer_controls"]


def dilation_explorer_controls(
    kernel_size: int = 3, layers: int = 3, dilation_1: int = 1, dilation_2: int = 2, dilation_3: int = 4
) -> list[Control]:
    """The explorer's controls: kernel size (2 or 3), layers (1–3) and each layer's dilation (1–4): 384 states."""
    return [
        Control("kernel_size", [2, 3], kernel_size, "kernel size"),
        Control("layers", [1, 2, 3], layers),
        Control("dilation_1", range(1, 5), dilation_1, "dilation, layer 1"),
        Control("dilation_2", range(1, 5), dilation_2, "dilation, layer 2"),
        Control("dilation_3", range(1, 5), dilation_3, "dilation, layer 3"),
    ]


def dilation_explorer(
    kernel_size: int = 3, layers: int = 3, dilation_1: int = 1, dilation_2: int = 2, dilation_3: int = 4
) -> Explorer:
    """Chapter 06's explorer over the kernel size, the number of layers and each layer's dilation.

    It draws the paths from one output pixel down to the input, a heat map of
    how many paths reach each pixel of the receptive field (holes are the
    gridding artifact), the receptive field's size and how much of it is seen.
    Layer 1 is next to the input; with fewer than 3 layers the upper dilations
    are ignored.
    """
    controls = dilation_explorer_controls(kernel_size, layers, dilation_1, dilation_2, dilation_3)
    return Explorer(dilated_stack_scene, controls, title="Dilated stack: receptive field and gridding")
