"""Scenes and plots for chapter 08, "Flattened convolution".

* :func:`flattened_filter_scene`: a ``C × k × k`` filter as its ``C`` slices, the
  channel, vertical and horizontal vectors of its ``R``-term flattened fit, the
  slices they rebuild and the error, with the weights and multiplications of both;
* :func:`flattened_steps_scene`: one flattened filter applied as three steps: the
  ``1 × 1`` channel step, the ``k × 1`` vertical step and the ``1 × k`` horizontal
  step, with the shape after each and its multiplications;
* :func:`flattened_vs_separable_scene`: a flattened layer and a depthwise-separable
  layer side by side: the order of their steps and which channel owns each kernel;
* :func:`plot_rank_errors`: relative error against the number of rank-1 terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
import torch
from torch import Tensor

from ..arithmetic import conv_output_size
from ..cost import conv_macs
from ..flattened import EXAMPLE_FILTERS, cp_fits, cp_reconstruct, example_filter, flattened_macs, max_rank
from ..scene import Grid, Link, Scene, Window
from .separable import format_value

__all__ = ["flattened_filter_scene", "flattened_steps_scene", "flattened_vs_separable_scene", "plot_rank_errors"]

GAP = 2  # cells between neighbouring grids
TEXT_CELLS = 40  # numbers are printed in the cells when a filter has at most this many entries


@lru_cache(maxsize=64)
def _fits(filter: str, in_channels: int, kernel_size: int, rank: int) -> tuple:
    """The example filter and its fits with 1 … ``rank`` terms (the widget asks for every rank of one filter)."""
    w = example_filter(filter, in_channels, kernel_size)
    return w, tuple(cp_fits(w, rank))


def _heat(name: str, x: float, y: float, m: Tensor, label: str, vmax: float, text: bool) -> Grid:
    flat = [round(float(v), 3) for v in m.flatten()]
    return Grid(name, x, y, m.shape[0], m.shape[1], "i", label=label, values=flat, vmax=round(vmax, 4),
                text=[format_value(v) for v in flat] if text else None)


def flattened_filter_scene(filter: str = "edges", in_channels: int = 3, kernel_size: int = 3, rank: int = 1) -> Scene:
    """A filter volume, its ``R``-term flattened fit and the error, slice by slice (chapter 08).

    Top: the ``R`` channel vectors (a ``C × R`` column block), vertical vectors
    (``k × R``) and horizontal vectors (``R × k``). Below, one row each: the
    filter's ``C`` slices ``W[c]``, the rebuilt slices ``Σ_r a[c,r] · b_r d_rᵀ``,
    and their difference, all on one colour scale.

    Args:
        filter: one of :data:`convlib.flattened.EXAMPLE_FILTERS`.
        in_channels: ``C``, the filter's depth, 1 to 8.
        kernel_size: ``k``, 1 to 7.
        rank: ``R``, the number of rank-1 terms, at most :func:`convlib.flattened.max_rank`.

    Raises:
        ValueError: naming the argument, for an unknown filter, a size out of range,
            or more terms than a filter of this shape can need.
    """
    if filter not in EXAMPLE_FILTERS:
        raise ValueError(f"filter must be one of {', '.join(EXAMPLE_FILTERS)}, got {filter!r}")
    for value, name, top in ((in_channels, "in_channels", 8), (kernel_size, "kernel_size", 7)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ValueError(f"{name} must be an int from 1 to {top}, got {value!r}")
    c, k = in_channels, kernel_size
    top = max_rank((c, k, k))
    if not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= top:
        raise ValueError(f"rank must be at most {top} for a {c}×{k}×{k} filter: " + ("1 term already rebuilds" if top == 1 else f"{top} terms already rebuild") + " any such filter exactly")
    w, fits = _fits(filter, c, k, min(top, 4) if rank <= 4 else rank)
    a, b, d = fits[rank - 1]
    approx = cp_reconstruct(a, b, d)
    vmax = 1.3 * float(w.abs().max()) or 1.0  # extremes stay light enough to read their numbers
    text = c * k * k <= TEXT_CELLS
    pitch = max(k + 1, 3)  # columns per slice, gap included (room for the labels)
    grids = [
        _heat("channel", 0, 0, a, "channel", 1.3 * float(a.abs().max()) or 1.0, text),
        _heat("vertical", rank + GAP, 0, b, "vertical", 1.3 * float(b.abs().max()) or 1.0, text),
        _heat("horizontal", 2 * rank + 2 * GAP, 0, d.T, "horizontal", 1.3 * float(d.abs().max()) or 1.0, text),
    ]
    y0 = max(c, k) + 2
    rows = (("W", w, "W[{}]"), ("R", approx, "≈W[{}]"), ("E", w - approx, "err[{}]"))
    for n, (tag, volume, label) in enumerate(rows):
        for i in range(c):
            grids.append(_heat(f"{tag}{i}", i * pitch, y0 + n * (k + 2), volume[i], label.format(i), vmax, text))
    err = float((w - approx).norm() / w.norm()) if float(w.norm()) > 0 else 0.0
    full, flat = c * k * k, rank * (c + 2 * k)
    terms = f"{rank} term{'s' if rank > 1 else ''}"
    lines = [
        f"full filter: {c}·{k}·{k} = {full} weight{'' if full == 1 else 's'}",
        f"flattened, {terms}: {rank}·({c} + {k} + {k}) = {flat} weights ({flat / full:.2f}× as many)",
        f"per output pixel (stride 1, 'same' padding): {full} vs {flat} multiplications",
        f"relative error ‖W − W_R‖/‖W‖ = {err:.3f}" + (" (exact)" if err < 1e-9 else ""),
    ]
    return Scene(grids=grids, lines=lines)


def flattened_steps_scene(size: int = 5, in_channels: int = 3, kernel_size: int = 3, padding: int = 0, stride: int = 1) -> Scene:
    """One flattened filter applied as three 1-D steps, with shapes and multiplications (chapter 08).

    Left: the ``C`` input channels; lines join one pixel of every channel to the
    same pixel of the channel step's output (a weighted sum across channels,
    ``1 × 1``). Then the ``k × 1`` vertical step walks down that map, padded with
    zero rows; then the ``1 × k`` horizontal step walks along the result, padded
    with zero columns, and writes the output.

    Args:
        size: input height and width.
        in_channels: ``C``.
        kernel_size: ``k`` of the vertical and horizontal vectors.
        padding: zeros on each side (rows in the vertical step, columns in the horizontal one).
        stride: the vertical step strides the height, the horizontal step the width.

    Raises:
        ValueError: naming the argument, when the configuration is impossible.
    """
    if not isinstance(in_channels, int) or isinstance(in_channels, bool) or not 1 <= in_channels <= 8:
        raise ValueError(f"in_channels must be an int from 1 to 8, got {in_channels!r}")
    c, k, p, s = in_channels, kernel_size, padding, stride
    oh = conv_output_size(size, k, s, p)
    ow = conv_output_size(size, k, s, p)
    m_ch, m_v, m_h = flattened_macs(c, 1, k, size, s, p)
    full = conv_macs(c, 1, k, (oh, ow))
    step = size + 1.5
    x_mix = size + 2 * GAP
    y_mix = max(0.0, (c * step - 1.5 - (size + 2 * p)) / 2)
    x_ver = x_mix + size + GAP
    y_ver = y_mix + (size + 2 * p - oh) / 2
    x_out = x_ver + size + 2 * p + GAP
    grids = [Grid(f"x{i}", 0, i * step, size, size, "i", label=f"input channel {i}") for i in range(c)]
    mix_cells = "".join("c" if p <= r < p + size else "p" for r in range(size + 2 * p) for _ in range(size))
    ver_cells = "".join("c" if p <= col < p + size else "p" for _ in range(oh) for col in range(size + 2 * p))
    grids += [
        Grid("mixed", x_mix, y_mix, size + 2 * p, size, mix_cells, label=f"1×1: 1×{size}×{size}"),
        Grid("vertical", x_ver, y_ver, oh, size + 2 * p, ver_cells, label=f"{k}×1: 1×{oh}×{size}"),
        Grid("vertical_real", x_ver + p, y_ver, oh, size, "."),  # where the vertical step writes (no padding)
        Grid("output", x_out, y_ver, oh, ow, "o", label=f"1×{k}: 1×{oh}×{ow}"),
    ]
    centre = size // 2
    links = [Link(f"x{i}", centre, centre, "mixed", centre + p, centre, "#7a5fb5") for i in range(c)]
    windows = [
        Window("mixed", "vertical_real", oh, size, (k, 1), (s, 1)),
        Window("vertical", "output", oh, ow, (1, k), (1, s)),
    ]
    lines = [
        f"channel step (1×1 over {c} channel{'s' if c > 1 else ''}): {c}×{size}×{size} → 1×{size}×{size}, "
        f"{size}·{size}·{c} = {m_ch} multiplications",
        f"vertical step ({k}×1, pad {p} row{'' if p == 1 else 's'}, stride {s}): → 1×{oh}×{size}, {oh}·{size}·{k} = {m_v}",
        f"horizontal step (1×{k}, pad {p} column{'' if p == 1 else 's'}, stride {s}): → 1×{oh}×{ow}, {oh}·{ow}·{k} = {m_h}",
        f"flattened {m_ch} + {m_v} + {m_h} = {m_ch + m_v + m_h}  vs  full {c}×{k}×{k} filter: "
        f"{oh}·{ow}·{c * k * k} = {full}",
    ]
    return Scene(grids=grids, links=links, windows=windows, lines=lines)


def flattened_vs_separable_scene(in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3, seed: int = 0) -> Scene:
    """A flattened layer (top) and a depthwise-separable layer (bottom), step by step (chapter 08).

    Top: every input map (blue) feeds every output channel's ``1 × 1`` mix (purple
    lines); then each output channel ``o`` is filtered by its own rank-1 kernel
    ``v_o h_oᵀ``. Bottom: each input channel ``c`` is first filtered by its own
    kernel ``D_c`` of any rank; then the ``1 × 1`` step mixes them (purple lines).
    The kernels are drawn from seeded small integers, and their ranks are computed.

    Args:
        in_channels: ``C_in``, 1 to 4.
        out_channels: ``C_out``, 1 to 4.
        kernel_size: ``k``, 2 to 4.
        seed: seed of the kernels' integers.

    Raises:
        ValueError: naming the argument, for a size out of range.
    """
    for value, name, low, top in ((in_channels, "in_channels", 1, 4), (out_channels, "out_channels", 1, 4),
                                  (kernel_size, "kernel_size", 2, 4)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= top:
            raise ValueError(f"{name} must be an int from {low} to {top}, got {value!r}")
    ci, co, k = in_channels, out_channels, kernel_size
    g = torch.Generator().manual_seed(seed)
    ints = lambda *shape: torch.randint(-2, 3, shape, generator=g).double()  # noqa: E731 - small readable integers
    v, h = ints(co, k), ints(co, k)
    v[v.abs().sum(1) == 0, 0], h[h.abs().sum(1) == 0, 0] = 1.0, 1.0  # no all-zero vector
    flat_kernels = torch.einsum("oi,oj->oij", v, h)  # (C_out, k, k): one rank-1 kernel per output channel
    ds_kernels = ints(ci, k, k)  # (C_in, k, k): one kernel of any rank per input channel
    vmax = 1.3 * float(max(flat_kernels.abs().max(), ds_kernels.abs().max())) or 1.0
    m, step = 2, max(k, 2) + 1.8  # maps drawn as m × m squares; vertical pitch of the rows
    height = max(ci, co) * step
    off_in, off_out = (height - ci * step) / 2, (height - co * step) / 2
    x_mid, x_ker, x_out = m + 4, m + 4 + m + 2, m + 4 + m + 2 + k + 2
    width = x_out + m
    grids: list[Grid] = []
    links: list[Link] = []
    mix, wire = "#7a5fb5", "#555555"
    # link ends in cell units (a cell's centre is at index + 0.5): the middle of a grid's left or right edge
    mid, left, right, kmid = (m - 1) / 2, -0.5, m - 0.5, (k - 1) / 2
    for band, y0 in (("f", 1.6), ("d", 1.6 + height + 2.2)):
        title = ("flattened: mix channels first, then each OUTPUT channel's own rank-1 kernel" if band == "f" else
                 "depthwise-separable: each INPUT channel's own kernel first, then mix")
        grids.append(Grid(f"{band}title", 0, y0 - 1.6, 1, width, ".", label=title))
        for c in range(ci):
            grids.append(Grid(f"{band}in{c}", 0, y0 + off_in + c * step, m, m, "i", label=f"in {c}"))
        if band == "f":
            for o in range(co):
                y = y0 + off_out + o * step
                rank = int(torch.linalg.matrix_rank(flat_kernels[o]))
                grids += [Grid(f"fmix{o}", x_mid, y, m, m, "c", label=f"mix {o}"),
                          _heat(f"fker{o}", x_ker, y + (m - k) / 2, flat_kernels[o], f"v{o}h{o}ᵀ, rank {rank}", vmax, True),
                          Grid(f"fout{o}", x_out, y, m, m, "o", label=f"out {o}")]
                links += [Link(f"fin{c}", mid, right, f"fmix{o}", mid, left, mix) for c in range(ci)]
                links += [Link(f"fmix{o}", mid, right, f"fker{o}", kmid, left, wire),
                          Link(f"fker{o}", kmid, k - 0.5, f"fout{o}", mid, left, wire)]
        else:
            for c in range(ci):
                y = y0 + off_in + c * step
                rank = int(torch.linalg.matrix_rank(ds_kernels[c]))
                grids += [_heat(f"dker{c}", x_mid - 1, y + (m - k) / 2, ds_kernels[c], f"D{c}, rank {rank}", vmax, True),
                          Grid(f"ddw{c}", x_ker + 1, y, m, m, "c", label=f"filtered {c}")]
                links += [Link(f"din{c}", mid, right, f"dker{c}", kmid, left, wire),
                          Link(f"dker{c}", kmid, k - 0.5, f"ddw{c}", mid, left, wire)]
            for o in range(co):
                grids.append(Grid(f"dout{o}", x_out, y0 + off_out + o * step, m, m, "o", label=f"out {o}"))
                links += [Link(f"ddw{c}", mid, right, f"dout{o}", mid, left, mix) for c in range(ci)]
    flat_w, ds_w, full_w = co * (ci + 2 * k), ci * k * k + co * ci, co * ci * k * k
    lines = [
        f"flattened: slice [o, c] of the weight is A[o, c]·v_o h_oᵀ: the kernel belongs to output channel o and has rank 1",
        f"depthwise-separable: slice [o, c] is P[o, c]·D_c: the kernel belongs to input channel c and may have any rank",
        f"weights, {ci} → {co} channels, k = {k}: flattened {co}·({ci} + {k} + {k}) = {flat_w}, "
        f"depthwise-separable {ci}·{k}·{k} + {co}·{ci} = {ds_w}, full {full_w}",
    ]
    return Scene(grids=grids, links=links, lines=lines)


def plot_rank_errors(errors: Mapping[str, Sequence[float]], ax: Axes | None = None, title: str = "") -> Figure:
    """Relative error against the number of rank-1 terms ``R = 1, 2, …``, one line per filter or layer (chapter 08).

    Args:
        errors: ``{label: [error with 1 term, with 2 terms, …]}``.
        ax: draw into these axes; a new figure if omitted.
        title: the axes' title.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 3.2))
    markers = "osD^v<>p*h"
    for n, (label, values) in enumerate(errors.items()):
        ranks = list(range(1, len(values) + 1))
        ax.plot(ranks, list(values), marker=markers[n % len(markers)], label=label)
    longest = max((len(v) for v in errors.values()), default=1)
    ax.set_xticks(list(range(1, longest + 1)))
    ax.set_xlabel("rank-1 terms per filter, R")
    ax.set_ylabel("relative error ‖W − W_R‖ / ‖W‖")
    ax.set_ylim(0, max(1.0, max((max(v) for v in errors.values() if len(v)), default=1.0) * 1.05))
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    if errors:
        ax.legend(fontsize=8, frameon=False)
    fig = ax.figure
    fig.tight_layout()
    return fig  # type: ignore[return-value]
