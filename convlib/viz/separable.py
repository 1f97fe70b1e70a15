"""Scenes and plots for chapter 07, "Spatially separable convolution".

* :func:`separable_passes_scene`: a ``k × 1`` pass over the input, then a ``1 × k``
  pass over the intermediate result, with the multiplications of each pass;
* :func:`low_rank_scene`: a kernel, its best rank-``k`` approximation written as
  ``columns @ rows``, and the error, as heat maps with numbers;
* :func:`plot_singular_values`: the singular-value spectra of a few kernels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from ..arithmetic import conv_output_size
from ..scene import Grid, Scene, Window
from ..separable import (
    EXAMPLE_KERNELS,
    example_kernel,
    full_macs,
    low_rank_factors,
    relative_error,
    separable_macs,
    singular_values,
)
from . import style

__all__ = ["separable_passes_scene", "low_rank_scene", "plot_singular_values", "format_value"]

GAP = 2  # cells between neighbouring grids


def separable_passes_scene(size: int = 5, kernel_size: int = 3, padding: int = 0, stride: int = 1) -> Scene:
    """A spatially separable convolution as two passes, with their multiplications (chapter 07).

    Left: the input, zero-padded at the top and bottom only (the column pass
    pads only the height); the ``k × 1`` window steps down every column. Middle: the intermediate
    ``H_out × W`` result, padded left and right for the row pass. Right: the
    output, written by the ``1 × k`` window. The text counts the
    multiplications of each pass and of one full ``k × k`` pass.

    Args:
        size: input height and width.
        kernel_size: ``k`` of the ``k × k`` kernel being split into ``k × 1`` and ``1 × k``.
        padding: zeros on each side (the column pass pads the height, the row pass the width).
        stride: the column pass strides the height, the row pass the width.

    Raises:
        ValueError: naming the argument, when the configuration is impossible.
    """
    oh = conv_output_size(size, kernel_size, stride, padding)
    ow = conv_output_size(size, kernel_size, stride, padding)
    (first, second), full = separable_macs(size, kernel_size, stride, padding), full_macs(size, kernel_size, stride, padding)
    rows, cols = size + 2 * padding, size                                  # the column pass pads only the height
    cells = "".join("i" if padding <= r < padding + size else "p" for r in range(rows) for _ in range(cols))
    mid_cols = size + 2 * padding
    mid_cells = "".join("o" if padding <= c < padding + size else "p" for _ in range(oh) for c in range(mid_cols))
    x_mid = cols + GAP
    x_out = x_mid + mid_cols + GAP
    top_mid, top_out = (rows - oh) / 2, (rows - oh) / 2
    scene = Scene(
        grids=[
            Grid("input", 0, 0, rows, cols, cells, label=f"input {size}×{size}"),
            Grid("middle", x_mid, top_mid, oh, mid_cols, mid_cells, label=f"after {kernel_size}×1: {oh}×{size}"),
            Grid("output", x_out, top_out, oh, ow, "o", label=f"after 1×{kernel_size}: {oh}×{ow}"),
        ],
        windows=[
            Window("input", "middle", oh, size, (kernel_size, 1), (stride, 1), dst_start=(0, padding)),
            Window("middle", "output", oh, ow, (1, kernel_size), (1, stride)),
        ],
    )
    scene.lines += [
        f"column pass ({kernel_size}×1): {oh}×{size} outputs × {kernel_size} = {first} multiplications",
        f"row pass (1×{kernel_size}): {oh}×{ow} outputs × {kernel_size} = {second} multiplications",
        f"separable {first} + {second} = {first + second}  vs  full {kernel_size}×{kernel_size}: "
        f"{oh}×{ow} × {kernel_size * kernel_size} = {full}  (ratio {(first + second) / full:.3f}; 2/m = {2 / kernel_size:.3f})",
    ]
    return scene


def format_value(v: float) -> str:
    """A number in at most four characters, for a heat-map cell: ``36``, ``2.5``, ``-.16``, ``0``."""
    if abs(v) < 0.005:
        return "0"
    if abs(v) >= 9.95:
        return f"{v:.0f}"
    if abs(v) >= 0.995:
        return f"{v:.1f}"
    return f"{v:.2f}".replace("0.", ".", 1)


def _heat(name: str, x: float, y: float, m: Tensor, label: str, vmax: float) -> Grid:
    flat = [float(v) for v in m.flatten()]
    return Grid(name, x, y, m.shape[0], m.shape[1], "i", label=label, values=flat, vmax=vmax,
                text=[format_value(v) for v in flat])


def low_rank_scene(kernel: str = "gabor", rank: int = 1) -> Scene:
    """A kernel, its best rank-``k`` approximation ``columns @ rows``, and the error (chapter 07).

    From left to right: the ``k`` columns ``U_k √Σ_k``, the ``k`` rows ``√Σ_k V_kᵀ``,
    their product (the approximation: a sum of ``k`` separable kernels), the
    original kernel, and original minus approximation, all on one colour scale.

    Args:
        kernel: one of :data:`convlib.separable.EXAMPLE_KERNELS`.
        rank: ``k``, from 1 to the kernel's size.

    Raises:
        ValueError: for an unknown kernel or a rank above the kernel's size.
    """
    if kernel not in EXAMPLE_KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(EXAMPLE_KERNELS)}, got {kernel!r}")
    k = example_kernel(kernel)
    n = k.shape[0]
    if not 1 <= rank <= n:
        raise ValueError(f"rank must be at most {n} for the {n}×{n} {kernel} kernel: it has only {n} singular values")
    columns, rows = low_rank_factors(k, rank)
    approx = columns @ rows
    vmax = 1.5 * max(float(t.abs().max()) for t in (k, columns, rows))  # extremes stay light enough to read
    x_rows = rank + 1
    x_approx = x_rows + n + GAP
    x_orig = x_approx + n + GAP
    x_err = x_orig + n + GAP
    grids = [
        _heat("columns", 0, 0, columns, "cols", vmax),
        _heat("rows", x_rows, 0, rows, "rows", vmax),
        _heat("approximation", x_approx, 0, approx, f"= rank {rank}", vmax),
        _heat("original", x_orig, 0, k, f"original {kernel}", vmax),
        _heat("error", x_err, 0, k - approx, "error", vmax),
    ]
    s = singular_values(k)
    rank_of_k = int((s > 1e-9 * s[0]).sum())
    err = relative_error(k, rank)
    kept = 1 - err**2
    weights = rank * 2 * n
    lines = [
        "singular values: " + ", ".join(f"{v:.3g}" for v in s.tolist()) + f"  (rank {rank_of_k})",
        (f"relative error ‖K − K_{rank}‖/‖K‖ = {err:.3f}; energy kept {100 * kept:.1f}%" if rank <= rank_of_k
         else f"relative error = {err:.3f}: rank {rank_of_k} is already exact, more pairs only add weights"),
        f"cost: {rank} separable pair{'s' if rank > 1 else ''} = {weights} weights vs {n * n} for the full {n}×{n} kernel",
    ]
    return Scene(grids=grids, lines=lines)


def plot_singular_values(kernels: Mapping[str, Tensor] | Sequence[str], ax: Axes | None = None,
                         normalise: bool = True, values: bool = True) -> Figure:
    """Bar charts of the singular values of several kernels, side by side (chapter 07).

    Args:
        kernels: ``{label: kernel}``, or names of :func:`convlib.separable.example_kernel`.
        ax: draw into these axes (one group of bars per kernel); a new figure if omitted.
        normalise: divide each spectrum by its ``σ_1``, so that the first bar is 1.
        values: print each bar's value above it; ``False`` for a figure that is read by eye
            (chapter 07's exercise 4, where printed values would hand over the answer).
    """
    if not isinstance(kernels, Mapping):
        kernels = {name: example_kernel(name) for name in kernels}
    if ax is None:
        _, ax = plt.subplots(figsize=(min(1.3 + 1.25 * len(kernels), style.COLUMN_IN - 0.2), 2.6))  # fits the column
    x0 = 0.0
    for label, kernel in kernels.items():
        s = singular_values(kernel)
        s = s / s[0] if normalise and s[0] > 0 else s
        xs = x0 + torch.arange(len(s), dtype=torch.float64)
        ax.bar(xs.tolist(), s.tolist(), width=0.8, color="#fdae6b", edgecolor="#d94801")
        for x, v in zip(xs.tolist(), s.tolist() if values else []):
            ax.text(x, v + 0.02, f"{v:.2f}" if v >= 0.005 else "0", ha="center", va="bottom", fontsize=7)
        ax.text(x0 + (len(s) - 1) / 2, -0.16, label, ha="center", va="top", fontsize=9,
                transform=ax.get_xaxis_transform())
        x0 += len(s) + 1.5
    ax.set_xticks([])
    ax.set_ylabel(r"$\sigma_i / \sigma_1$" if normalise else r"$\sigma_i$")
    ax.set_ylim(0, 1.15 if normalise else None)
    ax.spines[["top", "right"]].set_visible(False)
    fig = ax.figure
    fig.tight_layout()
    return fig  # type: ignore[return-value]
