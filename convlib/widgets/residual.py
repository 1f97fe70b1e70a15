"""Chapter 14's widget: a basic or bottleneck residual block, drawn to scale, with its cost."""

from __future__ import annotations

from ..viz.residual import residual_scene
from ._explorer import Control, Explorer

__all__ = ["residual_explorer", "residual_explorer_controls"]


def residual_explorer_controls(block: str = "bottleneck", in_channels: int = 256, out_channels: int = 256,
                               expansion: int = 4, stride: int = 1, shortcut: str = "on") -> list[Control]:
    """Block, input and output channels, expansion, stride and shortcut: 2·4·5·3·2·2 = 480 combinations."""
    return [
        Control("block", ["basic", "bottleneck"], block),
        Control("in_channels", [64, 128, 256, 512], in_channels, "input channels"),
        Control("out_channels", [64, 128, 256, 512, 1024], out_channels, "output channels"),
        Control("expansion", [1, 2, 4], expansion, "expansion (out / width)"),
        Control("stride", [1, 2], stride),
        Control("shortcut", ["on", "off"], shortcut),
    ]


def residual_explorer(block: str = "bottleneck", in_channels: int = 256, out_channels: int = 256,
                      expansion: int = 4, stride: int = 1, shortcut: str = "on") -> Explorer:
    """Chapter 14's explorer: one residual block at 56×56, its layers and shortcut, parameters and multiply-adds."""
    return Explorer(residual_scene,
                    residual_explorer_controls(block, in_channels, out_channels, expansion, stride, shortcut),
                    title="Residual block")
