"""Chapter 13's widget: an Inception block whose branches and 1×1 reductions can be switched on and off."""

from __future__ import annotations

from ..viz.inception import BLOCKS, inception_scene
from ._explorer import Control, Explorer

__all__ = ["inception_explorer", "inception_explorer_controls"]

_SWITCH = ["on", "off"]


def inception_explorer_controls(block: str = "3a") -> list[Control]:
    """GoogLeNet's block (4), one on/off switch per branch (2⁴) and the 1×1 reductions (2): 128 combinations."""
    return [
        Control("block", list(BLOCKS), block, "GoogLeNet block"),
        Control("branch_1x1", _SWITCH, "on", "1×1 branch"),
        Control("branch_3x3", _SWITCH, "on", "3×3 branch"),
        Control("branch_5x5", _SWITCH, "on", "5×5 branch"),
        Control("branch_pool", _SWITCH, "on", "pool branch"),
        Control("reduction", _SWITCH, "on", "1×1 reductions"),
    ]


def inception_explorer(block: str = "3a") -> Explorer:
    """Chapter 13's explorer: the block drawn to scale, its output channels, parameters and multiply-adds."""
    return Explorer(inception_scene, inception_explorer_controls(block), title="Inception block")
