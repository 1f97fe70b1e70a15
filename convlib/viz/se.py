"""Scenes for chapter 16, "Squeeze-and-excitation".

* :func:`se_scene`: the pipeline squeeze → FC → ReLU → FC → sigmoid → scale,
  one row of cells per vector (one cell per channel, at most 16 drawn), with the
  sizes and the parameters and multiply-adds the block adds to the 3×3
  convolution it follows.
"""

from __future__ import annotations

import torch

from ..cost import conv_macs, conv_params
from ..scene import Grid, Scene
from ..se import se_hidden, se_macs, se_params

__all__ = ["se_scene", "MAX_DRAWN"]

MAX_DRAWN = 16  # cells drawn per vector


def _drawn(n: int) -> str:
    return f"{n}" if n <= MAX_DRAWN else f"{n}, first {MAX_DRAWN} drawn"


def se_scene(channels: int = 16, reduction: int = 4, size: int = 14) -> Scene:
    """One SE block after a 3×3 convolution with ``channels`` in and out (chapter 16).

    Rows, top to bottom: the feature map ``U`` (one cell per channel), the squeezed
    vector ``z`` (global average pooling), the hidden vector (FC then ReLU, ``C // r``
    units), the channel weights ``s`` (FC then sigmoid; shaded by value, from a fixed
    random block), and the output ``U · s``. The text gives the parameters and
    multiply-adds against the convolution.

    Args:
        channels: ``C``.
        reduction: ``r``.
        size: the feature map's height and width.

    Raises:
        ValueError: in one line, e.g. when the reduction leaves 0 hidden units.
    """
    hidden = se_hidden(channels, reduction)
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    n, m = min(channels, MAX_DRAWN), min(hidden, MAX_DRAWN)
    gen = torch.Generator().manual_seed(16)
    s = torch.sigmoid(torch.randn(MAX_DRAWN, generator=gen) * 1.5)[:n]  # (n,) illustrative weights

    def row(name: str, y: int, cols: int, cells: str, label: str, **kw: object) -> Grid:
        return Grid(name, (MAX_DRAWN - cols) / 2, y, 1, cols, cells, label=label, **kw)  # type: ignore[arg-type]

    grids = [
        row("U", 1, n, "i", f"U: {channels}×{size}×{size} (channels: {_drawn(channels)})"),
        row("z", 4, n, "c", f"squeeze, average pool: z ({_drawn(channels)})"),
        row("h", 7, m, "k", f"FC + ReLU: {_drawn(hidden)} hidden"),
        row("s", 10, n, "c", f"FC + sigmoid: s ({_drawn(channels)})", values=[float(v) for v in s], vmax=1.0),
        row("out", 13, n, "o", f"scale: U·s, {channels}×{size}×{size} (shaded by s)",
            values=[float(v) for v in s], vmax=1.0),
        Grid("frame", 0, 13, 1, MAX_DRAWN, "."),  # keeps the drawing 16 cells wide
    ]
    p = se_params(channels, reduction)
    p_conv = conv_params(channels, channels, 3, bias=False)
    macs = se_macs(channels, reduction, size)
    m_conv = conv_macs(channels, channels, 3, size)
    unit = "unit" if hidden == 1 else "units"
    lines = [
        f"squeeze: z[c] = mean of channel c's {size}×{size} = {size * size} values",
        f"excite: FC {channels}→{hidden} ({hidden} {unit}), ReLU, FC {hidden}→{channels}, sigmoid: s in (0, 1)",
        "scale: output channel c = s[c] · U[c] (one weight per channel, the same at every pixel)",
        f"SE parameters: 2·{channels}·{hidden} weights + {hidden} + {channels} biases = {p:,}",
        f"3×3 conv {channels}→{channels} before it: {p_conv:,} weights; SE adds {p / p_conv:.1%}",
        f"multiply-adds: FCs {macs['fc']:,} + scale {macs['scale']:,} against the conv's {m_conv:,}"
        f" ({(macs['fc'] + macs['scale']) / m_conv:.2%})",
    ]
    return Scene(grids=grids, lines=lines)
