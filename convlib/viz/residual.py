"""Scenes for chapter 14, "Bottleneck and residual connections".

* :func:`residual_scene`: one residual block (basic or bottleneck) drawn as a
  column of layers, each a row of cells whose width is its channel count to
  scale (1 cell = 64 channels, rounded up), with the shortcut drawn on the right:
  dashed for an identity, orange for a projection (``1×1`` convolution and batch
  norm, used when the stride or the channel count changes), absent for a plain
  block. The text lines give the parameters and multiply-adds, layer by layer.
"""

from __future__ import annotations

import math

from ..arithmetic import conv_output_size
from ..cost import conv_macs, conv_params
from ..residual import basic_block_cost, bottleneck_cost
from ..scene import Grid, Link, Scene

__all__ = ["residual_scene", "PER_CELL"]

PER_CELL = 64  # channels per drawn cell
WIDTH = 18  # drawing width in cells (the widest layer, 1,024 channels, is 16), without the shortcut column


def _cells(channels: int) -> int:
    return max(1, math.ceil(channels / PER_CELL))


def residual_scene(block: str = "bottleneck", in_channels: int = 256, out_channels: int = 256,
                   expansion: int = 4, stride: int = 1, shortcut: bool | str = True, size: int = 56) -> Scene:
    """One residual block on a ``size × size`` input, with its cost (chapter 14).

    Args:
        block: ``"basic"`` (two ``3×3``) or ``"bottleneck"`` (``1×1``, ``3×3``, ``1×1``).
        in_channels: channels of the input.
        out_channels: channels of the output.
        expansion: the bottleneck's ``out_channels / width`` (4 in ResNet-50); 1 for a basic block.
        stride: 1, or 2 to halve the map (on the first ``3×3``; the shortcut becomes a projection).
        shortcut: whether the input is added to the output (``"on"``/``"off"`` from the widget).
        size: the input's height and width.

    Raises:
        ValueError: in one line, for a combination that does not exist.
    """
    if isinstance(shortcut, str):
        if shortcut not in ("on", "off"):
            raise ValueError(f"shortcut must be True, False, 'on' or 'off', got {shortcut!r}")
        shortcut = shortcut == "on"
    if block not in ("basic", "bottleneck"):
        raise ValueError(f"block must be 'basic' or 'bottleneck', got {block!r}")
    if block == "basic" and expansion != 1:
        raise ValueError("a basic block has no narrow middle: both 3×3 convs have out_channels; set expansion to 1")
    if out_channels % expansion:
        raise ValueError(f"expansion must divide out_channels ({out_channels} / {expansion} is not an int)")
    out = conv_output_size(size, 3, stride, 1)
    width = out_channels // expansion
    if block == "basic":
        layers = [("3×3", in_channels, out_channels, stride), ("3×3", out_channels, out_channels, 1)]
        params, macs = basic_block_cost(in_channels, out_channels, size, stride, shortcut)
    else:
        layers = [("1×1", in_channels, width, 1), ("3×3", width, width, stride), ("1×1", width, out_channels, 1)]
        params, macs = bottleneck_cost(in_channels, width, out_channels, size, stride, shortcut)
    projection = shortcut and (stride != 1 or in_channels != out_channels)

    grids: list[Grid] = []
    links: list[Link] = []

    def row(name: str, y: float, channels: int, cells: str, label: str) -> Grid:
        n = _cells(channels)
        grid = Grid(name, (WIDTH - n) / 2, y, 1, n, cells, label=label)
        grids.append(grid)
        return grid

    y = 1.0
    row("x", y, in_channels, "i", f"input x: {in_channels} channels, {size}×{size}")
    lines = [f"{block} block, {in_channels} → {out_channels} channels, stride {stride}, "
             f"{'no shortcut' if not shortcut else 'projection shortcut' if projection else 'identity shortcut'}"
             f" (1 cell = {PER_CELL} channels, rounded up)"]
    parts = []
    map_size = size
    for i, (kind, c_in, c_out, s) in enumerate(layers):
        map_size = conv_output_size(map_size, int(kind[0]), s, int(kind[0]) // 2)
        y += 2
        last = i == len(layers) - 1
        after = "BN" if last else "BN, ReLU"
        stride_text = f", stride {s}" if s != 1 else ""
        row(f"l{i}", y, c_out, "c", f"{kind} conv{stride_text}, {after}: {c_out} channels, {map_size}×{map_size}")
        k = int(kind[0])
        p = conv_params(c_in, c_out, k, bias=False)
        m = conv_macs(c_in, c_out, k, map_size)
        parts.append((kind, p, m))
    y += 2
    top = 1.0
    out_grid = row("out", y, out_channels, "o",
                   f"{'add x, then ReLU' if shortcut else 'ReLU (nothing added)'}: {out_channels} channels, {out}×{out}")
    if shortcut:
        col = Grid("skip", WIDTH + 1, top, int(y - top) + 1, 1, "k" if projection else "p")
        grids.append(col)
        x_grid = grids[0]
        links.append(Link("x", 0, x_grid.cols - 1, "skip", 0, 0))
        links.append(Link("skip", col.rows - 1, 0, "out", 0, out_grid.cols - 1))
        if projection:
            p = conv_params(in_channels, out_channels, 1, bias=False)
            parts.append(("shortcut", p,
                          conv_macs(in_channels, out_channels, 1, out)))
            lines.append("shortcut (orange column): a 1×1 conv + BN, because the "
                         + ("stride and channels change" if stride != 1 and in_channels != out_channels
                            else "stride changes" if stride != 1 else "channel count changes"))
        else:
            lines.append("shortcut (dashed column): the identity, x added unchanged: 0 parameters")
    else:
        lines.append("no shortcut: a plain stack of layers")
    grids.append(Grid("frame", 0, top, 1, WIDTH + 2, "."))  # not drawn: keeps the width fixed
    bn = params - sum(p for _, p, _ in parts)
    lines.append("parameters: " + " + ".join(f"{name} {p:,}" for name, p, _ in parts) + f" + BN {bn:,}"
                 f" = {params:,}")
    lines.append(f"multiply-adds per image: " + " + ".join(f"{m:,}" for _, _, m in parts) + f" = {macs:,}")
    return Scene(grids=grids, links=links, lines=lines)
