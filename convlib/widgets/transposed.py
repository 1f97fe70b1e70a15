"""Chapter 05's widgets: the zero-insertion explorer and the checkerboard explorer."""

from __future__ import annotations

from ..viz.transposed import checkerboard_scene, zero_insertion_scene
from ._explorer import Control, Explorer

__all__ = [
    "transposed_explorer",
    "transposed_explorer_controls",
    "checkerboard_explorer",
    "checkerboard_explorer_controls",
]


def transposed_explorer_controls(
    size: int = 3, kernel_size: int = 3, stride: int = 2, padding: int = 1, output_padding: int = 1
) -> list[Control]:
    """The zero-insertion explorer's controls: input size, kernel size, stride, padding, output padding (324 states)."""
    return [
        Control("size", range(2, 5), size, "input size"),
        Control("kernel_size", range(1, 5), kernel_size, "kernel size"),
        Control("stride", range(1, 4), stride),
        Control("padding", range(0, 3), padding),
        Control("output_padding", range(0, 3), output_padding, "output padding"),
    ]


def transposed_explorer(
    size: int = 3, kernel_size: int = 3, stride: int = 2, padding: int = 1, output_padding: int = 1
) -> Explorer:
    """Chapter 05's transposed-convolution explorer (the zero-insertion view).

    It shows the input stretched with ``stride − 1`` zeros between pixels, padded by
    ``k − 1 − padding`` (plus ``output_padding`` at the end), the flipped kernel
    stepping over it at stride 1, the output, and the output-size formula.
    """
    controls = transposed_explorer_controls(size, kernel_size, stride, padding, output_padding)
    return Explorer(zero_insertion_scene, controls, title="Transposed convolution as zero insertion")


def checkerboard_explorer_controls(kernel_size: int = 3, stride: int = 2) -> list[Control]:
    """The checkerboard explorer's controls: kernel size 1–6 and stride 1–4 (24 states)."""
    return [Control("kernel_size", range(1, 7), kernel_size, "kernel size"), Control("stride", range(1, 5), stride)]


def checkerboard_explorer(kernel_size: int = 3, stride: int = 2) -> Explorer:
    """Chapter 05's checkerboard explorer: overlap counts of a transposed convolution beside resize-then-convolve.

    Each output pixel shows how many input values it sums when the input and the
    kernel are all ones; the lines under the figure say, from those counts, whether
    the overlap is even, which happens exactly when the stride divides the kernel size.
    """
    controls = checkerboard_explorer_controls(kernel_size, stride)
    return Explorer(checkerboard_scene, controls, title="Checkerboard artifacts: overlap of a transposed convolution")
