"""Scenes and plots for chapter 09, "Depthwise convolution".

* :func:`depthwise_scene`: every input channel with its own filter(s) and output
  channel(s), the windows sliding, and the parameters and multiply-adds against a
  standard convolution with the same output;
* :func:`plot_roofline`: achieved multiply-adds per second against arithmetic
  intensity, under a measured bandwidth line and compute ceiling.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..arithmetic import conv_output_size
from ..cost import conv_macs, conv_params
from ..scene import Grid, Link, Scene, Window

__all__ = ["depthwise_scene", "plot_roofline"]

GAP = 2  # cells between neighbouring grids


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('s') else 's'}"


def depthwise_scene(in_channels: int = 3, kernel_size: int = 3, channel_multiplier: int = 1, stride: int = 1,
                    padding: int = 0, size: int = 4) -> Scene:
    """A depthwise convolution, one row per input channel (chapter 09).

    Row ``c`` shows input channel ``x{c}`` (zero padding in grey), its ``M`` filters
    ``w{c·M+m}`` and the ``M`` output channels ``y{c·M+m}`` they write; each window
    slides over its own channel only. The text compares parameters and multiply-adds
    with a standard convolution from ``C_in`` to ``M·C_in`` channels.

    Args:
        in_channels: ``C_in``, 1 to 8.
        kernel_size: ``k`` of the square filters.
        channel_multiplier: ``M``, filters per input channel, 1 to 4.
        stride, padding: as ``torch.nn.Conv2d`` (zeros).
        size: input height and width.

    Raises:
        ValueError: naming the argument, when the configuration is impossible.
    """
    for value, name, top in ((in_channels, "in_channels", 8), (channel_multiplier, "channel_multiplier", 4)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ValueError(f"{name} must be an int from 1 to {top}, got {value!r}")
    c, k, m, p = in_channels, kernel_size, channel_multiplier, padding
    o = conv_output_size(size, k, stride, p)  # raises, naming the argument, when the kernel does not fit
    c_out = c * m
    padded = size + 2 * p
    row_h = max(padded, k, o) + 2
    x_filter = padded + GAP
    x_out = x_filter + m * (k + 1) + GAP
    grids, links, windows = [], [], []
    cells = "".join("i" if p <= r < p + size and p <= q < p + size else "p" for r in range(padded) for q in range(padded))
    for ch in range(c):
        y = ch * row_h
        grids.append(Grid(f"x{ch}", 0, y + (row_h - 2 - padded) / 2, padded, padded, cells, label=f"x{ch}"))
        for j in range(m):
            out = ch * m + j
            grids.append(Grid(f"w{out}", x_filter + j * (k + 1), y + (row_h - 2 - k) / 2, k, k, "k", label=f"w{out}"))
            grids.append(Grid(f"y{out}", x_out + j * (o + 1), y + (row_h - 2 - o) / 2, o, o, "o", label=f"y{out}"))
            # from just above the channel's top-right corner to just above-left of filter j: the line stays
            # above every filter of the row (the channel is at least as tall as a filter), so it crosses none
            links.append(Link(f"x{ch}", -1, padded - 1, f"w{out}", -1, -1, "#7a5fb5"))
            windows.append(Window(f"x{ch}", f"y{out}", o, o, (k, k), (stride, stride)))
    p_dw, p_std = conv_params(c, c_out, k, groups=c, bias=False), conv_params(c, c_out, k, bias=False)
    m_dw, m_std = conv_macs(c, c_out, k, o, groups=c), conv_macs(c, c_out, k, o)
    lines = [
        f"{_plural(c, 'channel')} × {_plural(m, 'filter')} of {k}×{k} → {_plural(c_out, 'output channel')} of {o}×{o}",
        f"weights: {c_out}·{k}·{k} = {p_dw:,} (+ {_plural(c_out, 'bias')}); standard {c}→{c_out}: "
        f"{c_out}·{c}·{k}·{k} = {p_std:,}",
        f"multiply-adds: {o}·{o}·{c_out}·{k}·{k} = {m_dw:,}; standard: {m_std:,} ({c}× as many)",
    ]
    return Scene(grids=grids, links=links, windows=windows, lines=lines)


def plot_roofline(points: Sequence[dict], bandwidth: float, peak: float, ax: Axes | None = None,
                  title: str = "") -> Figure:
    """Achieved multiply-adds per second against arithmetic intensity, with a measured roof (chapter 09).

    Args:
        points: dicts with ``intensity`` (MAC/byte), ``macs_per_s``, ``kind`` (points of
            one kind share a colour and a legend entry), optional ``label`` and optional ``roof``
            (that point's own lower roof in multiply-adds per second, drawn as a short dash above
            or at it, for instance from a cache-sized bandwidth).
        bandwidth: bytes per second of the memory line (``macs_per_s = bandwidth · intensity``).
        peak: multiply-adds per second of the flat ceiling.
        ax: draw into these axes; a new figure if omitted.
        title: the axes' title.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0))
    values = [pt["intensity"] for pt in points]
    lo, hi = min(values + [peak / bandwidth]) / 3, max(values + [peak / bandwidth]) * 3
    grid = np.logspace(np.log10(lo), np.log10(hi), 200)
    ax.plot(grid, np.minimum(peak, bandwidth * grid), color="black", linewidth=1.2,
            label=f"roof: main memory {bandwidth / 1e9:.3g} GB/s, peak {peak / 1e9:.3g} GMAC/s")
    ax.axvline(peak / bandwidth, color="grey", linestyle=":", linewidth=1)
    kinds = list(dict.fromkeys(pt["kind"] for pt in points))
    markers = "osD^v"
    for n, kind in enumerate(kinds):
        mine = [pt for pt in points if pt["kind"] == kind]
        ax.scatter([pt["intensity"] for pt in mine], [pt["macs_per_s"] for pt in mine], marker=markers[n % 5],
                   s=36, color=f"C{n}", label=kind, zorder=3)
        roofs = [pt for pt in mine if pt.get("roof")]
        if roofs:
            ax.scatter([pt["intensity"] for pt in roofs], [pt["roof"] for pt in roofs], marker="_", s=220,
                       linewidths=2, color=f"C{n}", label=f"{kind}: each layer's own lower roof", zorder=2)
        for pt in mine:
            if pt.get("label"):
                ax.annotate(pt["label"], (pt["intensity"], pt["macs_per_s"]), xytext=(4, -10),
                            textcoords="offset points", fontsize=7, color=f"C{n}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (multiply-adds per byte)")
    ax.set_ylabel("achieved multiply-adds per second")
    ax.grid(alpha=0.3, which="both")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    if title:
        ax.set_title(title, fontsize=9)
    fig = ax.figure
    fig.tight_layout()
    return fig  # type: ignore[return-value]
