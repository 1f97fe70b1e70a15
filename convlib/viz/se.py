"""Scenes for chapter 16, "Squeeze-and-excitation".

* :func:`se_scene`: the pipeline squeeze → FC → ReLU → FC → sigmoid → scale,
  one row of cells per vector with the widths drawn to scale (one cell per
  channel up to 32 channels, then one cell per group of channels, so the
  ``C → C/r → C`` bottleneck is visible at every ``C``), and, below it, two
  waffles of 100 cells that draw what the block adds to the 3×3 convolution
  before it: its parameters and its multiply-adds, one cell per percent.
"""

from __future__ import annotations

import math

import torch

from ..cost import conv_macs, conv_params
from ..scene import Grid, Scene
from ..se import se_hidden, se_macs, se_params

__all__ = ["se_scene", "se_widths", "overhead_cells", "MAX_CELLS"]

MAX_CELLS = 32  # widest vector row, in cells
WAFFLE = 10  # a waffle is WAFFLE × WAFFLE cells, one per percent


def se_widths(channels: int, reduction: int) -> tuple[int, int, int]:
    """``(per_cell, cols_c, cols_hidden)``: channels per cell and the drawn widths of the C and C/r rows.

    One cell per channel up to :data:`MAX_CELLS` channels; beyond, ``ceil(C / 32)``
    channels per cell, so both rows keep their ratio ``r`` (exactly when ``r`` and the
    cell size divide ``C``, as for powers of two).
    """
    hidden = se_hidden(channels, reduction)
    per_cell = 1 if channels <= MAX_CELLS else math.ceil(channels / MAX_CELLS)
    return per_cell, math.ceil(channels / per_cell), max(1, math.ceil(hidden / per_cell))


def overhead_cells(percent: float) -> int:
    """How many of a waffle's 100 cells a share of ``percent`` % fills (rounded, 0 to 100)."""
    return max(0, min(WAFFLE * WAFFLE, round(percent)))


def _pct(value: float) -> str:
    return f"{value:.1f}%" if value >= 1 else f"{value:.2f}%"


def _example_weights(channels: int, per_cell: int) -> list[float]:
    """Example excitation weights (a fixed random vector), one per drawn cell: the mean over its channels."""
    gen = torch.Generator().manual_seed(16)
    s = torch.sigmoid(torch.randn(channels, generator=gen) * 1.5)  # (C,)
    return [float(s[i:i + per_cell].mean()) for i in range(0, channels, per_cell)]


def se_scene(channels: int = 16, reduction: int = 4, size: int = 14, overhead: bool = True) -> Scene:
    """One SE block after a 3×3 convolution with ``channels`` in and out (chapter 16).

    Rows, top to bottom: the feature map ``U``, the squeezed vector ``z`` (global
    average pooling), the hidden vector (FC then ReLU, ``C // r`` units), the channel
    weights ``s`` (FC then sigmoid) and the output ``U · s``; widths are to scale
    (see ``se_widths``), ``s`` and the output are shaded by example weights. With
    ``overhead``, two 10×10 waffles below: 100 cells stand for the convolution's
    parameters (left) and multiply-adds per image (right), and the orange cells for
    what the SE block adds, one cell per percent, and text lines give the exact numbers.
    Without ``overhead`` the scene is the block alone: the rows and one line naming its layers.

    Args:
        channels: ``C``.
        reduction: ``r``.
        size: the feature map's height and width.
        overhead: whether to draw the two waffles.

    Raises:
        ValueError: in one line, e.g. when the reduction leaves 0 hidden units.
    """
    hidden = se_hidden(channels, reduction)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    per_cell, n, m = se_widths(channels, reduction)
    width = max(n, 2 * WAFFLE + 2)  # wide enough for the waffles and the text lines
    s = _example_weights(channels, per_cell)
    unit = "1 cell = 1 channel" if per_cell == 1 else f"1 cell = {per_cell} channels"

    def row(name: str, y: float, cols: int, cells: str, label: str, **kw: object) -> Grid:
        return Grid(name, (width - cols) / 2, y, 1, cols, cells, label=label, **kw)  # type: ignore[arg-type]

    grids = [
        row("U", 1, n, "i", f"U: {channels} channels of {size}×{size} ({unit})"),
        row("z", 3.5, n, "c", f"squeeze: z, {channels} averages"),
        row("h", 6, m, "k", f"FC + ReLU: {hidden} hidden"),
        row("s", 8.5, n, "c", f"FC + sigmoid: s, {channels} weights", values=s, vmax=1.0),
        row("out", 11, n, "o", "scale: U·s (shade: example s)", values=s, vmax=1.0),
        Grid("frame", 0, 11, 1, width, "."),  # not drawn: keeps the drawing `width` cells wide
    ]
    p = se_params(channels, reduction)
    p_conv = conv_params(channels, channels, 3, bias=False)
    macs = se_macs(channels, reduction, size)
    m_se = macs["fc"] + macs["scale"]
    m_conv = conv_macs(channels, channels, 3, size)
    p_pct, m_pct = 100 * p / p_conv, 100 * m_se / m_conv
    lines = [f"excite: FC {channels}→{hidden}, ReLU, FC {hidden}→{channels}, sigmoid (r = {reduction})"]
    if not overhead:  # the block alone: no 3×3 convolution to compare with
        return Scene(grids=grids, lines=lines)
    lines += [
        f"SE parameters: 2·{channels}·{hidden} weights + {hidden} + {channels} biases = {p:,}"
        f" = {_pct(p_pct)} of the 3×3 conv's {p_conv:,}",
        f"SE multiply-adds per image: FCs {macs['fc']:,} + scale {macs['scale']:,} = {m_se:,}"
        f" = {_pct(m_pct)} of the conv's {m_conv:,}",
    ]
    for name, x, pct, what in (("params", 0, p_pct, "parameters"), ("macs", WAFFLE + 2, m_pct, "multiply-adds")):
        filled = overhead_cells(pct)
        cells = "k" * filled + "i" * (WAFFLE * WAFFLE - filled)
        grids.append(Grid(name, x + (width - 2 * WAFFLE - 2) / 2, 14, WAFFLE, WAFFLE, cells,
                          label=f"{what}: +{_pct(pct)}"))
    lines.append("waffles: 100 cells = the conv's count; orange = what SE adds, 1 cell per % (under 0.5%: none)")
    return Scene(grids=grids, lines=lines)
