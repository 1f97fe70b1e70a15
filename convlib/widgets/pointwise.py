"""Chapter 04's widget: a 1×1 convolution as a matrix applied to one pixel's channel vector."""

from __future__ import annotations

from ..viz.pointwise import pointwise_scene
from ._explorer import Control, Explorer

__all__ = ["pointwise_explorer", "pointwise_explorer_controls"]


def pointwise_explorer_controls(in_channels: int = 3, out_channels: int = 4, stride: int = 1,
                                groups: int = 1) -> list[Control]:
    """Input and output channels (1–6), stride (1–3) and groups (1–3): 324 combinations."""
    return [
        Control("in_channels", range(1, 7), in_channels, "in channels"),
        Control("out_channels", range(1, 7), out_channels, "out channels"),
        Control("stride", range(1, 4), stride),
        Control("groups", range(1, 4), groups),
    ]


def pointwise_explorer(in_channels: int = 3, out_channels: int = 4, stride: int = 1, groups: int = 1) -> Explorer:
    """Chapter 04's explorer of ``y = W x + b`` at one pixel, with the parameter and multiply-add counts."""
    controls = pointwise_explorer_controls(in_channels, out_channels, stride, groups)
    return Explorer(pointwise_scene, controls, title="1×1 convolution: one pixel's channels through a matrix")
