"""Scenes for chapter 03, "1D and 3D convolution".

Two diagrams:

* :func:`volume_conv_scene` lays a volume out as a film strip of depth slices
  (video frames, or the slices of a scan) and contrasts a 2D convolution over
  the full depth (the slices are channels: the kernel is as deep as the input
  and the output is one 2D map per filter) with a true 3D convolution (the
  kernel is shallower and also slides along depth: the output is a volume).
* :func:`causal_stack_scene` draws a stack of 1D convolutions, one row per
  layer, and links one output to every input it reads, as in WaveNet's
  figure of causal, dilated convolutions.
"""

from __future__ import annotations

from ..arithmetic import conv_output_size, same_padding
from ..scene import Grid, Link, Scene, Window

__all__ = ["VOLUME_MODES", "DILATIONS", "volume_conv_scene", "causal_dilations", "causal_stack_scene"]

#: The two modes of :func:`volume_conv_scene`.
VOLUME_MODES = ("2D over full depth", "3D")
_CONE = "#d94801"  # links of the traced receptive field


def _positive(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _depth_output(depth: int, kernel_depth: int, stride: int) -> int:
    """Output depth ``⌊(D − kd)/s⌋ + 1``, with errors that name ``kernel_depth``."""
    try:
        return conv_output_size(depth, kernel_depth, stride)
    except ValueError as exc:
        if str(exc).startswith("kernel_size too large"):
            raise ValueError(
                f"kernel_depth too large: a kernel {kernel_depth} slices deep does not fit a volume {depth} slices deep"
            ) from None
        raise


def volume_conv_scene(
    mode: str = "3D",
    depth: int = 5,
    kernel_depth: int = 3,
    kernel_size: int = 3,
    stride: int = 1,
    out_slice: int = 0,
    size: int = 4,
) -> Scene:
    """A one-channel volume convolved by one filter, in one of two modes (chapter 03).

    The input's ``depth`` slices (each ``size × size``) form the top row. In
    ``"2D over full depth"`` mode the slices are the channels of a
    ``Conv2d(depth, 1, kernel_size, stride)``: the kernel has ``depth`` slices,
    covers every input slice at once and writes a single 2D map. In ``"3D"``
    mode a ``Conv3d(1, 1, (kernel_depth, kernel_size, kernel_size), stride)``
    kernel covers ``kernel_depth`` slices and steps along depth by ``stride``,
    writing ``D_out = ⌊(depth − kernel_depth)/stride⌋ + 1`` output slices.
    The kernel's slices are drawn under the input slices they cover while it
    writes output slice ``out_slice``, and one window per covered slice steps
    through the output positions of that slice. No padding: chapter 02 covers it.

    Args:
        mode: one of :data:`VOLUME_MODES`.
        depth: input depth ``D`` (slices, frames).
        kernel_depth: ``kd`` in 3D mode; ignored in 2D mode, where it equals ``depth``.
        kernel_size: the kernel's height and width.
        stride: the step in every moving dimension (depth too, in 3D mode).
        out_slice: which output slice the kernel is shown writing.
        size: height and width of each slice.

    Raises:
        ValueError: a one-line message naming the argument, e.g. when the kernel
            does not fit or ``out_slice`` is not an output slice.
    """
    if mode not in VOLUME_MODES:
        raise ValueError(f"mode must be one of {list(VOLUME_MODES)}, got {mode!r}")
    for value, name in ((depth, "depth"), (kernel_depth, "kernel_depth"), (kernel_size, "kernel_size"),
                        (stride, "stride"), (size, "size")):
        _positive(value, name)
    if not isinstance(out_slice, int) or isinstance(out_slice, bool) or out_slice < 0:
        raise ValueError(f"out_slice must be a non-negative int, got {out_slice!r}")
    out_hw = conv_output_size(size, kernel_size, stride)
    three_d = mode == "3D"
    kd = kernel_depth if three_d else depth
    d_out = _depth_output(depth, kd, stride) if three_d else 1
    if out_slice >= d_out:
        if not three_d:
            raise ValueError(f"out_slice must be 0: a 2D convolution over the full depth writes one slice per filter, got {out_slice}")
        slices = "only slice 0" if d_out == 1 else f"slices 0 to {d_out - 1}"
        raise ValueError(f"out_slice (output slice) {out_slice} does not exist: the output has {d_out} "
                         f"slice{'s' if d_out > 1 else ''} ({slices}); lower the output slice")

    pitch = size + 1  # columns per slice, gap included
    first = out_slice * stride if three_d else 0  # first input slice under the kernel
    k_top, o_top = size + 2, size + 2 + kernel_size + 2
    scene = Scene()
    for d in range(depth):
        scene.grids.append(Grid(f"in{d}", d * pitch, 0, size, size, "i", label=f"in z={d}"))
    for a in range(kd):
        scene.grids.append(Grid(f"k{a}", (first + a) * pitch + (size - kernel_size) / 2, k_top,
                                kernel_size, kernel_size, "k", label=f"j_D={a}"))
    for j in range(d_out):
        # 3D: under the first input slice it reads; 2D: centred under the whole strip it sums
        x = j * stride * pitch + (size - out_hw) / 2 if three_d else (depth * pitch - 1 - out_hw) / 2
        label = f"out z={j}" if three_d else "out (2D)"
        scene.grids.append(Grid(f"out{j}", x, o_top, out_hw, out_hw, "o", label=label))
        if j != out_slice:
            continue
        for a in range(kd):
            scene.windows.append(Window(f"in{first + a}", f"out{j}", out_hw, out_hw,
                                        (kernel_size, kernel_size), (stride, stride)))
    if three_d:
        scene.lines += [
            f"3D: Conv3d(1, 1, kernel_size=({kd}, {kernel_size}, {kernel_size}), stride={stride}); the kernel also slides along depth",
            f"depth: ⌊({depth} − {kd})/{stride}⌋ + 1 = {d_out};  height, width: ⌊({size} − {kernel_size})/{stride}⌋ + 1 = {out_hw}",
            f"output (N, C, D, H, W) = (1, 1, {d_out}, {out_hw}, {out_hw}): a volume; output slice {out_slice} reads "
            f"input slices {first}–{first + kd - 1}",
        ]
    else:
        scene.lines += [
            f"2D over full depth: Conv2d({depth}, 1, kernel_size={kernel_size}, stride={stride}); the {depth} slices are channels",
            f"kernel depth = input depth = {depth}; height, width: "
            f"⌊({size} − {kernel_size})/{stride}⌋ + 1 = {out_hw}",
            f"output (N, C, H, W) = (1, 1, {out_hw}, {out_hw}): one 2D map per filter, the depth is summed away",
        ]
    scene.lines.append(f"weights per filter: {kd}·{kernel_size}·{kernel_size} = {kd * kernel_size * kernel_size}")
    return scene


#: The dilation schedules of :func:`causal_stack_scene`.
DILATIONS = ("doubling", "none")


def causal_dilations(layers: int, dilation: str = "doubling") -> list[int]:
    """Dilation of each layer: ``1, 2, 4, …`` (WaveNet) or all ``1`` (chapter 03).

    >>> causal_dilations(4)
    [1, 2, 4, 8]
    """
    _positive(layers, "layers")
    if dilation not in DILATIONS:
        raise ValueError(f"dilation must be one of {list(DILATIONS)}, got {dilation!r}")
    return [2**i if dilation == "doubling" else 1 for i in range(layers)]


def causal_stack_scene(
    layers: int = 4,
    kernel_size: int = 2,
    dilation: str = "doubling",
    padding: str = "causal",
    position: int = 15,
    length: int = 16,
) -> Scene:
    """A stack of 1D convolutions and the inputs one output reads (chapter 03).

    Row 0 at the bottom is the input sequence, each row above it a layer's
    output; every layer keeps the length, thanks to zero padding drawn in grey.
    ``"causal"`` padding puts all ``(k−1)·d`` zeros on the left, so output ``t``
    reads only inputs ``≤ t``; ``"centred"`` pads both sides as PyTorch's
    ``padding='same'`` (an odd number of zeros puts the extra one on the right)
    and lets the output read the future. Starting from output ``position`` of
    the top layer, links follow every tap down to the input: the cells they
    reach are orange, or pink where they are padding zeros; at the bottom they
    span the receptive field, ``1 + Σ_l (k−1)·d_l`` wide.

    Args:
        layers: number of convolution layers.
        kernel_size: taps per layer ``k``.
        dilation: ``"doubling"`` (``d_l = 2^l``, WaveNet) or ``"none"`` (all 1).
        padding: ``"causal"`` or ``"centred"``.
        position: the traced output position ``t``.
        length: the sequence length.

    Raises:
        ValueError: a one-line message naming the argument.
    """
    for value, name in ((layers, "layers"), (kernel_size, "kernel_size"), (length, "length")):
        _positive(value, name)
    dilations = causal_dilations(layers, dilation)
    if padding not in ("causal", "centred"):
        raise ValueError(f"padding must be 'causal' or 'centred', got {padding!r}")
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < length:
        raise ValueError(f"position must be an output position, 0 to {length - 1}, got {position!r}")

    pads = [((kernel_size - 1) * d, 0) if padding == "causal" else same_padding(kernel_size, d) for d in dilations]
    left_most = max(lo for lo, _ in pads)
    # cone[l]: positions of row l (0 = input) that the traced output reads, through every path.
    cone: list[set[int]] = [set() for _ in range(layers + 1)]
    cone[layers] = {position}
    links: list[tuple[int, int, int]] = []  # (row above, position above, position below)
    for row in range(layers, 0, -1):
        (lo, _), d = pads[row - 1], dilations[row - 1]
        for t in sorted(cone[row]):
            if not 0 <= t < length:  # a padding zero depends on nothing
                continue
            for a in range(kernel_size):
                below = t - lo + a * d
                links.append((row, t, below))
                cone[row - 1].add(below)

    scene = Scene()
    for row in range(layers + 1):
        lo, hi = pads[row] if row < layers else (0, 0)
        cells = "".join(
            ("x" if t in cone[row] else "p") if not 0 <= t < length  # pink: a padding zero that is read
            else ("k" if t in cone[row] else ("i" if row == 0 else "o"))
            for t in range(-lo, length + hi)
        )
        label = "input x" if row == 0 else f"layer {row} (d={dilations[row - 1]})"
        label += " — output" if row == layers and row else ""
        scene.grids.append(Grid(f"row{row}", left_most - lo, 3 * (layers - row), 1, lo + length + hi, cells, label=label))
    for row, t, below in links:
        lo_below = pads[row - 1][0]
        lo_above = pads[row][0] if row < layers else 0
        scene.links.append(Link(f"row{row}", 0, lo_above + t, f"row{row - 1}", 0, lo_below + below, _CONE))

    real = sorted(t for t in cone[0] if 0 <= t < length)
    future = [t for t in real if t > position]
    zeros = sum(1 for row in range(layers) for t in cone[row] if not 0 <= t < length)  # pink cells, every row
    # Zeros right of the sequence stand where future values would be: reading one is not causal either.
    future_zeros = sum(1 for row in range(layers) for t in cone[row] if t >= length)
    after = " and ".join(
        f"{n} {word}{'s' * (n != 1)}" for n, word in ((len(future), "input"), (future_zeros, "zero")) if n
    )
    field = 1 + sum((kernel_size - 1) * d for d in dilations)
    scene.lines += [
        f"dilations {', '.join(map(str, dilations))}; zeros per layer (left, right): {' '.join(f'({lo},{hi})' for lo, hi in pads)}",
        f"receptive field 1 + Σ (k−1)·d = 1 + {kernel_size - 1}·({' + '.join(map(str, dilations))}) = {field}",
        f"output t={position} reads {len(real)} input{'s' * (len(real) != 1)} "
        + (f"({real[0]}…{real[-1]})" if len(real) > 1 else f"(x[{real[0]}])")
        + (f" and {zeros} padding zero{'s' * (zeros != 1)} (pink)" if zeros else "")
        + (f"; {after} after t: not causal" if after else "; nothing after t: causal"),
    ]
    return scene
