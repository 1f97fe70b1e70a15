"""Scenes for chapter 02, "Arithmetic": a kernel's steps, pooling windows, receptive fields.

Every size on these diagrams comes from :mod:`convlib.arithmetic` (or from
running the PyTorch layer), never from arithmetic done here by hand.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._args import IntOrTuple, ntuple
from ..arithmetic import conv_output_size, effective_kernel_size, receptive_field
from ..scene import Grid, Link, Scene, Window

__all__ = ["conv_scene", "output_size_formula", "read_positions", "pool_scene", "receptive_field_scene"]

GAP = 2  # cells between neighbouring grids


def _pair(value: IntOrTuple, name: str) -> tuple[int, int]:
    return ntuple(value, 2, name)  # type: ignore[return-value]


def output_size_formula(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> str:
    """The output-size formula of one dimension with the numbers filled in (chapter 02).

    >>> output_size_formula(5, 3, 2, 1)
    'o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = ⌊(5 + 2·1 − 1·(3−1) − 1)/2⌋ + 1 = 3'
    """
    out = conv_output_size(size, kernel_size, stride, padding, dilation)
    return (
        f"o = ⌊(i + 2p − d(k−1) − 1)/s⌋ + 1 = "
        f"⌊({size} + 2·{padding} − {dilation}·({kernel_size}−1) − 1)/{stride}⌋ + 1 = {out}"
    )


def read_positions(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> list[int]:
    """Positions of the padded input (``0 … size+2p−1``) that some kernel tap reads (chapter 02).

    Positions missing from the list are skipped: the floor in the output-size
    formula drops the last ones, and a stride larger than the dilation skips holes.
    """
    out = conv_output_size(size, kernel_size, stride, padding, dilation)
    return sorted({t * stride + a * dilation for t in range(out) for a in range(kernel_size)})


def _padding_label(ih: int, iw: int, ph: int, pw: int) -> str:
    if not (ph or pw):
        return f"input {ih}×{iw}, no padding"
    return f"input {ih}×{iw}, padding {ph}" if ph == pw else f"input {ih}×{iw}, padding {ph}×{pw}"


def conv_scene(
    size: IntOrTuple = 5,
    kernel_size: IntOrTuple = 3,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Scene:
    """The classic convolution-arithmetic diagram (Dumoulin & Visin), as a scene (chapter 02).

    The padded input sits on the left (padding grey and dashed), the output on
    the right, and a window shows which input pixels each output pixel reads: its
    frames step through the output positions with the given stride, and the
    kernel's taps spread apart with the dilation. Input pixels that no kernel
    position ever reads are pink (class ``x``).

    Args:
        size: input height and width, an int or ``(h, w)``.
        kernel_size, stride, padding, dilation: as ``torch.nn.Conv2d``.

    Raises:
        ValueError: naming the argument, when the configuration is impossible
            (see :func:`convlib.arithmetic.conv_output_size`).
    """
    (ih, iw), (kh, kw) = _pair(size, "size"), _pair(kernel_size, "kernel_size")
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride, "stride"), _pair(padding, "padding"), _pair(dilation, "dilation")
    oh = conv_output_size(ih, kh, sh, ph, dh)
    ow = conv_output_size(iw, kw, sw, pw, dw)
    read_rows, read_cols = set(read_positions(ih, kh, sh, ph, dh)), set(read_positions(iw, kw, sw, pw, dw))
    rows, cols = ih + 2 * ph, iw + 2 * pw

    def letter(r: int, c: int) -> str:
        if not (ph <= r < ph + ih and pw <= c < pw + iw):
            return "p"
        return "i" if r in read_rows and c in read_cols else "x"

    cells = "".join(letter(r, c) for r in range(rows) for c in range(cols))
    top = (rows - oh) / 2
    scene = Scene(
        grids=[
            Grid("input", 0, 0, rows, cols, cells, label=_padding_label(ih, iw, ph, pw)),
            Grid("output", cols + GAP, top, oh, ow, "o", label=f"output {oh}×{ow}"),
        ],
        windows=[Window("input", "output", oh, ow, (kh, kw), (sh, sw), (dh, dw))],
    )
    scene.lines.append(output_size_formula(ih, kh, sh, ph, dh).replace("o =", "height: o =", 1))
    if (iw, kw, sw, pw, dw) != (ih, kh, sh, ph, dh):
        scene.lines.append(output_size_formula(iw, kw, sw, pw, dw).replace("o =", "width: o =", 1))
    if (dh, dw) != (1, 1):
        spans = {effective_kernel_size(kh, dh), effective_kernel_size(kw, dw)}
        span = spans.pop() if len(spans) == 1 else f"{effective_kernel_size(kh, dh)}×{effective_kernel_size(kw, dw)}"
        scene.lines.append(f"dilation spreads the {kh}×{kw} kernel's taps over {span} pixel{'' if span == 1 else 's'}: d(k−1)+1")
    skipped = cells.count("x")
    if skipped:
        scene.lines.append(f"pink: {skipped} input pixel{'s' if skipped > 1 else ''} that no kernel position reads")
    return scene


def pool_scene(size: int = 4, kernel_size: int = 2, stride: int | None = None, padding: int = 0,
               mode: str = "max", seed: int = 0) -> Scene:
    """A pooling layer on a small grid of digits: a window with no weights (chapter 02).

    The input holds integers 0–9 drawn with ``seed``; the output holds what
    ``torch.nn.functional.max_pool2d`` (or ``avg_pool2d``) returns, and the window
    walks exactly as a convolution's would.

    Args:
        size: input height and width.
        kernel_size: window size.
        stride: step; ``None`` means ``kernel_size``, PyTorch's default for pooling.
        padding: implicit padding, at most half the window (PyTorch's rule).
        mode: ``"max"`` or ``"avg"``.
        seed: which digits fill the input.

    Raises:
        ValueError: naming the argument, for an unknown mode, a padding over half the
            window, or any configuration ``conv_output_size`` rejects.
    """
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    stride = kernel_size if stride is None else stride
    out = conv_output_size(size, kernel_size, stride, padding)
    if 2 * padding > kernel_size:
        raise ValueError(f"padding must be at most half the window for pooling, got padding {padding} for kernel_size {kernel_size}")
    x = torch.randint(0, 10, (1, 1, size, size), generator=torch.Generator().manual_seed(seed)).float()
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    y = pool(x, kernel_size, stride, padding)  # (1, 1, out, out)
    if tuple(y.shape[2:]) != (out, out):  # cannot happen: the formula is PyTorch's
        raise AssertionError(f"pooling gave {tuple(y.shape[2:])}, the formula {out}")
    rows = size + 2 * padding
    cells = "".join("i" if padding <= r < padding + size and padding <= c < padding + size else "p"
                    for r in range(rows) for c in range(rows))
    text = [f"{int(v)}" for v in x.flatten()]
    padded_text = ["" if cells[r * rows + c] == "p" else text[(r - padding) * size + (c - padding)]
                   for r in range(rows) for c in range(rows)]
    scene = Scene(
        grids=[
            Grid("input", 0, 0, rows, rows, cells, label=f"input {size}×{size}", text=padded_text),
            Grid("output", rows + GAP, (rows - out) / 2, out, out, "o", label=f"{mode} pool {out}×{out}",
                 text=[f"{v:.3g}" for v in y.flatten().tolist()]),
        ],
        windows=[Window("input", "output", out, out, (kernel_size, kernel_size), (stride, stride))],
    )
    scene.lines.append(output_size_formula(size, kernel_size, stride, padding))
    scene.lines.append(f"{mode} of each {kernel_size}×{kernel_size} window; no weights, so no parameters")
    return scene


def _stack(kernel_size: int, stride: int, layers: int, dilation: int) -> nn.Sequential:
    with torch.device("meta"):  # geometry only: no weights are allocated
        return nn.Sequential(*[nn.Conv1d(1, 1, kernel_size, stride, dilation=dilation) for _ in range(layers)])


def receptive_field_scene(kernel_size: int = 3, stride: int = 1, layers: int = 2, dilation: int = 1) -> Scene:
    """A stack of 1D convolutions and the input pixels one top unit sees (chapter 02).

    ``layers`` identical layers (kernel, stride, dilation, no padding) are drawn
    bottom-up over an input just long enough for three top units. Each unit sits
    above the middle of its own receptive field, so units of layer ``l`` are
    ``s^l`` input pixels apart. The middle top unit (green), the units it depends
    on (purple) and the input pixels it sees (blue) are linked; the blue span is
    ``receptive_field(...).size``.

    Raises:
        ValueError: naming the argument, for non-positive sizes or ``layers``.
    """
    if not isinstance(layers, int) or isinstance(layers, bool) or layers < 1:
        raise ValueError(f"layers must be a positive int, got {layers!r}")
    span = effective_kernel_size(kernel_size, dilation)
    if stride < 1:
        raise ValueError(f"stride must be positive (at least 1), got {stride}")
    field = receptive_field(_stack(kernel_size, stride, layers, dilation))
    length = field.size + 2 * field.stride  # three top units
    sizes = [length]
    for _ in range(layers):
        sizes.append(conv_output_size(sizes[-1], kernel_size, stride, 0, dilation))
    cone = [set() for _ in sizes]  # units of each layer that the middle top unit depends on
    cone[-1] = {1}
    for l in range(layers, 0, -1):
        cone[l - 1] = {j * stride + a * dilation for j in cone[l] for a in range(kernel_size)}
    grids, links = [], []
    spacing = [stride**l for l in range(layers + 1)]  # input pixels between neighbouring units
    for l, n in enumerate(sizes):
        first = receptive_field(_stack(kernel_size, stride, l, dilation)).size if l else 1
        cols = (n - 1) * spacing[l] + 1
        inside = "i" if l == 0 else ("o" if l == layers else "c")
        cells = "".join(
            "." if c % spacing[l] else (inside if c // spacing[l] in cone[l] else "z") for c in range(cols)
        )
        label = f"layer {layers}, its middle unit in green" if l == layers else ""  # lower labels would cross the links
        grids.append(Grid(f"layer{l}", (first - 1) / 2, (layers - l) * (1 + GAP), 1, cols, cells, label=label))
        if l:
            for j in sorted(cone[l]):
                for a in range(kernel_size):
                    below = j * stride + a * dilation
                    links.append(Link(f"layer{l}", 0, j * spacing[l], f"layer{l - 1}", 0, below * spacing[l - 1], "#8c6bb1"))
    terms = " + ".join(f"{span - 1}·{stride**l}" for l in range(layers))
    layer = f"k={kernel_size}, s={stride}" + (f", d={dilation}" if dilation > 1 else "")
    lines = [
        f"bottom to top: the input, then {layers} layer{'s' if layers > 1 else ''} with {layer}, no padding",
        f"r₀ = 1 + Σ (k′−1)·Π s = 1 + {terms} = {field.size}  (k′ = d(k−1)+1 = {span})",
        "blue: " + ("the one input pixel" if field.size == 1 else f"the {field.size} input pixels") + " the green unit sees; purple: the units in between",
        f"effective stride Π s = {field.stride}: neighbouring top units see windows {field.stride} pixel{'' if field.stride == 1 else 's'} apart",
    ]
    return Scene(grids=grids[::-1], links=links, lines=lines)
