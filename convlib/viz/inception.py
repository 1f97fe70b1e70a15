"""Scenes for chapter 13, "Multi-scale convolution: Inception".

* :func:`inception_scene`: one GoogLeNet Inception block drawn as four columns
  (1×1; 1×1 → 3×3; 1×1 → 5×5; 3×3 max pool → 1×1), each layer a row of cells whose
  width is its channel count to scale, the input above and the concatenated output
  below, coloured by the branch each output channel comes from. Branches can be
  switched off, and the 1×1 reductions removed (the naive block). The lines join a row's bottom edge to
  the next row's caption and never cross a row: one line from the input along to every branch.
* :func:`edge_kernel` and :func:`scale_responses`: the premise of the block, that kernels of
  different sizes see different things: one image filtered by 1×1, 3×3 and 5×5 edge kernels.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..inception import BRANCHES, inception_branch_costs
from ..scene import Grid, Link, Scene

__all__ = ["BLOCKS", "BRANCH_CELLS", "inception_scene", "channels_per_cell", "edge_kernel", "scale_responses"]

#: GoogLeNet's Inception blocks (Szegedy et al., 2015, table 1): name -> (in_channels, ch1x1, ch3x3red,
#: ch3x3, ch5x5red, ch5x5, pool_proj, map size).
BLOCKS: dict[str, tuple[int, int, int, int, int, int, int, int]] = {
    "3a": (192, 64, 96, 128, 16, 32, 32, 28),
    "3b": (256, 128, 128, 192, 32, 96, 64, 28),
    "4a": (480, 192, 96, 208, 16, 48, 64, 14),
    "5b": (832, 384, 192, 384, 48, 128, 128, 7),
}

#: The cell letter of each branch (its layers and its part of the output).
BRANCH_CELLS: dict[str, str] = {"1x1": "o", "3x3": "k", "5x5": "c", "pool": "i"}
_NAMES = {"1x1": "1×1", "3x3": "3×3", "5x5": "5×5", "pool": "pool"}
MAX_CELLS = 30  # the widest row, in cells
MIN_WIDTH = 30  # the drawing is at least this wide, so the text lines fit
GAP = 1.5  # cells between branch columns
CHAR = 0.32  # width of a label character, in cells


def channels_per_cell(widest: int) -> int:
    """How many channels one cell stands for: a power of two that keeps ``widest`` within 30 cells."""
    per = 1
    while math.ceil(widest / per) > MAX_CELLS:
        per *= 2
    return per


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def inception_scene(block: str = "3a", branch_1x1: str = "on", branch_3x3: str = "on", branch_5x5: str = "on",
                    branch_pool: str = "on", reduction: str = "on") -> Scene:
    """One Inception block of GoogLeNet with some branches on (chapter 13).

    Args:
        block: a key of :data:`BLOCKS`.
        branch_1x1, branch_3x3, branch_5x5, branch_pool: ``"on"`` or ``"off"``.
        reduction: ``"on"`` for 1×1 reductions and the pooling projection, ``"off"`` for the naive block.

    Raises:
        ValueError: in one line, for an unknown block or switch, or when every branch is off.
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {list(BLOCKS)}, got {block!r}")
    switches = {"1x1": branch_1x1, "3x3": branch_3x3, "5x5": branch_5x5, "pool": branch_pool, "reduction": reduction}
    for name, value in switches.items():
        if value not in ("on", "off"):
            raise ValueError(f"{'reduction' if name == 'reduction' else 'branch_' + name} must be 'on' or 'off', got {value!r}")
    on = [b for b in BRANCHES if switches[b] == "on"]
    if not on:
        raise ValueError("every branch is off: a block with no branch has no output channels (switch one on)")
    reduce = reduction == "on"
    c_in, ch1, ch3r, ch3, ch5r, ch5, pp, size = BLOCKS[block]
    widths = {"1x1": ch1, "3x3": ch3, "5x5": ch5, "pool": pp}
    kept = {b: (widths[b] if b in on else 0) for b in BRANCHES}
    costs = inception_branch_costs(c_in, kept["1x1"], ch3r, kept["3x3"], ch5r, kept["5x5"], kept["pool"],
                                   size=size, reduce=reduce)
    other = inception_branch_costs(c_in, kept["1x1"], ch3r, kept["3x3"], ch5r, kept["5x5"], kept["pool"],
                                   size=size, reduce=not reduce)
    out_channels = sum(c["out_channels"] for c in costs.values())

    # each branch is a column of layers: (label, channels)
    layers: dict[str, list[tuple[str, int]]] = {}
    for b in on:
        if b == "1x1":
            layers[b] = [(f"1×1 conv, {ch1}", ch1)]
        elif b in ("3x3", "5x5"):
            k, red, width = (3, ch3r, ch3) if b == "3x3" else (5, ch5r, ch5)
            main = [(f"{k}×{k} conv, {width}", width)]
            layers[b] = ([(f"1×1 reduce, {red}", red)] if reduce else []) + main
        else:
            layers[b] = [("3×3 max pool", c_in)] + ([(f"1×1 proj, {pp}", pp)] if reduce else [])
    per = channels_per_cell(c_in + ch1 + ch3 + ch5)  # the naive block's output: one scale per block

    def cells(channels: int) -> int:
        return max(1, math.ceil(channels / per))

    col_width = {b: max(max(cells(c) for _, c in col), math.ceil(CHAR * max(len(t) for t, _ in col)) + 1)
                 for b, col in layers.items()}
    total = sum(col_width.values()) + GAP * (len(on) - 1)
    out_cells = [cells(costs[b]["out_channels"]) for b in on]
    width = max(MIN_WIDTH, total, sum(out_cells), cells(c_in))
    grids: list[Grid] = []
    links: list[Link] = []
    anchors = 0

    def point(px: float, py: float) -> str:
        """An undrawn one-cell grid centred on ``(px, py)``: a line's end between the rows, never on one."""
        nonlocal anchors
        anchors += 1
        grids.append(Grid(f"anchor_{anchors}", px - 0.5, py - 0.5, 1, 1, "."))
        return f"anchor_{anchors}"

    def line(p: tuple[float, float], q: tuple[float, float]) -> None:
        links.append(Link(point(*p), 0, 0, point(*q), 0, 0))

    # rows: the input at y = 1, the layers at y = 4 (first of two) and 7 (last), the output at 11; a line
    # runs from just under a row to just above the next row's label, so it never crosses a row or a label
    grids.append(Grid("input", (width - cells(c_in)) / 2, 1, 1, cells(c_in), "p",
                      label=f"input: {c_in} channels, {size}×{size}"))
    output_x = (width - sum(out_cells)) / 2
    x = (width - total) / 2
    centres: list[float] = []
    for b, n_out in zip(on, out_cells):
        col = layers[b]
        centre = x + col_width[b] / 2
        centres.append(centre)
        for depth, (label, channels) in enumerate(col):
            n = cells(channels)
            y = 7 - 3 * (len(col) - 1 - depth)  # the last layer of every branch on the same row
            grids.append(Grid(f"{b}_{depth}", centre - n / 2, y, 1, n, BRANCH_CELLS[b], label=label))
            line((centre, (2.6 if depth == 0 else y - 1.8)), (centre, y - 0.9))
        grids.append(Grid(f"out_{b}", output_x, 11, 1, n_out, BRANCH_CELLS[b]))
        line((centre, 8.2), (output_x + n_out / 2, 10.8))
        output_x += n_out
        x += col_width[b] + GAP
    # the input feeds every branch: a line down from the input, and along under it to each branch
    line((width / 2, 2.15), (width / 2, 2.6))
    line((min(centres + [width / 2]), 2.6), (max(centres + [width / 2]), 2.6))
    parts = (" + ".join(f"{costs[b]['out_channels']}" for b in on) + " = ") if len(on) > 1 else ""
    twin = "without" if reduce else "with"
    params = sum(c["params"] for c in costs.values())
    macs = sum(c["macs"] for c in costs.values())
    lines = [
        f"{_plural(len(on), 'branch', 'branches')} on ({', '.join(_NAMES[b] for b in on)}),"
        f" {'with' if reduce else 'without'} 1×1 reductions; 1 cell = {_plural(per, 'channel')}",
        f"output (concatenated): {parts}{_plural(out_channels, 'channel')}, {size}×{size}",
        f"parameters: {params:,} ({twin} 1×1 reductions: {sum(c['params'] for c in other.values()):,})",
        f"multiply-adds per image: {macs / 1e6:,.1f} M ({twin} 1×1 reductions:"
        f" {sum(c['macs'] for c in other.values()) / 1e6:,.1f} M)",
    ]
    # an undrawn row across the whole width: it carries the caption and sets the drawing's width
    caption = f"concatenated output: {_plural(out_channels, 'channel')}"
    grids.append(Grid("caption", 0, 13.4, 1, math.ceil(width), ".", label=caption))
    return Scene(grids=grids, links=links, lines=lines)


def edge_kernel(k: int) -> torch.Tensor:
    """A ``(k, k)`` left-to-right edge kernel: -1 on the columns left of the middle, +1 right of it, scaled so
    that the absolute weights sum to 1 (a step between 0 and 1 gives 0.5 at every odd ``k`` above 1).
    For ``k = 1`` it is the single weight 1: one pixel has no left or right. Chapter 13 uses it.

    Args:
        k: the kernel size, odd and at least 1.
    """
    if not isinstance(k, int) or k < 1 or k % 2 == 0:
        raise ValueError(f"k must be an odd int of at least 1, got {k!r}")
    if k == 1:
        return torch.ones(1, 1)
    w = torch.zeros(k, k)  # (k, k)
    w[:, : k // 2], w[:, k // 2 + 1 :] = -1.0, 1.0
    return w / w.abs().sum()


def scale_responses(image: torch.Tensor, sizes: tuple[int, ...] = (1, 3, 5)):
    """Filter a grey ``(H, W)`` image with :func:`edge_kernel` of each size (edges across and along, combined
    as ``sqrt(gx² + gy²)``, replicate padding) and draw the responses side by side (the 1×1 one is the image).
    Chapter 13 uses it to show what kernels of different sizes see.

    Args:
        image: a ``(H, W)`` float tensor in [0, 1].
        sizes: the kernel sizes, odd.

    Returns:
        ``(figure, responses)``: the matplotlib figure and a dict size -> ``(H, W)`` response.
    """
    import matplotlib.pyplot as plt  # local: matplotlib is needed only to draw

    if not isinstance(image, torch.Tensor) or image.dim() != 2:
        raise ValueError(f"image must be a (H, W) tensor, got {getattr(image, 'shape', image)!r}")
    x = image[None, None].float()  # (1, 1, H, W)
    responses = {}
    for k in sizes:
        w = edge_kernel(k)[None, None]  # (1, 1, k, k)
        padded = F.pad(x, (k // 2,) * 4, mode="replicate") if k > 1 else x
        gx, gy = F.conv2d(padded, w), F.conv2d(padded, w.transpose(-1, -2))  # (1, 1, H, W) each
        responses[k] = (gx if k == 1 else (gx**2 + gy**2).sqrt())[0, 0]  # (H, W)
    fig, axes = plt.subplots(1, len(sizes), figsize=(2.6 * len(sizes), 2.9), squeeze=False)
    top = max([float(r.max()) for k, r in responses.items() if k > 1] + [1e-12])
    for ax, (k, r) in zip(axes[0], responses.items()):
        if k == 1:
            ax.imshow(r, cmap="gray", vmin=0, vmax=1)
            ax.set_title("1×1: the pixel itself", fontsize=10)
        else:
            ax.imshow(r, cmap="magma", vmin=0, vmax=top)
            ax.set_title(f"{k}×{k} edge strength", fontsize=10)
    for ax in axes[0]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig, responses
