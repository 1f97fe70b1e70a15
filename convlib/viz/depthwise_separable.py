"""Scenes for chapter 10, "Depthwise-separable convolution".

* :func:`depthwise_separable_scene`: the two steps on a small input: every input
  channel slides under its own ``k×k`` kernel (depthwise), then every output
  channel takes a weighted sum of all the depthwise maps at one pixel (pointwise),
  with the multiplications of each step and of a full convolution;
* :func:`separable_ratio_scene`: the cost of a full convolution as 100 cells and the
  depthwise-separable cost on the same scale, with the ratio ``1/C_out + 1/k²``.
"""

from __future__ import annotations

import math

from ..arithmetic import conv_output_size
from ..cost import conv_macs, conv_params, depthwise_separable_macs, depthwise_separable_params
from ..scene import Grid, Link, Scene, Window

__all__ = ["depthwise_separable_scene", "separable_ratio_scene"]

GAP = 2  # cells between neighbouring columns of grids
LINK_COLOURS = ["#7a5fb5", "#2b8cbe", "#e6550d", "#31a354"]


def _check_int(value: int, name: str, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def depthwise_separable_scene(size: int = 5, in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3,
                              padding: int = 0, stride: int = 1) -> Scene:
    """A depthwise ``k×k`` step then a pointwise ``1×1`` step, with shapes and multiplications (chapter 10).

    Left, one grid per input channel (zero padding dashed), each with its own
    sliding ``k×k`` window writing its own depthwise map (middle). Right, one grid
    per output channel; lines join one pixel of every depthwise map to the same
    pixel of each output channel: the pointwise step's weighted sum.

    Args:
        size: input height and width, 2 to 9.
        in_channels: ``C_in``, 1 to 4 (the depthwise maps are as many).
        out_channels: ``C_out``, 1 to 4.
        kernel_size: ``k`` of the depthwise kernels.
        padding: zeros on each side of the depthwise step's input.
        stride: of the depthwise step.

    Raises:
        ValueError: one line naming the argument, e.g. when the kernel does not fit the padded input.
    """
    _check_int(size, "size", 2, 9)
    _check_int(in_channels, "in_channels", 1, 4)
    _check_int(out_channels, "out_channels", 1, 4)
    _check_int(kernel_size, "kernel_size", 1, 7)
    _check_int(padding, "padding", 0, 3)
    _check_int(stride, "stride", 1, 3)
    k, p, s = kernel_size, padding, stride
    if k > size + 2 * p:
        raise ValueError(f"kernel_size {k} does not fit the padded input {size + 2 * p}×{size + 2 * p}: "
                         f"use a smaller kernel or more padding")
    o = conv_output_size(size, k, s, p)
    c_in, c_out = in_channels, out_channels
    padded = size + 2 * p
    step_in = padded + 1.5
    x_mid = padded + 2 * GAP
    x_out = x_mid + o + 3 * GAP
    grids: list[Grid] = []
    windows: list[Window] = []
    in_cells = "".join("i" if p <= r < p + size and p <= c < p + size else "p" for r in range(padded) for c in range(padded))
    for ch in range(c_in):
        y = ch * step_in
        grids.append(Grid(f"x{ch}", 0, y, padded, padded, in_cells, label=f"input channel {ch}"))
        grids.append(Grid(f"d{ch}", x_mid, y + (padded - o) / 2, o, o, "c", label=f"depthwise {ch}"))
        windows.append(Window(f"x{ch}", f"d{ch}", o, o, (k, k), (s, s)))
    height_in = c_in * step_in - 1.5
    step_out = o + 1.5
    y0 = max(0.0, (height_in - (c_out * step_out - 1.5)) / 2)
    for j in range(c_out):
        grids.append(Grid(f"y{j}", x_out, y0 + j * step_out, o, o, "o", label=f"output channel {j}"))
    centre = o // 2
    links = [Link(f"d{ch}", centre, centre, f"y{j}", centre, centre, LINK_COLOURS[j % len(LINK_COLOURS)])
             for j in range(c_out) for ch in range(c_in)]
    dw = conv_macs(c_in, c_in, k, o, groups=c_in)
    pw = conv_macs(c_in, c_out, 1, o)
    full = conv_macs(c_in, c_out, k, o)
    lines = [
        f"depthwise: {_plural(c_in, 'kernel')} of {k}×{k}, {c_in}×{size}×{size} → {c_in}×{o}×{o}: "
        f"{o}·{o}·{c_in}·{k}·{k} = {_plural(dw, 'multiplication')}",
        f"pointwise: {_plural(c_out, 'filter')} of 1×1×{c_in}, {c_in}×{o}×{o} → {c_out}×{o}×{o}: "
        f"{o}·{o}·{c_out}·{c_in} = {_plural(pw, 'multiplication')}",
        f"together {dw + pw}; one full {k}×{k} convolution to {_plural(c_out, 'channel')}: {full}",
    ]
    return Scene(grids=grids, links=links, windows=windows, lines=lines)


def separable_ratio_scene(in_channels: int = 16, out_channels: int = 32, kernel_size: int = 3) -> Scene:
    """The full convolution's cost as 100 cells, the depthwise-separable cost on the same scale (chapter 10).

    Both layers map ``C_in`` to ``C_out`` channels with a ``k×k`` kernel at the same
    output size; per output pixel the full layer costs ``k²·C_in·C_out`` multiplications
    and the separable one ``C_in·(k² + C_out)``. The ratio, ``1/C_out + 1/k²``, does not
    depend on ``C_in`` or on the output size.

    Args:
        in_channels: ``C_in``, 1 to 4096.
        out_channels: ``C_out``, 1 to 4096.
        kernel_size: ``k``, 1 to 11.

    Raises:
        ValueError: naming the argument.
    """
    _check_int(in_channels, "in_channels", 1, 4096)
    _check_int(out_channels, "out_channels", 1, 4096)
    _check_int(kernel_size, "kernel_size", 1, 11)
    c_in, c_out, k = in_channels, out_channels, kernel_size
    full = conv_macs(c_in, c_out, k, 1)
    separable = depthwise_separable_macs(c_in, c_out, k, 1)
    ratio = separable / full
    cells = max(1, round(100 * ratio))
    dw_cells = min(cells, max(0, round(100 / c_out)))  # the depthwise share, 1/C_out of the full cost
    rows = math.ceil(cells / 10)
    sep_cells = "".join("k" if n < dw_cells else "c" if n < cells else "." for n in range(rows * 10))
    grids = [
        Grid("full", 0, 0, 10, 10, "o", label=f"full: {full:,} = 100%"),
        Grid("separable", 13, 0, rows, 10, sep_cells, label=f"separable: {separable:,}"),
    ]
    lines = [
        f"per output pixel, full: {k}²·{c_in}·{c_out} = {full:,} multiplications",
        f"separable: {c_in}·{k}² + {c_in}·{c_out} = {separable:,} (orange: depthwise, purple: pointwise)",
        f"ratio {separable:,}/{full:,} = 1/{c_out} + 1/{k}² = {ratio:.3f}" + (" (more than full!)" if ratio > 1 else
                                                                          f", {1 / ratio:.1f}× fewer"),
        f"weights (no bias): full {conv_params(c_in, c_out, k, bias=False):,}, "
        f"separable {depthwise_separable_params(c_in, c_out, k):,}",
    ]
    return Scene(grids=grids, lines=lines)
