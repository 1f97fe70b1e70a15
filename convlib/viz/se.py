"""Scenes for chapter 16, "Squeeze-and-excitation".

* :func:`se_definition_scene`: one SE block on given numbers, drawn as it computes:
  each channel's H×W map funnels into one cell of ``z`` (the squeeze), ``z`` is
  wired to the hidden units and those to ``s`` (the two FC layers), and every
  output map is shaded by its channel's weight ``s_c``, the same at each pixel.
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
from ..scene import Grid, Link, Scene
from ..se import se_hidden, se_macs, se_params

__all__ = ["se_definition_scene", "se_scene", "se_widths", "overhead_cells", "MAX_CELLS"]

MAX_CELLS = 32  # widest vector row, in cells
SHADE_VMAX = 1.6  # colour scale of the definition figure's s: s = 1 is a mid red, light enough to read text on
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


def _num(value: float) -> str:
    """A cell's number in at most 4 characters: 2 significant digits, 0.04 rather than 0.036."""
    if value != 0 and abs(value) < 0.1:
        return f"{value:.2f}"
    text = f"{value:.2g}"
    return "0" if text == "-0" else text


WIRE, ZERO_WIRE = "#999999", "#e4e4e4"  # an FC weight, and one that is 0


def se_definition_scene(maps, w1, b1, w2, b2) -> Scene:
    """One SE block drawn on its own numbers (chapter 16's definition figure).

    Top to bottom: the ``C`` maps of ``U`` (``H × W`` cells each, values written in
    the cells); under each map one cell of ``z``, its average, joined to the map by
    a funnel (the squeeze); the hidden vector ``h = relu(W1 z + b1)`` wired to every
    cell of ``z``, and ``s = sigmoid(W2 h + b2)`` wired to every cell of ``h`` (the
    two FC layers); then the output maps ``s_c · u_c``, every pixel of map ``c``
    shaded by ``s_c`` (white 0, red 1) and holding its value. A column of
    labels on the right names each row.

    Args:
        maps: ``U`` for one image, nested lists or a tensor of shape ``(C, H, W)``.
        w1, b1: the first layer, ``(C_hidden, C)`` and ``(C_hidden,)``.
        w2, b2: the second layer, ``(C, C_hidden)`` and ``(C,)``.

    Raises:
        ValueError: in one line, when the shapes do not fit together or the map is too large to draw.
    """
    u = torch.as_tensor(maps, dtype=torch.float64)
    w1, b1, w2, b2 = (torch.as_tensor(t, dtype=torch.float64) for t in (w1, b1, w2, b2))
    if u.dim() != 3:
        raise ValueError(f"maps must have shape (C, H, W), got {tuple(u.shape)}")
    c, height, wid = u.shape
    if not (1 <= c <= 8 and 1 <= height <= 4 and 1 <= wid <= 4):
        raise ValueError(f"draw at most 8 channels of 4×4, got {c} of {height}×{wid}")
    hidden = w1.shape[0] if w1.dim() == 2 else 0
    if w1.shape != (hidden, c) or hidden < 1 or b1.shape != (hidden,) or w2.shape != (c, hidden) or b2.shape != (c,):
        raise ValueError(f"need w1 (C/r, {c}), b1 (C/r,), w2 ({c}, C/r), b2 ({c},) with C/r ≥ 1")
    z = u.mean(dim=(1, 2))
    h = torch.relu(w1 @ z + b1)
    s = torch.sigmoid(w2 @ h + b2)
    out = u * s[:, None, None]

    gap = 1
    span = c * wid + (c - 1) * gap  # width of the row of maps
    y_u, y_z = 1.0, 1.0 + height + 1.6
    y_h, y_s = y_z + 2.4, y_z + 4.8
    y_out = y_s + 2.2
    grids: list[Grid] = []
    links: list[Link] = []

    def anchor(name: str, px: float, py: float) -> None:  # an invisible cell centred on (px, py), for links
        grids.append(Grid(name, px - 0.5, py - 0.5, 1, 1, "."))

    z_x = [k * (wid + gap) + wid / 2 - 0.5 for k in range(c)]  # z cell k sits under map k
    h_x0 = (span - (2 * hidden - 1)) / 2  # hidden cells two apart, centred under the maps
    for k in range(c):
        x0 = k * (wid + gap)
        grids.append(Grid(f"u{k}", x0, y_u, height, wid, "i", label=f"c = {k}",
                          text=[_num(v) for v in u[k].flatten().tolist()]))
        grids.append(Grid(f"o{k}", x0, y_out, height, wid, "o", values=[float(s[k])] * (height * wid), vmax=SHADE_VMAX,
                          text=[_num(v) for v in out[k].flatten().tolist()]))
        for side, px in (("l", x0), ("r", x0 + wid)):  # the funnel: map's bottom corners to z's top corners
            anchor(f"f{k}{side}", px, y_u + height)
            anchor(f"g{k}{side}", z_x[k] + (0 if side == "l" else 1), y_z)
            links.append(Link(f"f{k}{side}", 0, 0, f"g{k}{side}", 0, 0, "#7b5ea7"))
        anchor(f"sb{k}", z_x[k] + 0.5, y_s + 1)  # s_c broadcast to every pixel of output map c
        for side, px in (("l", x0), ("r", x0 + wid)):
            anchor(f"ot{k}{side}", px, y_out)
            links.append(Link(f"sb{k}", 0, 0, f"ot{k}{side}", 0, 0, "#d94801"))
        grids.append(Grid(f"z{k}", z_x[k], y_z, 1, 1, "c", text=[_num(float(z[k]))]))
        grids.append(Grid(f"s{k}", z_x[k], y_s, 1, 1, "c", values=[float(s[k])], vmax=SHADE_VMAX, text=[f"{float(s[k]):.2f}"]))
    for j in range(hidden):
        hx = h_x0 + 2 * j
        grids.append(Grid(f"h{j}", hx, y_h, 1, 1, "k", text=[_num(float(h[j]))]))
        anchor(f"ht{j}", hx + 0.5, y_h)
        anchor(f"hb{j}", hx + 0.5, y_h + 1)
        for k in range(c):
            anchor(f"zb{k}_{j}", z_x[k] + 0.5, y_z + 1)
            anchor(f"st{k}_{j}", z_x[k] + 0.5, y_s)
            links.append(Link(f"zb{k}_{j}", 0, 0, f"ht{j}", 0, 0, WIRE if w1[j, k] != 0 else ZERO_WIRE))
            links.append(Link(f"hb{j}", 0, 0, f"st{k}_{j}", 0, 0, WIRE if w2[k, j] != 0 else ZERO_WIRE))
    right = max(span, 2 * hidden - 1) + 1.5
    for name, y, text in (("lu", y_u, f"U: {c} maps of {height}×{wid}"),
                          ("lz", y_z, "squeeze: z_c = mean of map c"),
                          ("lh", y_h, f"FC + ReLU: h, {hidden} units"),
                          ("ls", y_s, "FC + sigmoid: s"),
                          ("lo", y_out, "scale: s_c · u_c")):
        grids.append(Grid(name, right, y + 0.8, 1, 9, ".", label=text))
    lines = [f"C = {c}, r = {c / hidden:g}; shade of s and of the output: s_c (white 0, red 1), one shade per map",
             "grey wires: the FC weights; a faint wire is a weight of 0"]
    return Scene(grids=grids, links=links, lines=lines)
