"""Scenes and plots for chapter 15, "Deformable convolution".

* :func:`pattern_offsets`: the ``(dy, dx)`` offset of every tap for a named
  deformation (none, shift, scale up, scale down, rotate, random);
* :func:`sampling_points`: where each tap of one output pixel reads, regular
  position plus offset;
* :func:`bilinear_read_weights`: how much of each input pixel those samples
  read (the four bilinear weights of each sample, added up; zero outside);
* :func:`deform_scene`: the regular taps beside a heat map of the deformed
  reads, the chapter's widget;
* :func:`plot_sampling`: the regular and deformed sampling points of several
  output pixels drawn over an image, with matplotlib.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from ..scene import Grid, Link, Scene

__all__ = ["PATTERNS", "pattern_offsets", "sampling_points", "bilinear_read_weights", "heat_fill", "cell_text", "bent_grid_links",
           "deform_scene", "plot_sampling"]

#: the deformations the widget offers
PATTERNS = ("none", "shift", "scale up", "scale down", "rotate", "random")
TURN_DEGREES = 30  # "rotate" turns the grid by this many degrees per unit of strength
SIZE = 11  # the widget's input is SIZE×SIZE
GAP = 2
#: the darkest heat-map fill, as a fraction of the colour scale: black cell text on it keeps a
#: contrast above 4.5:1 in both renderers (matplotlib's RdBu_r and explorer.js's blend)
FILL_MAX = 0.6
IMAGE_ALPHA = 0.45  # plot_sampling draws its image this opaque over white
BENT = "#08519c"  # the bent sampling grid drawn over the widget's heat map
MARK = 0.2  # half the size of the × marking a sample, in cells


def _positive_int(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def pattern_offsets(kernel_size: int, dilation: int = 1, pattern: str = "none", strength: float = 1.0, seed: int = 0) -> list[tuple[float, float]]:
    """The ``(dy, dx)`` offset of each of the ``k²`` taps, row-major, for a named deformation (chapter 15).

    A tap's regular position relative to the kernel centre is ``(u, v) = (d·(i − c), d·(j − c))`` with
    ``c = (k − 1)/2``. ``shift`` moves every tap by ``−strength·(1, 0.5)`` (up and left); ``scale up`` and ``scale down``
    move it by ``0.5·strength·(u, v)`` away from the centre or ``min(0.45·strength, 0.9)·(u, v)`` towards it; ``rotate`` turns ``(u, v)`` by
    ``30°·strength``; ``random`` draws each coordinate from a normal law with deviation ``0.7·strength``.

    Raises:
        ValueError: for an unknown pattern, a non-positive kernel size or dilation, or a negative strength.
    """
    k, d = _positive_int(kernel_size, "kernel_size"), _positive_int(dilation, "dilation")
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {', '.join(PATTERNS)}, got {pattern!r}")
    if not isinstance(strength, (int, float)) or strength < 0:
        raise ValueError(f"strength must be a non-negative number, got {strength!r}")
    centre = (k - 1) / 2
    rng = random.Random(seed)
    turn = math.radians(TURN_DEGREES * strength)
    offsets = []
    for i in range(k):
        for j in range(k):
            u, v = d * (i - centre), d * (j - centre)
            if pattern == "shift":
                dy, dx = -strength, -0.5 * strength  # up and to the left
            elif pattern == "scale up":
                dy, dx = 0.5 * strength * u, 0.5 * strength * v
            elif pattern == "scale down":
                shrink = min(0.45 * strength, 0.9)  # never past the centre
                dy, dx = -shrink * u, -shrink * v
            elif pattern == "rotate":
                dy, dx = u * math.cos(turn) + v * math.sin(turn) - u, -u * math.sin(turn) + v * math.cos(turn) - v
            elif pattern == "random":
                dy, dx = rng.gauss(0, 0.7 * strength), rng.gauss(0, 0.7 * strength)
            else:
                dy, dx = 0.0, 0.0
            offsets.append((dy + 0.0, dx + 0.0))
    return offsets


def sampling_points(row: int, col: int, kernel_size: int, dilation: int = 1, offsets: Sequence[tuple[float, float]] | None = None) -> list[tuple[float, float]]:
    """Where each tap of output pixel ``(row, col)`` reads: regular position plus offset (chapter 15).

    Stride 1 with 'same' padding, so the kernel is centred on ``(row, col)``:
    tap ``(i, j)`` sits at ``(row + d·(i − c), col + d·(j − c))``, ``c = (k−1)//2``.
    """
    k, d = _positive_int(kernel_size, "kernel_size"), _positive_int(dilation, "dilation")
    c = (k - 1) // 2
    offsets = list(offsets) if offsets is not None else [(0.0, 0.0)] * (k * k)
    if len(offsets) != k * k:
        raise ValueError(f"offsets must hold one (dy, dx) pair per tap, k² = {k * k}, got {len(offsets)}")
    return [(row + d * (i - c) + offsets[i * k + j][0], col + d * (j - c) + offsets[i * k + j][1]) for i in range(k) for j in range(k)]


def bilinear_read_weights(points: Sequence[tuple[float, float]], height: int, width: int) -> list[list[float]]:
    """How much each input pixel is read by the samples at ``points``: their bilinear weights added up (chapter 15).

    A sample at ``(y, x)`` gives ``(1−a)(1−b)``, ``(1−a)b``, ``a(1−b)`` and ``ab`` to its four neighbours
    ``(⌊y⌋, ⌊x⌋)`` … ``(⌊y⌋+1, ⌊x⌋+1)``, with ``a = y − ⌊y⌋`` and ``b = x − ⌊x⌋``; a neighbour outside the
    image is zero padding, so its share is lost.
    """
    grid = [[0.0] * width for _ in range(height)]
    for y, x in points:
        y0, x0 = math.floor(y), math.floor(x)
        a, b = y - y0, x - x0
        for r, c, share in ((y0, x0, (1 - a) * (1 - b)), (y0, x0 + 1, (1 - a) * b), (y0 + 1, x0, a * (1 - b)), (y0 + 1, x0 + 1, a * b)):
            if 0 <= r < height and 0 <= c < width:
                grid[r][c] += share
    return grid


def heat_fill(weight: float) -> float:
    """The heat-map fill of a pixel read with total bilinear ``weight`` (chapter 15): grows with the weight,
    ``FILL_MAX·√(w/2)``, and stops at ``FILL_MAX`` from a weight of 2 on, so the number printed on it stays legible."""
    return FILL_MAX * math.sqrt(min(max(weight, 0.0), 2.0) / 2.0)


def cell_text(weight: float) -> str:
    """A read weight as at most three digits: ``.25``, ``1``, ``1.3``, ``19``; empty below 0.005 (chapter 15)."""
    if weight < 0.005:
        return ""
    if round(weight, 2) == 1:
        return "1"
    if weight >= 9.95:
        return f"{weight:.0f}"
    if weight >= 0.995:
        return f"{weight:.1f}"
    return f"{weight:.2f}".lstrip("0")


def _clip(a: tuple[float, float], b: tuple[float, float], lo: float, hi: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment ``a``–``b`` inside the square ``[lo, hi]²`` (Liang–Barsky), or ``None`` if none is."""
    t0, t1 = 0.0, 1.0
    d = (b[0] - a[0], b[1] - a[1])
    for axis in (0, 1):
        for p, q in ((-d[axis], a[axis] - lo), (d[axis], hi - a[axis])):
            if p == 0:
                if q < 0:
                    return None
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
    if t0 > t1:
        return None
    return (a[0] + t0 * d[0], a[1] + t0 * d[1]), (a[0] + t1 * d[0], a[1] + t1 * d[1])


def bent_grid_links(points: Sequence[tuple[float, float]], kernel_size: int, grid: str, size: int = SIZE) -> list[Link]:
    """Lines drawing the bent sampling grid over grid ``grid`` (chapter 15): each sample joined to its right and
    lower neighbour tap, and a small × on each sample, clipped to the ``size × size`` input.

    Link ends are fractional ``(row, col)`` cell coordinates (the renderers place them linearly).
    """
    k = _positive_int(kernel_size, "kernel_size")
    lo, hi = -0.5, size - 0.5
    segments = []
    for i in range(k):
        for j in range(k):
            y, x = points[i * k + j]
            if j + 1 < k:
                segments.append(((y, x), points[i * k + j + 1]))
            if i + 1 < k:
                segments.append(((y, x), points[(i + 1) * k + j]))
            segments += [((y - MARK, x - MARK), (y + MARK, x + MARK)), ((y - MARK, x + MARK), (y + MARK, x - MARK))]
    links = []
    for a, b in segments:
        part = _clip(a, b, lo, hi)
        if part is not None and part[0] != part[1]:
            (r0, c0), (r1, c1) = part
            links.append(Link(grid, round(r0, 3), round(c0, 3), grid, round(r1, 3), round(c1, 3), BENT))  # type: ignore[arg-type]
    return links


def deform_scene(kernel_size: int = 3, dilation: int = 1, pattern: str = "scale up", strength: float = 1.0, pixel: str = "centre") -> Scene:
    """One output pixel of a deformable convolution: regular taps beside the pixels its deformed taps read (chapter 15).

    Left: an 11×11 input with the ``k×k`` regular taps (orange) of the chosen output pixel.
    Right: the same input as a heat map of :func:`bilinear_read_weights` of the deformed samples,
    each cell printing its weight (``cell_text``) on a fill no darker than ``FILL_MAX``
    (``heat_fill``); the weights add up to the number of samples inside the image. Over it, the bent
    sampling grid (``bent_grid_links``): a × on each sample, lines joining neighbouring taps.

    Raises:
        ValueError: in one line, for an unknown pattern or pixel, or a kernel that does not fit the input.
    """
    k, d = _positive_int(kernel_size, "kernel_size"), _positive_int(dilation, "dilation")
    if d * (k - 1) + 1 > SIZE:
        raise ValueError(f"a {k}×{k} kernel with dilation {d} spans {d * (k - 1) + 1} pixels, more than the {SIZE}-pixel input")
    where = {"centre": (SIZE // 2, SIZE // 2), "corner": (1, 1)}
    if pixel not in where:
        raise ValueError(f"pixel must be 'centre' or 'corner', got {pixel!r}")
    row, col = where[pixel]
    offsets = pattern_offsets(k, d, pattern, strength)
    regular = sampling_points(row, col, k, d)
    points = sampling_points(row, col, k, d, offsets)
    weights = bilinear_read_weights(points, SIZE, SIZE)
    cells = ["i"] * (SIZE * SIZE)
    for y, x in regular:
        if 0 <= y < SIZE and 0 <= x < SIZE:
            cells[int(y) * SIZE + int(x)] = "k"
    flat = [w for line in weights for w in line]
    text = [cell_text(w) for w in flat]
    outside = sum(1 for y, x in points if not (-1 < y < SIZE and -1 < x < SIZE))
    padded = sum(1 for y, x in regular if not (0 <= y < SIZE and 0 <= x < SIZE))  # outside before any offset
    read = sum(w for line in weights for w in line)
    lost = k * k - read
    n_taps = k * k
    largest = max(math.hypot(dy, dx) for dy, dx in offsets)
    name = f"rotate {TURN_DEGREES * strength:g}°" if pattern == "rotate" else pattern
    return Scene(
        grids=[
            Grid("regular", 0, 0, SIZE, SIZE, "".join(cells), label=f"regular {k}×{k} taps, dilation {d}"),
            Grid("deformed", SIZE + GAP, 0, SIZE, SIZE, "i", label=f"{name}: share of each pixel read",
                 values=[round(heat_fill(w), 3) for w in flat], vmax=1.0, text=text),
        ],
        links=bent_grid_links(points, k, "deformed"),
        lines=[
            f"output pixel ({row}, {col}); largest offset {largest:.2f} px",
            f"{n_taps} samples read {read:.2f} pixels' worth",
            f"{outside} of {n_taps} samples beyond the border" + (_already(padded) if padded else "") if outside
            else (f"lost to zero padding: {lost:.2f}" if lost > 0.005 else "no weight lost to zero padding"),
        ],
    )


def _already(padded: int) -> str:
    """The note that some regular taps were outside the input before any offset moved them."""
    return f" ({padded} regular tap was out already)" if padded == 1 else f" ({padded} regular taps were out already)"


def plot_sampling(ax, image, centres: Sequence[tuple[int, int]], kernel_size: int, offsets_at, dilation: int = 1,  # type: ignore[no-untyped-def]
                  marker_scale: float = 1.0) -> None:
    """Draw ``image`` with the regular (hollow) and deformed (filled) samples of each output pixel in ``centres``.

    A black frame marks the image's border, so samples that leave the image can be seen; the axes' own box is
    hidden, so that frame is the only one drawn.

    Args:
        ax: a matplotlib axes.
        image: a 2-D array.
        centres: output pixels ``(row, col)``.
        kernel_size, dilation: the kernel's geometry.
        offsets_at: a function ``(row, col) -> list of k² (dy, dx)`` giving that pixel's offsets.
        marker_scale: multiplies the markers' areas (and the lines' widths), for small or crowded drawings.

    Raises:
        ValueError: if ``marker_scale`` is not a positive number.
    """
    if not isinstance(marker_scale, (int, float)) or marker_scale <= 0:
        raise ValueError(f"marker_scale must be a positive number, got {marker_scale!r}")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.patches import Rectangle

    if hasattr(image, "detach"):  # a torch tensor: hand matplotlib a NumPy array
        image = image.detach().cpu().numpy()
    ax.imshow(image, cmap="gray", alpha=IMAGE_ALPHA)  # washed out over white, so the markers stand out
    height, width = image.shape[:2]
    ax.add_patch(Rectangle((-0.5, -0.5), width, height, fill=False, edgecolor="black", linewidth=1.2))  # the border
    halo = [patheffects.withStroke(linewidth=2.4, foreground="white")]  # lines and + outlined in white
    colours = plt.get_cmap("tab10").colors
    width = math.sqrt(marker_scale)  # lines grow like the markers' diameters
    for n, (row, col) in enumerate(centres):
        colour = colours[n % len(colours)]
        regular = sampling_points(row, col, kernel_size, dilation)
        moved = sampling_points(row, col, kernel_size, dilation, offsets_at(row, col))
        for (y0, x0), (y1, x1) in zip(regular, moved):
            ax.plot([x0, x1], [y0, y1], color=colour, linewidth=0.9 * width, path_effects=halo)
        ax.scatter([x for _, x in regular], [y for y, _ in regular], s=28 * marker_scale, facecolors="white", edgecolors=colour,
                   linewidths=1.4 * width)
        ax.scatter([x for _, x in moved], [y for y, _ in moved], s=34 * marker_scale, color=colour, edgecolors="white", linewidths=0.6)
        ax.scatter([col], [row], marker="+", s=90 * marker_scale, color=colour, linewidths=1.8 * width, path_effects=halo)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():  # one frame only: the image's border, not a second box around the axes
        spine.set_visible(False)
