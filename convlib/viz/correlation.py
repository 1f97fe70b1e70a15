"""Scenes for chapter 01, "Convolution and cross-correlation".

Three diagrams, each with the actual numbers in its cells:

* :func:`correlation_scene`: one step of a 2D cross-correlation (or of a true,
  kernel-flipped convolution) on a small integer image, with the product-sum
  of the highlighted output written out;
* :func:`multichannel_scene`: a multi-channel convolution, where each filter is
  a ``C_in × k × k`` volume, each filter makes one output channel, and each
  output channel gets its own bias;
* :func:`im2col_scene`: the same convolution as one matrix product, every
  window unfolded into a row.

The numbers are summed here with plain Python loops over integers, so that the
tests can compare them with ``torch.nn.functional.conv2d`` independently.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import torch

from ..arithmetic import conv_output_size
from ..scene import Grid, Scene, Window

__all__ = ["KERNELS", "IMAGE", "OPERATIONS", "image_kernel", "example_tensors", "correlation_scene", "multichannel_scene", "im2col_scene"]

#: The kernels of the chapter's explorer: integer taps and a divisor (the box blur is ones / 9).
#: Sobel follows the book's one convention, x = [1, 2, 1]ᵀ·[1, 0, −1] and y its transpose (chapters 01, 07).
KERNELS: dict[str, tuple[tuple[tuple[int, ...], ...], int]] = {
    "identity": (((0, 0, 0), (0, 1, 0), (0, 0, 0)), 1),
    "box blur": (((1, 1, 1), (1, 1, 1), (1, 1, 1)), 9),
    "sobel x": (((1, 0, -1), (2, 0, -2), (1, 0, -1)), 1),
    "sobel y": (((1, 2, 1), (0, 0, 0), (-1, -2, -1)), 1),
    "sharpen": (((0, -1, 0), (-1, 5, -1), (0, -1, 0)), 1),
    "shift": (((0, 0, 0), (1, 0, 0), (0, 0, 0)), 1),
}

#: The explorer's 6×6 input: a bright square with a brighter core, off-centre on a dark background.
IMAGE: tuple[tuple[int, ...], ...] = (
    (0, 0, 0, 0, 0, 0),
    (0, 0, 0, 0, 0, 0),
    (0, 0, 4, 4, 4, 4),
    (0, 0, 4, 8, 8, 4),
    (0, 0, 4, 8, 8, 4),
    (0, 0, 4, 4, 4, 4),
)

OPERATIONS = ("cross-correlation", "convolution")
GAP = 2  # cells between neighbouring grids


def image_kernel(name: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The named kernel of :data:`KERNELS` as a ``(3, 3)`` tensor, divisor applied (chapter 01).

    Raises:
        ValueError: if ``name`` is not a key of :data:`KERNELS`.
    """
    taps, divisor = _kernel(name)
    return torch.tensor(taps, dtype=dtype) / divisor


def _kernel(name: str) -> tuple[tuple[tuple[int, ...], ...], int]:
    if name not in KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(KERNELS)}; got {name!r}")
    return KERNELS[name]


def _num(value: Fraction | int) -> str:
    """A cell label: integers as they are, fractions to one decimal, with a true minus sign."""
    value = Fraction(value)
    text = str(value.numerator) if value.denominator == 1 else f"{float(value):.1f}"
    return text.replace("-", "−")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _paren(value: int) -> str:
    return f"({_num(value)})" if value < 0 else _num(value)


def _rot180(taps: Sequence[Sequence[int]]) -> list[list[int]]:
    return [list(reversed(row)) for row in reversed(taps)]


def _correlate(x: Sequence[Sequence[int]], w: Sequence[Sequence[int]]) -> list[list[int]]:
    """Valid cross-correlation of integer lists: ``y[i][j] = Σ_u Σ_v x[i+u][j+v]·w[u][v]``."""
    kh, kw = len(w), len(w[0])
    oh, ow = conv_output_size(len(x), kh), conv_output_size(len(x[0]), kw)
    return [[sum(x[i + u][j + v] * w[u][v] for u in range(kh) for v in range(kw)) for j in range(ow)] for i in range(oh)]


def correlation_scene(
    kernel: str = "sobel x",
    operation: str = "cross-correlation",
    row: int = 1,
    col: int = 1,
    image: Sequence[Sequence[int]] | None = None,
) -> Scene:
    """One output pixel of a 2D cross-correlation or convolution, every number shown (chapter 01).

    The input (default ``IMAGE``, 6×6) is on the left with the window of
    output ``(row, col)`` highlighted and its centre ``(row + 1, col + 1)``, the
    pixel the output sits over, in pink, the kernel in the middle (and, for a true
    convolution, the kernel rotated by 180°, which is what actually slides), and
    the valid output on the right. The text lines spell out the product-sum.

    Args:
        kernel: a key of :data:`KERNELS`.
        operation: ``"cross-correlation"`` (what ``torch.nn.functional.conv2d``
            computes) or ``"convolution"`` (the kernel flipped first).
        row, col: the output pixel to explain.
        image: an integer image (list of rows), at least 3×3; default ``IMAGE``.

    Raises:
        ValueError: naming the argument, for an unknown kernel or operation, an
            output pixel outside the output, or an image that is too small or ragged.
    """
    taps, divisor = _kernel(kernel)
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be 'cross-correlation' or 'convolution'; got {operation!r}")
    x = [list(r) for r in (IMAGE if image is None else image)]
    if not x or any(len(r) != len(x[0]) for r in x) or not all(isinstance(v, int) for r in x for v in r):
        raise ValueError("image must be a rectangular list of rows of ints")
    _check_fits(3, len(x), len(x[0]))
    oh, ow = conv_output_size(len(x), 3), conv_output_size(len(x[0]), 3)
    for value, name, limit in ((row, "row", oh), (col, "col", ow)):
        if not isinstance(value, int) or not 0 <= value < limit:
            raise ValueError(f"{name} must be between 0 and {limit - 1} (the output has {limit} {name}s); got {value!r}")
    flip = operation == "convolution"
    slid = _rot180(taps) if flip else [list(r) for r in taps]
    y = [[Fraction(v, divisor) for v in r] for r in _correlate(x, slid)]

    ih, iw = len(x), len(x[0])
    window = {(row + u, col + v) for u in range(3) for v in range(3)}
    scale = "" if divisor == 1 else f" ÷ {divisor}"
    grids = [
        # the window's centre, pink: the input pixel that output (row, col) sits over
        Grid("input", 0, 0, ih, iw, "".join("x" if (r, c) == (row + 1, col + 1) else "k" if (r, c) in window else "i"
                                            for r in range(ih) for c in range(iw)),
             label=f"input x ({ih}×{iw})", text=[_num(v) for r in x for v in r]),
        Grid("kernel", iw + GAP, 0, 3, 3, "c" if flip else "k", label="kernel w" + scale,
             text=[_num(v) for r in taps for v in r]),
    ]
    if flip:
        grids.append(Grid("flipped", iw + GAP, 4.5, 3, 3, "k", label="w rotated 180°", text=[_num(v) for r in slid for v in r]))
    grids.append(Grid("output", iw + 3 + 2 * GAP, 0, oh, ow,
                      "".join("k" if (r, c) == (row, col) else "o" for r in range(oh) for c in range(ow)),
                      label=f"output y ({oh}×{ow})", text=[_num(v) for r in y for v in r]))

    terms = " + ".join(f"{_num(x[row + u][col + v])}·{_paren(slid[u][v])}" for u in range(3) for v in range(3))
    total = sum(x[row + u][col + v] * slid[u][v] for u in range(3) for v in range(3))
    value = f"{terms} = {_num(total)}" if divisor == 1 else f"({terms}){scale} = {_num(total)}{scale} ≈ {_num(y[row][col])}"
    rot = _rot180(taps)
    if rot == [list(r) for r in taps]:
        note = f"{kernel} is unchanged by a 180° rotation: convolution and cross-correlation agree."
    elif rot == [[-v for v in r] for r in taps]:
        note = f"{kernel} rotated 180° is −({kernel}): the two operations give opposite signs."
    else:
        note = f"{kernel} is not symmetric: rotating it changes the result (a shift goes the other way)."
    pytorch_note, flip_note = " (PyTorch's conv2d)", " (kernel flipped first)"
    formula = "Σ_u,v x[i+u, j+v]·w[u, v]" if not flip else "Σ_u,v x[i+u, j+v]·w[2−u, 2−v]"
    lines = [
        f"{operation}{pytorch_note if not flip else flip_note}: y[i, j] = {formula}",
        f"y[{row}, {col}] = {value}",
        note,
        f"y[{row}, {col}] sits over x[{row + 1}, {col + 1}] (pink), the centre of its window",
    ]
    return Scene(grids=grids, lines=lines)


def _ints(shape: tuple[int, ...], low: int, high: int, seed: int) -> list:
    """Nested lists of reproducible small ints in ``[low, high]`` (the same for every caller)."""
    rng = random.Random(seed)
    flat = [rng.randint(low, high) for _ in range(int(torch.Size(shape).numel()))]
    return torch.tensor(flat).reshape(shape).tolist()


MAX_CHANNELS, MAX_SIZE, MAX_KERNEL = 4, 8, 5
# One fixed pool of numbers: changing a setting slices it, so the other numbers stay put.
_X = _ints((MAX_CHANNELS, MAX_SIZE, MAX_SIZE), 0, 3, seed=1)
_W = _ints((MAX_CHANNELS, MAX_CHANNELS, MAX_KERNEL, MAX_KERNEL), -1, 1, seed=2)
_B = _ints((MAX_CHANNELS,), -2, 2, seed=3)


def _check_fits(k: int, h: int, w: int) -> None:
    """One line for a kernel larger than the input: these scenes have no padding, so it has no valid position."""
    if k > min(h, w):
        raise ValueError(f"kernel_size too large: a {k}×{k} kernel does not fit inside a {h}×{w} input (no padding here)")


def _check_range(value: int, name: str, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high} for a drawing; got {value!r}")


def example_tensors(in_channels: int, out_channels: int, kernel_size: int, size: int) -> tuple[list, list, list]:
    """The integer input ``(C_in, size, size)``, weight ``(C_out, C_in, k, k)`` and bias ``(C_out,)`` the scenes draw."""
    for value, name, high in ((in_channels, "in_channels", MAX_CHANNELS), (out_channels, "out_channels", MAX_CHANNELS),
                              (kernel_size, "kernel_size", MAX_KERNEL), (size, "size", MAX_SIZE)):
        _check_range(value, name, 1, high)
    _check_fits(kernel_size, size, size)
    x = [[r[:size] for r in ch[:size]] for ch in _X[:in_channels]]
    w = [[[r[:kernel_size] for r in ch[:kernel_size]] for ch in f[:in_channels]] for f in _W[:out_channels]]
    return x, w, _B[:out_channels]


def multichannel_scene(in_channels: int = 3, out_channels: int = 2, kernel_size: int = 3, size: int = 5) -> Scene:
    """A multi-channel convolution with bias: filters are volumes, one output channel each (chapter 01).

    Input channels are stacked on the left; each filter is a column of
    ``in_channels`` kernel slices (its ``C_in × k × k`` volume) with its bias
    below; the output channels are on the right. The windows step through the
    output positions on every input channel at once, and the text spells out
    the highlighted output pixel of the first channel as a sum over the input
    channels (one of ``frame_lines`` per window position).

    Args:
        in_channels: ``C_in``, 1 to 4.
        out_channels: ``C_out``, the number of filters, 1 to 4.
        kernel_size: ``k``, 1 to 5.
        size: input height and width, 1 to 8.

    Raises:
        ValueError: naming the argument, for a value out of range or a kernel larger than the input.
    """
    x, w, b = example_tensors(in_channels, out_channels, kernel_size, size)
    k, o = kernel_size, conv_output_size(size, kernel_size)
    partial = [[_correlate(x[c], w[f][c]) for c in range(in_channels)] for f in range(out_channels)]
    y = [[[sum(partial[f][c][i][j] for c in range(in_channels)) + b[f] for j in range(o)] for i in range(o)]
         for f in range(out_channels)]
    step = max(size, k + 1.5) + 1.5  # vertical pitch of one input channel
    fx = size + GAP
    ox = fx + out_channels * (k + GAP)
    grids: list[Grid] = []
    windows: list[Window] = []
    for c in range(in_channels):
        grids.append(Grid(f"x{c}", 0, c * step, size, size, "i", label=f"x[{c}]", text=[_num(v) for r in x[c] for v in r]))
    for f in range(out_channels):
        for c in range(in_channels):
            grids.append(Grid(f"w{f}_{c}", fx + f * (k + GAP), c * step + (size - k) / 2, k, k, "k",
                              label=f"w[{f},{c}]", text=[_num(v) for r in w[f][c] for v in r]))
        grids.append(Grid(f"b{f}", fx + f * (k + GAP) + (k - 1) / 2, in_channels * step, 1, 1, "c",
                          label=f"b[{f}]", text=[_num(b[f])]))
        grids.append(Grid(f"y{f}", ox, f * (o + 1.5), o, o, "o", label=f"y[{f}]", text=[_num(v) for r in y[f] for v in r]))
        for c in range(in_channels):
            windows.append(Window(f"x{c}", f"y{f}", o, o, (k, k)))
    lines = [
        f"weight {out_channels}×{in_channels}×{k}×{k} = {out_channels * in_channels * k * k} number{'' if out_channels * in_channels * k * k == 1 else 's'}: "
        f"{_count(out_channels, 'filter')}, {'each ' if out_channels > 1 else ''}a {in_channels}×{k}×{k} volume; "
        f"bias: {_count(out_channels, 'number')}, one per filter",
        f"output: {_count(out_channels, 'channel')} of {o}×{o}, one per filter",
    ]
    frame_lines = []  # the highlighted pixel of y[0], frame by frame (the windows' row-major order)
    for i in range(o):
        for j in range(o):
            parts = " + ".join(_paren(partial[0][c][i][j]) for c in range(in_channels))
            frame_lines.append(f"y[0][{i}, {j}] = Σ_c (x[c] ⋆ w[0,c])[{i}, {j}] + b[0] = {parts} + {_paren(b[0])} = {_num(y[0][i][j])}")
    return Scene(grids=grids, windows=windows, lines=lines, frame_lines=frame_lines)


def im2col_scene(size: int = 4, kernel_size: int = 3, in_channels: int = 1, out_channels: int = 1) -> Scene:
    """Convolution as one matrix product: unfold every window into a row (im2col), chapter 01.

    On the left the input channels; on their right the unfolded matrix ``X_col``
    with one row per output position and ``C_in·k²`` columns (a heat map with the
    values printed), with the weight reshaped to ``C_out × (C_in·k²)`` below it,
    column under column, so each filter row lines up with the values it
    multiplies; under these their product ``Y = X_col·Kᵀ + b`` (positions ×
    ``C_out``), ``Y``'s first column folded back into an image and the bias ``b``
    (drawn, so that every ``Y`` entry can be checked by hand; below rather
    than further right, so that the figure fits the book's column). The windows pair input
    window ``t`` with row ``t``.

    Args:
        size, kernel_size, in_channels, out_channels: as :func:`multichannel_scene`.

    Raises:
        ValueError: naming the argument, as :func:`multichannel_scene`.
    """
    x, w, b = example_tensors(in_channels, out_channels, kernel_size, size)
    k, o = kernel_size, conv_output_size(size, kernel_size)
    positions, depth = o * o, in_channels * k * k
    rows = [[x[c][i + u][j + v] for c in range(in_channels) for u in range(k) for v in range(k)]
            for i in range(o) for j in range(o)]  # (o·o, C_in·k·k), one window per row
    wmat = [[w[f][c][u][v] for f in range(out_channels)] for c in range(in_channels) for u in range(k) for v in range(k)]
    ymat = [[sum(r[t] * wmat[t][f] for t in range(depth)) + b[f] for f in range(out_channels)] for r in rows]
    step = size + 1.5
    mx = size + GAP
    yx, below = mx, positions + 1.5 + out_channels + 1.5
    fx = yx + out_channels + GAP
    grids = [Grid(f"x{c}", 0, c * step, size, size, "i", label=f"x[{c}]", text=[_num(v) for r in x[c] for v in r])
             for c in range(in_channels)]
    grids += [
        Grid("cols", mx, 0, positions, depth, "i", label=f"X_col: one window per row ({positions}×{depth})",
             values=[float(v) for r in rows for v in r], vmax=6.0, text=[_num(v) for r in rows for v in r]),
        Grid("weight", mx, positions + 1.5, out_channels, depth, "k", label=f"K: one filter per row ({out_channels}×{depth})",
             text=[_num(wmat[t][f]) for f in range(out_channels) for t in range(depth)]),
        Grid("product", yx, below, positions, out_channels, "o", label="Y", text=[_num(v) for r in ymat for v in r]),
        Grid("folded", fx, below, o, o, "o", label=f"y[0] ({o}×{o})", text=[_num(r[0]) for r in ymat]),
        Grid("bias", fx + o + GAP, below, 1, out_channels, "k", label="b", text=[_num(v) for v in b]),
    ]
    windows = [Window(f"x{c}", "folded", o, o, (k, k)) for c in range(in_channels)]
    windows.append(Window("cols", "product", positions, 1, (1, depth)))
    lines = [
        f"X_col: {positions} windows × ({in_channels}·{k}·{k} = {depth}) values = {positions * depth} numbers, "
        f"from an input of {in_channels * size * size}",
        f"Y = X_col · Kᵀ + b, b = ({', '.join(_num(v) for v in b)}) added to every row: ({positions}×{depth}) · ({depth}×{out_channels}) = {positions}×{out_channels}, "
        f"then each column folds back into a {o}×{o} output channel",
    ]
    return Scene(grids=grids, windows=windows, lines=lines)
