"""Scenes for chapter 11, "Grouped convolution".

* :func:`grouped_scene`: the input channels, the output channels and a line from
  every input channel to every output channel that reads it, one colour per group;
  beside them the weight as a ``C_out × C_in`` matrix of kernels, block-diagonal,
  with the parameter count in the text lines.
"""

from __future__ import annotations

from ..cost import conv_params
from ..grouped import check_groups_divide, group_connectivity
from ..scene import Grid, Link, Scene

__all__ = ["GROUP_COLOURS", "grouped_scene"]

#: One line colour per group, cycling for more groups than colours.
GROUP_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
MAX_CHANNELS = 16
MIN_WIDTH = 20  # cells: room for the text lines under the drawing


def _plural(n: int, word: str) -> str:
    """``1 weight``, ``288 weights``, ``8 biases``."""
    return f"{n:,} {word}{'' if n == 1 else 'es' if word.endswith('s') else 's'}"


def grouped_scene(in_channels: int = 4, out_channels: int = 4, groups: int = 2, kernel_size: int = 3) -> Scene:
    """Which input channels each output channel sees, and the block-diagonal weight (chapter 11).

    Left, a column of ``C_in`` input channels and a column of ``C_out`` output
    channels, with a line from input ``c`` to output ``o`` whenever ``o`` reads
    ``c``, coloured by group. Right, aligned row by row with the outputs, the
    weight as a ``C_out × C_in`` matrix (its caption names the kernel size): an orange cell is one ``k × k`` kernel
    (numbered by its group), a dashed grey cell is a kernel fixed at zero.

    Args:
        in_channels: ``C_in``, 1 to 16.
        out_channels: ``C_out``, 1 to 16.
        groups: ``g``; must divide both channel counts.
        kernel_size: ``k`` of the square kernel, for the parameter count.

    Raises:
        ValueError: one line naming the count that ``groups`` does not divide, or the
            argument out of range.
    """
    for value, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CHANNELS:
            raise ValueError(f"{name} must be an int from 1 to {MAX_CHANNELS}, got {value!r}")
    if not isinstance(kernel_size, int) or isinstance(kernel_size, bool) or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive int, got {kernel_size!r}")
    check_groups_divide(in_channels, out_channels, groups)
    c_in, c_out, g, k = in_channels, out_channels, groups, kernel_size
    per_in, per_out = c_in // g, c_out // g
    sees = group_connectivity(c_in, c_out, g)
    tall = max(c_in, c_out)
    y_in, y_out = (tall - c_in) / 2, (tall - c_out) / 2
    x_out, x_w = 4, 8
    cells = "".join("k" if c in sees[o] else "p" for o in range(c_out) for c in range(c_in))
    text = [str(o // per_out) if c in sees[o] else "" for o in range(c_out) for c in range(c_in)]
    grids = [
        Grid("in", 0, y_in, c_in, 1, "c", label="in", text=[str(c) for c in range(c_in)]),
        Grid("out", x_out, y_out, c_out, 1, "o", label="out", text=[str(o) for o in range(c_out)]),
        Grid("weight", x_w, y_out, c_out, c_in, cells, label=f"weight, {k}×{k} kernels", text=text),
        Grid("in_port", 0.5, y_in, c_in, 1, "."),  # invisible: lines start at the right edge of the inputs
        Grid("out_port", x_out - 0.5, y_out, c_out, 1, "."),  # ... and end at the left edge of the outputs
    ]
    width = x_w + c_in
    if width < MIN_WIDTH:
        grids.append(Grid("room", width, 0, 1, MIN_WIDTH - width, "."))  # invisible: keeps the text lines inside
    links = [Link("in_port", c, 0, "out_port", o, 0, GROUP_COLOURS[(o // per_out) % len(GROUP_COLOURS)])
             for o in range(c_out) for c in sees[o]]
    weights = c_out * per_in * k * k
    total = conv_params(c_in, c_out, k, groups=g)
    lines = [
        f"groups={g}: {_plural(g, 'group')}, each of {_plural(per_in, 'input')} → {_plural(per_out, 'output')}",
        f"each output channel sees {per_in} of the {_plural(c_in, 'input channel')}",
        f"weight ({c_out}, {per_in}, {k}, {k}): {c_out}·{per_in}·{k}·{k} = {_plural(weights, 'weight')}"
        f" + {_plural(c_out, 'bias')} = {total:,} parameters",
    ]
    if g > 1:
        dense = c_out * c_in * k * k
        lines.append(f"groups=1 would need {c_out}·{c_in}·{k}·{k} = {dense:,} weights: {g}× as many")
    else:
        lines.append("groups=1: the matrix is full, every output sees every input")
    lines.append(f"matrix: row = output, column = input; orange = one {k}×{k} kernel (its group), grey = zero")
    return Scene(grids=grids, links=links, lines=lines)
