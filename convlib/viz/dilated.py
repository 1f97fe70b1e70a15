"""Scenes for chapter 06, "Dilated (atrous) convolution".

* :func:`dilated_kernel_scene`: a ``k×k`` kernel and the same weights spread
  over their dilated window, with zeros in the gaps;
* :func:`dilated_paths_scene`: one output pixel of a stack of stride-1
  dilated convolutions, the paths from it down to the input (one row of every
  layer), and a heat map of how many paths reach each input pixel of its
  window, so that the gridding artifact shows as holes;
* :func:`dilated_stack_scene`: the same, keyed by the controls of the
  chapter's widget.

The counts come from :func:`dilated_path_counts`: along one dimension, a
stack's taps add up, so the number of paths to each input offset is the
convolution of the layers' tap patterns; in 2D it is the outer product of the
1D counts with themselves.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence

from ..arithmetic import effective_kernel_size
from ..scene import Grid, Link, Scene

__all__ = ["dilated_path_counts", "dilated_kernel_scene", "dilated_paths_scene", "dilated_stack_scene"]

GAP = 2  # cells between neighbouring grids
LABEL_COLS = 6  # width of the column of row labels in the path diagram
ROW_STEP = 3  # rows between two layers of the path diagram
TEXT_LIMIT = 13  # heat maps at most this wide print their counts in the cells
HEAT_TOP = 49  # the most paths to one pixel in any widget setting (three 3×3 layers of dilation 1)


_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")  # superscript layer counts in captions


def _positive_int(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _dilations(dilations: Sequence[int]) -> list[int]:
    if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence) or not dilations:
        raise ValueError(f"dilations must be a non-empty sequence of positive ints, one per layer, got {dilations!r}")
    for d in dilations:
        if not isinstance(d, int) or isinstance(d, bool) or d < 1:
            raise ValueError(f"dilations must hold positive ints (1 is an ordinary convolution), got {list(dilations)!r}")
    return list(dilations)


def _add_layer(counts: list[int], kernel_size: int, dilation: int) -> list[int]:
    """Paths one layer further down: every path splits into ``kernel_size`` taps ``dilation`` apart."""
    out = [0] * (len(counts) + effective_kernel_size(kernel_size, dilation) - 1)
    for offset, n in enumerate(counts):
        for j in range(kernel_size):
            out[offset + j * dilation] += n
    return out


def dilated_path_counts(dilations: Sequence[int], kernel_size: int = 3) -> list[int]:
    """Paths from one output pixel to each input offset of a stride-1 dilated stack, along one dimension (chapter 06).

    Entry ``t`` counts the ways to pick one tap per layer whose offsets
    ``j_l·d_l`` (``0 ≤ j_l < k``) add up to ``t``. With all weights equal to 1,
    this is the gradient of the output pixel with respect to each input pixel of
    its window; an entry of 0 is a hole. In 2D the counts are
    ``counts[r] · counts[c]``.

    Args:
        dilations: the dilation of each layer, from the input up.
        kernel_size: ``k`` of every layer.

    Returns:
        ``1 + (k−1)·Σ d_l`` counts, the receptive field's width; they sum to ``k^L``.

    Raises:
        ValueError: for an empty ``dilations``, or a non-positive dilation or kernel size.
    """
    kernel_size = _positive_int(kernel_size, "kernel_size")
    counts = [1]
    for d in _dilations(dilations):
        counts = _add_layer(counts, kernel_size, d)
    return counts


def dilated_kernel_scene(kernel_size: int = 3, dilation: int = 2) -> Scene:
    """A ``k×k`` kernel beside the same weights spread over their dilated window (chapter 06).

    The dilated window is ``k′×k′`` with ``k′ = k + (k−1)(d−1)``
    (:func:`convlib.arithmetic.effective_kernel_size`); its cells between the
    taps are zeros (white, dashed) that the convolution never multiplies.

    Raises:
        ValueError: naming the argument, for a non-positive kernel size or dilation.
    """
    k = _positive_int(kernel_size, "kernel_size")
    d = _positive_int(dilation, "dilation")
    span = effective_kernel_size(k, d)
    names = string.ascii_lowercase if k * k <= 26 else None
    labels = [names[i] if names else str(i) for i in range(k * k)]
    cells, text = [], []
    for r in range(span):
        for c in range(span):
            tap = r % d == 0 and c % d == 0
            cells.append("k" if tap else "z")
            text.append(labels[(r // d) * k + c // d] if tap else "0")
    top = (span - k) / 2
    return Scene(
        grids=[
            Grid("kernel", 0, top, k, k, "k", label=f"kernel {k}×{k}", text=labels),
            Grid("dilated", k + GAP, 0, span, span, "".join(cells), label=f"dilation {d}: {span}×{span} window", text=text),
        ],
        lines=[
            f"k′ = k + (k−1)(d−1) = {k} + {k - 1}·{d - 1} = {span}",
            f"{k * k} weights in {span * span} cells; {span * span - k * k} zeros",
        ],
    )


def _heat_shade(paths: int) -> float:
    """The colour of a pixel reached by ``paths`` paths, on one fixed scale for every setting.

    0 stays 0 (the pixel is drawn blue under it); 1 path is a pale pink (0.15) and
    HEAT_TOP paths or more a mid red (0.55), on a log scale, so that black counts stay readable
    and the same count has the same colour in every setting.
    """
    if paths <= 0:
        return 0.0
    return round(0.15 + 0.4 * min(1.0, math.log(paths) / math.log(HEAT_TOP)), 3)


def _tap_start(kernel_size: int, dilation: int) -> int:
    """How far left of a pixel its window starts, with PyTorch's padding='same' alignment."""
    return (effective_kernel_size(kernel_size, dilation) - 1) // 2


def dilated_paths_scene(dilations: Sequence[int], kernel_size: int = 3, show_heat: bool = True) -> Scene:
    """One output pixel of a stride-1 dilated stack and every path down to its input window (chapter 06).

    Top: one row of every layer, the output on top and the input at the
    bottom (pixels on a path purple, the others grey), with a line from each pixel on a path to the taps it reads (the
    windows are aligned as with ``padding='same'``). Bottom (``show_heat``): the
    ``r×r`` input window as a heat map of how many paths reach each pixel
    (red), where pixels no path reaches — the holes of the gridding artifact —
    are plain blue. The text lines give the receptive field, how many pixels of
    the 2D window are seen, the weights per channel pair, and the number of paths
    in the row drawn and in 2D.

    Args:
        dilations: the dilation of each layer, from the input up.
        kernel_size: ``k`` of every layer.
        show_heat: whether to draw the 2D heat map under the path diagram.

    Raises:
        ValueError: naming the argument, for an empty ``dilations``, or a
            non-positive dilation or kernel size.
    """
    k = _positive_int(kernel_size, "kernel_size")
    ds = _dilations(dilations)
    n = len(ds)
    width = 1 + sum(effective_kernel_size(k, d) - 1 for d in ds)  # r₀ of the stack

    # Which pixels of each layer lie on a path: walk down from the output.
    reached: list[set[int]] = [set() for _ in range(n + 1)]
    reached[n] = {sum(_tap_start(k, d) for d in ds)}
    links: list[Link] = []
    for layer in range(n, 0, -1):
        d = ds[layer - 1]
        for p in sorted(reached[layer]):
            for j in range(k):
                q = p - _tap_start(k, d) + j * d
                reached[layer - 1].add(q)
                links.append(Link(f"a{layer}", 0, p, f"a{layer - 1}", 0, q))

    grids: list[Grid] = []
    for layer in range(n, -1, -1):
        y = ROW_STEP * (n - layer)
        on = "o" if layer == n else "c"  # read pixels purple in every row: blue means "never read" (heat map)
        cells = "".join(on if p in reached[layer] else "p" for p in range(width))
        grids.append(Grid(f"a{layer}", LABEL_COLS, y, 1, width, cells))
        name = "input" if layer == 0 else (f"out, d={ds[layer - 1]}" if layer == n else f"layer {layer}, d={ds[layer - 1]}")
        grids.append(Grid(f"label{layer}", 0, y + 1, 1, LABEL_COLS, ".", label=name))

    counts = dilated_path_counts(ds, k)
    seen_1d = sum(1 for c in counts if c)
    lines = [
        f"receptive field {width}×{width}: r = 1 + (k−1)·Σd = 1 + {k - 1}·({' + '.join(map(str, ds))}) = {width}",
        f"seen: {seen_1d ** 2} of {width ** 2} pixels in the window ({100 * seen_1d ** 2 / width ** 2:.0f}%)"
        + (" — no holes" if seen_1d == width else " — one dilated layer reads a sparse grid by design: blue is never read"
           if n == 1 else " — gridding: the stack leaves holes, blue is never read"),
        f"weights per channel pair: {n} layer{'' if n == 1 else 's'} × {k * k} = {n * k * k}",
        f"paths from the output: {k}{str(n).translate(_SUP)} = {k ** n} in the row drawn, {k * k}{str(n).translate(_SUP)} = {k ** (2 * n)} in 2-D",
    ]
    if show_heat:
        paths = [a * b for a in counts for b in counts]
        values = [_heat_shade(v) for v in paths]  # 3 decimals keep the widget's page light
        heat_cells = "".join("i" if v == 0 else "." for v in values)
        seen_cells = "".join("." if v == 0 else "o" for v in values)
        top = ROW_STEP * n + 1 + GAP
        text = [str(v) if v else "" for v in paths] if width <= TEXT_LIMIT else None
        grids.append(Grid("holes", LABEL_COLS, top, width, width, heat_cells))
        grids.append(Grid("paths", LABEL_COLS, top, width, width, seen_cells, label="paths from the output to each input pixel",
                          values=values, vmax=1.0, text=text))  # type: ignore[arg-type]
        lines.append(f"colour, the same scale in every setting: pale pink 1 path, red {HEAT_TOP} or more; blue 0 paths"
                     + ("" if text else f"; counts are printed in windows up to {TEXT_LIMIT} wide"))
    return Scene(grids=grids, links=links, lines=lines)


def dilated_stack_scene(
    kernel_size: int = 3, layers: int = 3, dilation_1: int = 1, dilation_2: int = 2, dilation_3: int = 4
) -> Scene:
    """The chapter 06 widget's scene: :func:`dilated_paths_scene` of the first ``layers`` dilations.

    Args:
        kernel_size: ``k`` of every layer.
        layers: how many layers (1 to 3); the dilations of the layers above are ignored.
        dilation_1, dilation_2, dilation_3: the dilation of layer 1 (next to the input), 2 and 3.

    Raises:
        ValueError: naming the argument, for a layer count outside 1–3 or a non-positive dilation.
    """
    if not isinstance(layers, int) or isinstance(layers, bool) or not 1 <= layers <= 3:
        raise ValueError(f"layers must be 1, 2 or 3, got {layers!r}")
    chosen = [dilation_1, dilation_2, dilation_3][:layers]
    for i, d in enumerate(chosen, 1):
        _positive_int(d, f"dilation_{i}")
    return dilated_paths_scene(chosen, kernel_size)
