"""Chapter 15's widget: where one output pixel of a deformable convolution reads from."""

from __future__ import annotations

from ..viz.deform import PATTERNS, deform_scene
from ._explorer import Control, Explorer

__all__ = ["deform_explorer", "deform_explorer_controls"]


def deform_explorer_controls(
    kernel_size: int = 3, dilation: int = 1, pattern: str = "scale up", strength: float = 1, pixel: str = "centre"
) -> list[Control]:
    """Kernel size (3, 5), dilation (1, 2), deformation (6), strength (0.5, 1, 2) and output pixel (2): 144 states."""
    return [
        Control("kernel_size", [3, 5], kernel_size, "kernel size"),
        Control("dilation", [1, 2], dilation),
        Control("pattern", list(PATTERNS), pattern, "deformation"),
        Control("strength", [0.5, 1, 2], strength),  # 1 and 2 as ints: the browser writes 1.0 as "1" in table keys
        Control("pixel", ["centre", "corner"], pixel, "output pixel"),
    ]


def deform_explorer(
    kernel_size: int = 3, dilation: int = 1, pattern: str = "scale up", strength: float = 1, pixel: str = "centre"
) -> Explorer:
    """Chapter 15's explorer: bend the sampling grid of one output pixel and see which input pixels it reads.

    The left grid marks the regular taps; the right one is a heat map of how
    much of each pixel the deformed, bilinearly interpolated samples read.
    """
    controls = deform_explorer_controls(kernel_size, dilation, pattern, strength, pixel)
    return Explorer(deform_scene, controls, title="Deformable convolution: where one output pixel reads")
