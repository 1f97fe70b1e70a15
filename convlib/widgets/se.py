"""Chapter 16's widget: a squeeze-and-excitation block drawn to scale, with what it adds to the convolution."""

from __future__ import annotations

from ..viz.se import se_scene
from ._explorer import Control, Explorer

__all__ = ["se_explorer", "se_explorer_controls"]


def se_explorer_controls(channels: int = 16, reduction: int = 4, size: int = 14) -> list[Control]:
    """Channels (4–256), reduction r (1–32) and feature-map size (7–56): 168 combinations."""
    return [
        Control("channels", [4, 8, 16, 32, 64, 128, 256], channels),
        Control("reduction", [1, 2, 4, 8, 16, 32], reduction, "reduction r"),
        Control("size", [7, 14, 28, 56], size, "feature map size"),
    ]


def se_explorer(channels: int = 16, reduction: int = 4, size: int = 14) -> Explorer:
    """Chapter 16's explorer: the block's widths to scale and its parameter and multiply-add overhead as waffles."""
    return Explorer(se_scene, se_explorer_controls(channels, reduction, size), title="Squeeze-and-excitation block")
