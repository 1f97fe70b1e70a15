"""Scenes for chapter 05, "Transposed convolution".

Three diagrams, each computed from a configuration:

* :func:`zero_insertion_scene`: the input with ``stride − 1`` zeros between its
  pixels, padded by ``d(k−1) − p`` (plus ``output_padding`` at the end), and the
  flipped kernel sliding over it at stride 1 (Dumoulin & Visin's picture);
* :func:`conv_matrix_scene`: the matrix ``C`` of a small convolution and its
  transpose ``Cᵀ``, the matrix of the transposed convolution;
* :func:`checkerboard_scene`: how many input contributions each output pixel of a
  transposed convolution receives (its *overlap*), next to resize-then-convolve.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .._args import IntOrTuple, check_positive, ntuple
from ..arithmetic import conv_transpose_output_size, same_padding
from ..ops.matrix import conv_matrix
from ..ops.transposed import conv_transpose2d
from ..scene import Grid, Scene, Window

__all__ = [
    "transposed_output_size_formula",
    "zero_insertion_scene",
    "conv_matrix_scene",
    "overlap_counts",
    "resize_conv_counts",
    "checkerboard_input_size",
    "overlap_summary",
    "checkerboard_scene",
]

GAP = 2  # cells between neighbouring grids


def transposed_output_size_formula(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> str:
    """The transposed output-size formula with the numbers filled in (chapter 05).

    >>> transposed_output_size_formula(3, 3, 2, 1, 1)
    'o′ = s(i′−1) + a + k − 2p = 2·(3−1) + 1 + 3 − 2·1 = 6'
    """
    out = conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
    if dilation == 1:
        return (
            f"o′ = s(i′−1) + a + k − 2p = "
            f"{stride}·({size}−1) + {output_padding} + {kernel_size} − 2·{padding} = {out}"
        )
    return (
        f"o′ = s(i′−1) − 2p + d(k−1) + a + 1 = "
        f"{stride}·({size}−1) − 2·{padding} + {dilation}·({kernel_size}−1) + {output_padding} + 1 = {out}"
    )


def _kinds(size: int, kernel_size: int, stride: int, padding: int, output_padding: int, dilation: int) -> str:
    """Along one dimension of the stretched grid: 'i' (an input pixel), 'z' (an inserted zero), 'p' (padding)."""
    inserted = stride * (size - 1) + 1  # the input with stride − 1 zeros between neighbours
    edge = dilation * (kernel_size - 1) - padding  # zeros on each side; negative means a crop
    kinds = []
    for r in range(inserted + 2 * edge + output_padding):
        pos = r - edge  # position inside the zero-inserted input
        kinds.append("p" if not 0 <= pos < inserted else ("i" if pos % stride == 0 else "z"))
    return "".join(kinds)


def zero_insertion_scene(
    size: IntOrTuple = 2,
    kernel_size: IntOrTuple = 3,
    stride: IntOrTuple = 2,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Scene:
    """A transposed convolution drawn as an ordinary one (chapter 05, "Transposed convolution").

    The input (its pixels numbered) is stretched by inserting ``stride − 1`` zeros
    (``z`` cells) between neighbours, padded by ``d(k−1) − p`` zeros on each side
    (a negative amount crops instead) and by ``output_padding`` more at the bottom
    and right; the kernel, flipped, then slides over it at stride 1 and writes the
    output of ``torch.nn.ConvTranspose2d`` with the same arguments.

    Args:
        size: input height and width ``i′``, an int or ``(h, w)``.
        kernel_size, stride, padding, output_padding, dilation: as ``torch.nn.ConvTranspose2d``.

    Raises:
        ValueError: naming the argument, for an impossible configuration (see
            :func:`convlib.arithmetic.conv_transpose_output_size`).
    """
    args = [ntuple(v, 2, n) for v, n in ((size, "size"), (kernel_size, "kernel_size"), (stride, "stride"),
                                         (padding, "padding"), (output_padding, "output_padding"), (dilation, "dilation"))]
    per_dim = list(zip(*args))  # [(i, k, s, p, a, d) for height, for width]
    for i, k, s, p, a, d in per_dim:  # the widget's one-line reasons, in the chapter's words (it has no dilation)
        if d == 1 and s >= 1 and a >= s:
            raise ValueError(f"output padding {a} must be smaller than the stride {s}: it picks one of the {s} "
                             f"input sizes a stride-{s} convolution maps to the same output")
        if d == 1 and min(i, k, s) >= 1 and 0 <= a < s and s * (i - 1) + a + k - 2 * p < 1:
            raise ValueError(f"padding {p} crops away the whole output")
    out = [conv_transpose_output_size(*dim) for dim in per_dim]
    rows, cols = (_kinds(*dim) for dim in per_dim)
    (ih, iw), (kh, kw) = args[0], args[1]
    edges = [d * (k - 1) - p for i, k, s, p, a, d in per_dim]  # zeros added on each side (negative: cropped)
    cells, text = [], []
    for y, r in enumerate(rows):
        for x, c in enumerate(cols):
            cells.append("i" if r == c == "i" else ("p" if "p" in (r, c) else "z"))
            row, col = (y - edges[0]) // per_dim[0][2], (x - edges[1]) // per_dim[1][2]
            text.append(str(row * iw + col + 1) if cells[-1] == "i" else "")  # the input pixel it holds
    left = max(iw, kw) + GAP
    height = max(len(rows), ih + GAP + kh)
    flipped = [str(kh * kw - n) for n in range(kh * kw)]  # the kernel's taps, numbered, rotated by 180°
    scene = Scene(
        grids=[
            Grid("input", 0, 0, ih, iw, "i", label=f"input {ih}×{iw}", text=[str(n) for n in range(1, ih * iw + 1)]),
            Grid("kernel", 0, ih + GAP, kh, kw, "k", label="kernel, flipped", text=flipped),
            Grid("stretched", left, 0, len(rows), len(cols), "".join(cells), label="zeros inserted, padded", text=text),
            Grid("output", left + len(cols) + GAP, (height - out[0]) / 2, out[0], out[1], "o",
                 label=f"output {out[0]}×{out[1]}"),
        ],
        windows=[Window("stretched", "output", out[0], out[1], (kh, kw), (1, 1), args[5])],
    )
    i, k, s, p, a, d = per_dim[0]
    scene.lines.append(transposed_output_size_formula(i, k, s, p, a, d))
    scene.lines.append(f"zero insertion: s−1 = {s - 1} zero{'' if s - 1 == 1 else 's'} between neighbours, {i} pixels → {s * (i - 1) + 1}")
    edge = d * (k - 1) - p
    rule = f"k−1−p = {k}−1−{p}" if d == 1 else f"d(k−1)−p = {d}·({k}−1)−{p}"  # d only where it is not 1
    if edge >= 0:
        border = f"padding {rule} = {edge} on each side"
    else:
        border = f"{rule} = {edge} < 0: crop {-edge} from each side"
    scene.lines.append(border + (f", plus output_padding {a} at the end" if a else ""))
    scene.lines.append("then the flipped kernel slides at stride 1: one step per output pixel")
    return scene


def conv_matrix_scene(size: int = 4, kernel_size: int = 3, stride: int = 1, padding: int = 0) -> Scene:
    """The kernel, its convolution matrix ``C`` and the transpose ``Cᵀ`` (chapter 05).

    The kernel's taps hold 1, 2, …, k² so that each entry of the matrices shows which
    tap it is. ``C`` has one row per output pixel and one column per input pixel;
    ``Cᵀ`` maps the small output back to the input's shape.

    Raises:
        ValueError: naming the argument (see :func:`convlib.ops.conv_matrix`).
    """
    check_positive((kernel_size,), "kernel_size")
    weight = torch.arange(1.0, kernel_size**2 + 1).reshape(kernel_size, kernel_size)  # (k, k)
    c = conv_matrix(weight, size, stride, padding)  # (H_out·W_out, H·W)
    rows, cols = c.shape

    side = int(math.isqrt(rows))
    vmax = 1.5 * kernel_size**2  # keeps the darkest cell light enough to read its number

    def grid(name: str, x: float, m: Tensor, label: str) -> Grid:
        flat = [float(v) for v in m.flatten()]
        return Grid(name, x, 0, m.shape[0], m.shape[1], "i", label=label, values=flat, vmax=vmax,
                    text=[f"{v:g}" if v else "" for v in flat])

    left = max(kernel_size, size) + GAP
    numbered = Grid("input", 0, kernel_size + GAP, size, size, "i", label="input pixels",
                    text=[str(n) for n in range(1, size * size + 1)])
    outputs = Grid("output", 0, kernel_size + size + 2 * GAP, side, rows // side, "o", label="output pixels",
                   text=[str(n) for n in range(1, rows + 1)])
    return Scene(
        grids=[
            grid("kernel", 0, weight, f"kernel {kernel_size}×{kernel_size}"),
            numbered,
            outputs,
            grid("C", left, c, f"C: {rows}×{cols} (row = output pixel, column = input pixel)"),
            grid("CT", left + cols + GAP, c.T, f"Cᵀ: {cols}×{rows}"),
        ],
        lines=[
            f"convolution: y = C x, a {size}×{size} input ({cols} values) → {rows} outputs",
            f"transposed convolution: Cᵀ y, {rows} values → {cols}, the input's shape",
        ],
    )


def checkerboard_input_size(kernel_size: int, stride: int) -> int:
    """Input side used by :func:`checkerboard_scene`: 4, or more so that a full period of the pattern is interior."""
    return max(4, math.ceil((kernel_size - 2) / stride) + 2)


def overlap_counts(kernel_size: int, stride: int, size: int = 4) -> Tensor:
    """How many input contributions each output pixel of a transposed convolution gets (chapter 05).

    It is ``conv_transpose2d`` of a ``size × size`` input of ones with a ``k × k``
    kernel of ones: every input pixel adds 1 to the ``k × k`` patch it scatters to.

    Returns:
        Tensor[o, o]: with ``o = s(size − 1) + k``.
    """
    check_positive((kernel_size,), "kernel_size")
    check_positive((stride,), "stride")
    check_positive((size,), "size")
    ones = torch.ones(1, 1, size, size)  # (1, 1, size, size)
    return conv_transpose2d(ones, torch.ones(1, 1, kernel_size, kernel_size), stride=stride)[0, 0]  # (o, o)


def resize_conv_counts(kernel_size: int, stride: int, size: int = 4) -> Tensor:
    """The same count for resize-then-convolve: nearest upsampling by ``stride``, then a ``k × k`` 'same' convolution.

    Returns:
        Tensor[size·s, size·s]: ``k²`` wherever the window lies inside the upsampled image.
    """
    check_positive((kernel_size,), "kernel_size")
    check_positive((stride,), "stride")
    check_positive((size,), "size")
    up = F.interpolate(torch.ones(1, 1, size, size), scale_factor=stride, mode="nearest")  # (1, 1, s·size, s·size)
    before, after = same_padding(kernel_size)
    up = F.pad(up, (before, after, before, after))  # zeros: the 'same' padding
    return F.conv2d(up, torch.ones(1, 1, kernel_size, kernel_size))[0, 0]  # (s·size, s·size)


def _many(count: int) -> str:
    return f"{count} contribution" + ("" if count == 1 else "s")


def _interior(counts: Tensor, lo: int, hi: int) -> list[int]:
    """Distinct values of ``counts[lo:hi+1, lo:hi+1]``, sorted."""
    return sorted({int(v) for v in counts[lo : hi + 1, lo : hi + 1].flatten()})


def overlap_summary(kernel_size: int, stride: int) -> tuple[str, str]:
    """Two lines, read off the counts: is the transposed convolution's overlap even, and resize-conv's (chapter 05).

    The interior is where the finite input does not matter: output rows and columns
    ``k−1 … s(n−1)`` for the transposed convolution (every input that could reach them
    exists), and the positions whose window stays inside the image for resize-conv.
    """
    n = checkerboard_input_size(kernel_size, stride)
    inside = _interior(overlap_counts(kernel_size, stride, n), kernel_size - 1, stride * (n - 1))
    k, s = kernel_size, stride
    if len(inside) > 1:
        shown = ", ".join(map(str, inside[:-1])) + f" or {inside[-1]}"
        first = f"uneven overlap: k={k} not divisible by s={s}; interior outputs receive {shown} contributions"
        first += " (0: a hole)" if inside[0] == 0 else ""
    else:
        first = f"even overlap: k={k} divisible by s={s}; every interior output receives {_many(inside[0])}"
    before, after = same_padding(kernel_size)
    resized = _interior(resize_conv_counts(kernel_size, stride, n), before, n * stride - 1 - after)
    if len(resized) == 1:
        second = f"resize-then-convolve: every interior output receives {_many(resized[0])}"
    else:
        second = f"resize-then-convolve: uneven, interior outputs receive {', '.join(map(str, resized))} contributions"
    return first, second


def checkerboard_scene(kernel_size: int = 3, stride: int = 2) -> Scene:
    """Overlap counts of a transposed convolution next to resize-then-convolve (chapter 05).

    Both act on an ``n × n`` input of ones with a ``k × k`` kernel of ones, so each
    output pixel shows how many input values it sums. The transposed convolution's
    counts are uneven in the interior (a checkerboard) exactly when ``k`` is not
    divisible by ``s`` (Odena et al., 2016); resize-then-convolve's are uniform.

    Raises:
        ValueError: naming the argument, for a non-positive kernel size or stride.
    """
    for value, name in ((kernel_size, "kernel_size"), (stride, "stride")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    n = checkerboard_input_size(kernel_size, stride)
    counts, resized = overlap_counts(kernel_size, stride, n), resize_conv_counts(kernel_size, stride, n)
    o, r = counts.shape[0], resized.shape[0]

    def heat(name: str, x: float, m: Tensor, label: str) -> Grid:
        flat = [float(v) for v in m.flatten()]
        return Grid(name, x, 0, m.shape[0], m.shape[1], "o", label=label, values=flat, vmax=1.5 * max(flat),
                    text=[f"{v:g}" for v in flat])

    first, second = overlap_summary(kernel_size, stride)
    return Scene(
        grids=[
            # the input grows past 4×4 when a 4×4 one would leave no interior output: say so
            Grid("input", 0, 0, n, n, "i", label=f"input {n}×{n} of ones" + ("" if n == 4 else f", not 4×4 (k={kernel_size})")),
            heat("transposed", n + GAP, counts, f"transposed conv → {o}×{o}"),
            heat("resized", n + GAP + o + GAP, resized, f"resize ×{stride}, then conv → {r}×{r}"),
        ],
        lines=[
            f"transposed: o′ = s(i′−1) + k = {stride}·({n}−1) + {kernel_size} = {o}",
            f"resize-conv: i′·s = {n}·{stride} = {r}, then a {kernel_size}×{kernel_size} 'same' convolution",
            first,
            second,
        ],
    )
