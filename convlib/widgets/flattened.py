"""Chapter 08's widgets: a filter's flattened fit, and the three steps of a flattened convolution."""

from __future__ import annotations

from ..flattened import EXAMPLE_FILTERS
from ..viz.flattened import flattened_filter_scene, flattened_steps_scene
from ._explorer import Control, Explorer

__all__ = ["flattened_filter_explorer", "flattened_filter_explorer_controls",
           "flattened_steps_explorer", "flattened_steps_explorer_controls"]


def flattened_filter_explorer_controls(filter: str = "edges", in_channels: int = 3, kernel_size: int = 3,
                                       rank: int = 1) -> list[Control]:
    """A filter from :data:`convlib.flattened.EXAMPLE_FILTERS`, ``C_in``, ``k`` and ``R`` (3·5·3·4 = 180 combinations)."""
    return [
        Control("filter", list(EXAMPLE_FILTERS), filter),
        Control("in_channels", [1, 2, 3, 4, 8], in_channels, "input channels"),
        Control("kernel_size", [1, 3, 5], kernel_size, "kernel size"),
        Control("rank", range(1, 5), rank, "rank-1 terms"),
    ]


def flattened_filter_explorer(filter: str = "edges", in_channels: int = 3, kernel_size: int = 3, rank: int = 1) -> Explorer:
    """Chapter 08's explorer of a ``C × k × k`` filter, its flattened fit with ``R`` terms, the weights and the error."""
    controls = flattened_filter_explorer_controls(filter, in_channels, kernel_size, rank)
    return Explorer(flattened_filter_scene, controls, title="Flattening a filter: channel, vertical and horizontal vectors")


def flattened_steps_explorer_controls(size: int = 5, in_channels: int = 3, kernel_size: int = 3, padding: int = 0,
                                      stride: int = 1) -> list[Control]:
    """Input size, ``C_in``, kernel size, padding and stride (4·3·5·3·2 = 360 combinations)."""
    return [
        Control("size", range(4, 8), size, "input size"),
        Control("in_channels", range(1, 4), in_channels, "input channels"),
        Control("kernel_size", range(1, 6), kernel_size, "kernel size"),
        Control("padding", range(0, 3), padding),
        Control("stride", range(1, 3), stride),
    ]


def flattened_steps_explorer(size: int = 5, in_channels: int = 3, kernel_size: int = 3, padding: int = 0,
                             stride: int = 1) -> Explorer:
    """Chapter 08's explorer of one flattened filter as a 1×1, a k×1 and a 1×k step, with their multiplications."""
    controls = flattened_steps_explorer_controls(size, in_channels, kernel_size, padding, stride)
    return Explorer(flattened_steps_scene, controls, title="Flattened convolution: three 1-D steps")
