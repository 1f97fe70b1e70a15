"""Chapter 12's widget: what one output channel of two grouped layers sees, with and without a shuffle."""

from __future__ import annotations

from ..viz.shuffle import connectivity_scene
from ._explorer import Control, Explorer

__all__ = ["shuffle_explorer", "shuffle_explorer_controls"]


def shuffle_explorer_controls(channels: int = 12, groups: int = 3, shuffle: str = "off", output: int = 0) -> list[Control]:
    """Channels, groups, shuffle on or off, and the highlighted output channel (4·6·2·12 = 576 combinations)."""
    return [
        Control("channels", [4, 6, 8, 12], channels),
        Control("groups", range(1, 7), groups),
        Control("shuffle", ["off", "on"], shuffle),
        Control("output", range(0, 12), output, "output channel"),
    ]


def shuffle_explorer(channels: int = 12, groups: int = 3, shuffle: str = "off", output: int = 0) -> Explorer:
    """Chapter 12's explorer of channel connectivity through two grouped ``1 × 1`` layers.

    Groups that do not divide the channels, or an output channel that does not
    exist, show a one-line explanation instead of the drawing.
    """
    controls = shuffle_explorer_controls(channels, groups, shuffle, output)
    return Explorer(connectivity_scene, controls, title="Two grouped layers, with and without a channel shuffle")
