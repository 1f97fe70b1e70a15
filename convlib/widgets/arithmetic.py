"""Chapter 02's widgets: the convolution-arithmetic explorer, padding modes, receptive fields."""

from __future__ import annotations

from ..viz.arithmetic import conv_scene, receptive_field_scene
from ..viz.padding import PADDING_MODES, padding_scene
from ._explorer import Control, Explorer

__all__ = [
    "conv_explorer",
    "conv_explorer_controls",
    "padding_explorer",
    "padding_explorer_controls",
    "receptive_field_explorer",
    "receptive_field_explorer_controls",
]


def conv_explorer_controls(size: int = 5, kernel_size: int = 3, stride: int = 2, padding: int = 1, dilation: int = 1) -> list[Control]:
    """The explorer's controls, labelled with the letters of the output-size formula (chapter 02)."""
    return [
        Control("size", range(3, 9), size, "input size i"),
        Control("kernel_size", range(1, 6), kernel_size, "kernel size k"),
        Control("stride", range(1, 4), stride, "stride s"),
        Control("padding", range(0, 3), padding, "padding p"),
        Control("dilation", range(1, 4), dilation, "dilation d"),
    ]


def conv_explorer(size: int = 5, kernel_size: int = 3, stride: int = 2, padding: int = 1, dilation: int = 1) -> Explorer:
    """Chapter 02's explorer over input size, kernel size, stride, padding and dilation.

    It shows the padded input, the kernel's footprint stepping with the stride,
    the output, the input pixels no kernel position reads, and the output-size
    formula with the numbers filled in.
    """
    controls = conv_explorer_controls(size, kernel_size, stride, padding, dilation)
    return Explorer(conv_scene, controls, title="Convolution arithmetic: o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1")


def padding_explorer_controls(mode: str = "reflect", padding: int = 2, size: int = 4) -> list[Control]:
    """The padding explorer's controls: the mode (a drop-down), the padding and the input size."""
    return [
        Control("mode", list(PADDING_MODES), mode, "padding mode"),
        Control("padding", range(0, 4), padding, "padding p"),
        Control("size", range(2, 6), size, "input size i"),
    ]


def padding_explorer(mode: str = "reflect", padding: int = 2, size: int = 4) -> Explorer:
    """Chapter 02's padding-mode explorer: what ``F.pad`` writes into the border, value by value."""
    controls = padding_explorer_controls(mode, padding, size)
    return Explorer(padding_scene, controls, title="Padding modes: what fills the border")


def receptive_field_explorer_controls(kernel_size: int = 3, stride: int = 2, layers: int = 2) -> list[Control]:
    """The receptive-field explorer's controls: kernel size, stride and depth of the stack."""
    return [
        Control("kernel_size", range(1, 6), kernel_size, "kernel size k"),
        Control("stride", [1, 2], stride, "stride s"),
        Control("layers", [1, 2, 3], layers, "layers"),
    ]


def receptive_field_explorer(kernel_size: int = 3, stride: int = 2, layers: int = 2) -> Explorer:
    """Chapter 02's receptive-field explorer: which input pixels one unit at the top of a stack sees."""
    controls = receptive_field_explorer_controls(kernel_size, stride, layers)
    return Explorer(receptive_field_scene, controls, title="Receptive field of a stack: r₀ = 1 + Σ (k−1)·Π s")
