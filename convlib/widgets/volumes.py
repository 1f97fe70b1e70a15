"""Chapter 03's widgets: 2D-over-depth against 3D convolution, and causal dilated 1D stacks."""

from __future__ import annotations

from ..viz.volumes import DILATIONS, VOLUME_MODES, causal_stack_scene, volume_conv_scene
from ._explorer import Control, Explorer

__all__ = ["volume_explorer", "volume_explorer_controls", "causal_stack_explorer", "causal_stack_explorer_controls"]


def volume_explorer_controls(mode: str = "3D", depth: int = 5, kernel_depth: int = 3, kernel_size: int = 3,
                             stride: int = 1, out_slice: int = 0) -> list[Control]:
    """The controls of :func:`volume_explorer`: 2 × 5 × 3 × 3 × 2 × 4 = 720 combinations."""
    return [
        Control("mode", list(VOLUME_MODES), mode),
        Control("depth", range(2, 7), depth, "input depth D"),
        Control("kernel_depth", range(1, 4), kernel_depth, "kernel depth kd (3D)"),
        Control("kernel_size", range(1, 4), kernel_size, "kernel size k"),
        Control("stride", range(1, 3), stride),
        Control("out_slice", range(0, 4), out_slice, "output slice"),
    ]


def volume_explorer(mode: str = "3D", depth: int = 5, kernel_depth: int = 3, kernel_size: int = 3,
                    stride: int = 1, out_slice: int = 0) -> Explorer:
    """Chapter 03's explorer: one filter on a volume, as a 2D convolution over the full depth or as a 3D one.

    The volume is a film strip of depth slices; the reader switches the mode and
    moves the input depth, the kernel depth (3D mode), the kernel size, the
    stride and the output slice the kernel is writing, and sees the output's
    shape change from one 2D map to a volume. The arguments set the initial
    values (see ``volume_explorer_controls``).
    """
    controls = volume_explorer_controls(mode, depth, kernel_depth, kernel_size, stride, out_slice)
    return Explorer(volume_conv_scene, controls, title="2D convolution over the full depth vs 3D convolution")


def causal_stack_explorer_controls(layers: int = 4, kernel_size: int = 2, dilation: str = "doubling",
                                   padding: str = "causal", position: int = 15) -> list[Control]:
    """The controls of :func:`causal_stack_explorer`: 4 × 2 × 2 × 2 × 6 = 192 combinations."""
    return [
        Control("layers", range(1, 5), layers),
        Control("kernel_size", [2, 3], kernel_size, "kernel size k"),
        Control("dilation", list(DILATIONS), dilation, "dilations"),
        Control("padding", ["causal", "centred"], padding),
        Control("position", [0, 3, 6, 9, 12, 15], position, "traced output t"),
    ]


def causal_stack_explorer(layers: int = 4, kernel_size: int = 2, dilation: str = "doubling",
                          padding: str = "causal", position: int = 15) -> Explorer:
    """Chapter 03's explorer of 1D stacks: which inputs one output reads, causal or centred, dilated or not.

    The arguments set the initial values (see ``causal_stack_explorer_controls``).
    """
    controls = causal_stack_explorer_controls(layers, kernel_size, dilation, padding, position)
    return Explorer(causal_stack_scene, controls, title="Causal, dilated 1D convolutions (WaveNet)")
