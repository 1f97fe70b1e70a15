"""Scenes for chapter 04, "1×1 (pointwise) convolution".

* :func:`pointwise_scene`: one pixel's channel vector ``x`` times the ``C_out × C_in``
  weight matrix ``W``, plus the bias ``b``, gives that pixel's output vector ``y``;
  beside it the input and output grids, with the pixel highlighted and the pixels
  a stride skips crossed out.
"""

from __future__ import annotations

import torch

from .._args import check_groups
from ..arithmetic import conv_output_size
from ..cost import conv_macs, conv_params
from ..scene import Grid, Scene

__all__ = ["pointwise_scene", "example_numbers"]

MAX_CHANNELS = 6
GAP = 2  # cells between neighbouring grids


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}{'es' if word.endswith('s') else 's'}"


def example_numbers(in_channels: int, out_channels: int, groups: int = 1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Small integers for the diagram: a pixel ``x (C_in,)``, weights ``W (C_out, C_in)``, bias ``b (C_out,)``.

    They are slices of fixed 6-channel tables, so adding a channel keeps the others'
    numbers. With ``groups > 1`` the weights outside the diagonal blocks are zero
    (the dense form of a grouped 1×1 convolution, chapter 11).
    """
    gen = torch.Generator().manual_seed(8)
    x = torch.randint(-2, 3, (MAX_CHANNELS,), generator=gen)  # (6,)
    w = torch.randint(-2, 3, (MAX_CHANNELS, MAX_CHANNELS), generator=gen)  # (6, 6)
    b = torch.randint(-1, 2, (MAX_CHANNELS,), generator=gen)  # (6,)
    w = w[:out_channels, :in_channels].clone()  # (C_out, C_in)
    o_group = torch.arange(out_channels) // (out_channels // groups)
    c_group = torch.arange(in_channels) // (in_channels // groups)
    w[o_group[:, None] != c_group[None, :]] = 0
    return x[:in_channels], w, b[:out_channels]


def pointwise_scene(in_channels: int = 3, out_channels: int = 4, stride: int = 1, size: int = 5, groups: int = 1) -> Scene:
    """A 1×1 convolution at one pixel: ``y = W x + b`` with numbers (chapter 04).

    Left: the input's ``size × size`` pixels (every one has ``C_in`` channels); the
    highlighted pixel is the one the matrix is applied to, pink pixels are
    skipped by the stride. Middle: that pixel's channel vector ``x`` (a row above the
    matrix, one entry per column of ``W``), the ``C_out × C_in`` weights ``W``, the bias
    ``b`` and the output vector ``y``: ``y[o]`` is row ``o`` of ``W`` times ``x``, plus
    ``b[o]``. With ``groups > 1`` the weights outside the diagonal blocks, zeros that
    are not stored, are left blank. Right: the output's pixels, with the pixel ``y`` is written to.

    Args:
        in_channels: ``C_in``, 1 to 6.
        out_channels: ``C_out``, 1 to 6.
        stride: keep every ``stride``-th pixel in each direction.
        size: input height and width.
        groups: 1 for the ordinary 1×1 convolution; more makes ``W`` block-diagonal.

    Raises:
        ValueError: in one line, naming the argument, for an impossible setting.
    """
    for value, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if not 1 <= value <= MAX_CHANNELS:
            raise ValueError(f"{name} must be between 1 and {MAX_CHANNELS} in this diagram, got {value}")
    check_groups(in_channels, out_channels, groups)
    out = conv_output_size(size, 1, stride)
    row = col = min(1, out - 1)  # output pixel shown: (1, 1) when there is one
    src = (row * stride, col * stride)
    x, w, b = example_numbers(in_channels, out_channels, groups)
    y = w @ x + b  # (C_out,)
    # with groups > 1, weights outside the diagonal blocks are not stored: leave those cells blank
    o_group = torch.arange(out_channels) // (out_channels // groups)  # (C_out,)
    c_group = torch.arange(in_channels) // (in_channels // groups)  # (C_in,)
    stored = o_group[:, None] == c_group[None, :]  # (C_out, C_in)
    w_cells = "".join("i" if s else "." for s in stored.flatten().tolist())
    w_text = [str(int(v)) if s else "" for v, s in zip(w.flatten().tolist(), stored.flatten().tolist())]

    read = {(r * stride, c * stride) for r in range(out) for c in range(out)}
    cells = "".join("k" if (r, c) == src else ("i" if (r, c) in read else "x") for r in range(size) for c in range(size))
    out_cells = "".join("k" if (r, c) == (row, col) else "o" for r in range(out) for c in range(out))

    x0 = size + GAP + 1  # the matrix block
    top = 3  # W's first row; x sits above it, with room for both labels
    vmax = 4.0
    grids = [
        Grid("input", 0, top, size, size, cells, label=f"input {size}×{size}"),
        Grid("pixel_in", x0, 1, 1, in_channels, "c", label=f"x at {src}",
             text=[str(int(v)) for v in x]),
        Grid("weight", x0, top, out_channels, in_channels, w_cells, label="W", values=[float(v) for v in w.flatten()],
             vmax=vmax, text=w_text),
        Grid("bias", x0 + in_channels + 1, top, out_channels, 1, "c", label="b", text=[str(int(v)) for v in b]),
        Grid("pixel_out", x0 + in_channels + 3, top, out_channels, 1, "o", label="y", text=[str(int(v)) for v in y]),
        Grid("output", x0 + in_channels + 3 + 1 + GAP, top, out, out, out_cells, label=f"output {out}×{out}"),
    ]
    weights = conv_params(in_channels, out_channels, 1, groups=groups, bias=False)
    per_pixel = conv_macs(in_channels, out_channels, 1, 1, groups=groups)
    first = " + ".join(f"({int(a)})·({int(v)})" for a, v, s in zip(w[0], x, stored[0]) if s)
    lines = [
        f"input {_plural(in_channels, 'channel')} → output {_plural(out_channels, 'channel')}; "
        f"stride {stride}: output pixel {(row, col)} reads input pixel {src}",
        f"y = W x + b; first row: y[0] = {first} + ({int(b[0])}) = {int(y[0])}",
        f"parameters: {out_channels}·{in_channels // groups} weights + {_plural(out_channels, 'bias')} "
        f"= {_plural(weights + out_channels, 'parameter')}"
        + (f" (groups {groups}: blank cells of W are zeros, not stored)" if groups > 1 else ""),
        f"multiply-adds: {per_pixel} per output pixel × {out * out} output pixels = {per_pixel * out * out}",
    ]
    return Scene(grids=grids, lines=lines)
