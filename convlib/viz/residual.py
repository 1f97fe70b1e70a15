"""Scenes for chapter 14, "Bottleneck and residual connections".

* :func:`residual_scene`: one residual block (basic or bottleneck) drawn as a
  data-flow diagram. Each layer's output is a row of cells as wide as its
  channel count (1 cell = 64 channels, rounded up); arrows run down from the
  input through the layers to a "+" and on to the output. The shortcut is an
  arrow that leaves the input, goes around the layers on the right and enters
  the "+" from the side: green for the identity, orange with a ``1×1``
  convolution box for a projection (used when the stride or the channel count
  changes), absent for a plain block. The text lines give the parameters and
  multiply-adds, layer by layer.

Arrows are drawn with the scene's existing primitives: a :class:`~convlib.scene.Link`
between two invisible one-cell grids for the shaft, two short links for the head.
"""

from __future__ import annotations

import math

from ..arithmetic import conv_output_size
from ..cost import conv_macs, conv_params
from ..residual import basic_block_cost, bottleneck_cost
from ..scene import Grid, Link, Scene

__all__ = ["residual_scene", "PER_CELL"]

PER_CELL = 64  # channels per drawn cell
WIDTH = 18  # width of the layers' column in cells (the widest layer, 1,024 channels, is 16)
LANE = WIDTH + 1.5  # x of the shortcut's vertical run, right of every layer and every layer's label
STEP = 3.0  # rows from one layer to the next: room for an arrow between a row and the next row's label
GREY, GREEN, ORANGE = "#444444", "#238b45", "#d94801"  # main path, identity, projection


def _cells(channels: int) -> int:
    return max(1, math.ceil(channels / PER_CELL))


class _Pen:
    """Collects the invisible anchor grids and the links that draw arrows between points (in cells)."""

    def __init__(self) -> None:
        self.grids: list[Grid] = []
        self.links: list[Link] = []
        self._names: dict[tuple[float, float], str] = {}

    def point(self, x: float, y: float) -> str:
        x, y = round(x, 2), round(y, 2)
        if (x, y) not in self._names:  # a point shared by two lines is one grid
            self._names[x, y] = name = f"p{len(self.grids)}"
            self.grids.append(Grid(name, round(x - 0.5, 2), round(y - 0.5, 2), 1, 1, "."))  # centre at (x, y)
        return self._names[x, y]

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: str, head: bool = False) -> None:
        pa, pb = self.point(*a), self.point(*b)
        self.links.append(Link(pa, 0, 0, pb, 0, 0, colour))
        if head:  # two barbs 0.3 cells back from the tip, 0.18 to each side
            (ax, ay), (bx, by) = a, b
            length = math.hypot(bx - ax, by - ay)
            ux, uy = (bx - ax) / length, (by - ay) / length
            for side in (1, -1):
                barb = self.point(bx - 0.3 * ux - 0.18 * side * uy, by - 0.3 * uy + 0.18 * side * ux)
                self.links.append(Link(pb, 0, 0, barb, 0, 0, colour))


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
    pen = _Pen()
    centre = WIDTH / 2

    def row(name: str, y: float, n: int, cells: str, label: str) -> Grid:
        grid = Grid(name, (WIDTH - n) / 2, y, 1, n, cells, label=label)
        if grids:  # an arrow down from the row above, ending clear of this row's label
            pen.line((centre, grids[-1].y + 1.1), (centre, y - 1.0), GREY, head=True)
        grids.append(grid)
        return grid

    y = 1.0
    x_grid = row("x", y, _cells(in_channels), "i", f"input x: {in_channels} channels, {size}×{size}")
    kind_text = "no shortcut" if not shortcut else "projection shortcut" if projection else "identity shortcut"
    lines = [f"{block} block, {in_channels} → {out_channels} channels, stride {stride}, {kind_text}",
             f"1 cell = {PER_CELL} channels, rounded up"]
    parts = []
    map_size = size
    for i, (kind, c_in, c_out, s) in enumerate(layers):
        k = int(kind[0])
        map_size = conv_output_size(map_size, k, s, k // 2)
        y += STEP
        last = i == len(layers) - 1
        after = "BN, ReLU" if not last else "BN: F(x)" if shortcut else "BN"
        stride_text = f", stride {s}" if s != 1 else ""
        row(f"l{i}", y, _cells(c_out), "c", f"{kind} conv{stride_text}, {after}: {c_out} channels, {map_size}×{map_size}")
        parts.append((kind, conv_params(c_in, c_out, k, bias=False), conv_macs(c_in, c_out, k, map_size)))
    if shortcut:
        y += STEP
        added = "the projected x" if projection else "x"
        plus = row("add", y, 1, "z", f"F(x) + {added}")
        plus.text = ["+"]
    y += STEP
    row("out", y, _cells(out_channels), "o",
        f"{'ReLU' if shortcut else 'ReLU (nothing added)'}: output, {out_channels} channels, {out}×{out}")
    if shortcut:
        colour = ORANGE if projection else GREEN
        start = (x_grid.x + x_grid.cols + 0.15, x_grid.y + 0.5)
        top, bottom = (LANE, start[1]), (LANE, plus.y + 0.5)
        pen.line(start, top, colour)
        tip = (plus.x + 1.15, plus.y + 0.5)
        if projection:  # the 1×1 conv on the shortcut: one orange box on the lane
            box_y = x_grid.y + STEP + 2  # box and label lie between two rows' labels, clear of every row
            grids.append(Grid("skip", LANE - 0.5, box_y, 1, 1, "k", label="1×1 conv + BN"))
            pen.line(top, (LANE, box_y - 1.0), colour, head=True)  # ends above the box's label, as in the column
            pen.line((LANE, box_y + 1.1), bottom, colour)
            p = conv_params(in_channels, out_channels, 1, bias=False)
            parts.append(("shortcut", p, conv_macs(in_channels, out_channels, 1, out)))
            why = ("stride and channels change" if stride != 1 and in_channels != out_channels
                   else "stride changes" if stride != 1 else "channel count changes")
            lines.append(f"shortcut (orange arrow): a 1×1 conv + BN brings x to {out_channels} channels, "
                         f"{out}×{out}, because the {why}")
        else:
            pen.line(top, bottom, colour)
            lines.append("shortcut (green arrow): the identity, 0 parameters")
        pen.line(bottom, tip, colour, head=True)
    else:
        lines.append("no shortcut: a plain stack of layers")
    grids.append(Grid("frame", 0, 1.0, 1, WIDTH + 3, "."))  # not drawn: keeps the width fixed
    bn = params - sum(p for _, p, _ in parts)
    lines.append("parameters: " + " + ".join(f"{name} {p:,}" for name, p, _ in parts) + f" + BN {bn:,}"
                 f" = {params:,}")
    lines.append("multiply-adds per image: " + " + ".join(f"{m:,}" for _, _, m in parts) + f" = {macs:,}")
    return Scene(grids=grids + pen.grids, links=pen.links, lines=lines)
