"""Chapter 07's widgets: the two passes of a separable convolution, and low-rank kernels."""

from __future__ import annotations

from ..separable import EXAMPLE_KERNELS
from ..viz.separable import low_rank_scene, separable_passes_scene
from ._explorer import Control, Explorer

__all__ = ["separable_explorer", "separable_explorer_controls", "low_rank_explorer", "low_rank_explorer_controls"]


def separable_explorer_controls(size: int = 5, kernel_size: int = 3, padding: int = 0, stride: int = 1) -> list[Control]:
    """Input size, kernel size, padding and stride of the two passes (210 combinations)."""
    return [
        Control("size", range(3, 10), size, "input size"),
        Control("kernel_size", range(1, 6), kernel_size, "kernel size"),
        Control("padding", range(0, 3), padding),
        Control("stride", range(1, 3), stride),
    ]


def separable_explorer(size: int = 5, kernel_size: int = 3, padding: int = 0, stride: int = 1) -> Explorer:
    """Chapter 07's explorer of a ``k × 1`` pass then a ``1 × k`` pass, with the multiplications of each.

    It starts on the 5×5 image and 3×3 kernel whose count is 45 + 27 = 72 against 81.
    """
    controls = separable_explorer_controls(size, kernel_size, padding, stride)
    return Explorer(separable_passes_scene, controls, title="Spatially separable convolution: two passes")


def low_rank_explorer_controls(kernel: str = "gabor", rank: int = 1) -> list[Control]:
    """A kernel from :data:`convlib.separable.EXAMPLE_KERNELS` and the rank 1–5 (25 combinations)."""
    return [Control("kernel", list(EXAMPLE_KERNELS), kernel), Control("rank", range(1, 6), rank)]


def low_rank_explorer(kernel: str = "gabor", rank: int = 1) -> Explorer:
    """Chapter 07's explorer of the best rank-``k`` approximation of a kernel (SVD), with its error."""
    return Explorer(low_rank_scene, low_rank_explorer_controls(kernel, rank), title="Low-rank approximation of a kernel")
