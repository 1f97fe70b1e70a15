"""Diagrams drawn from a configuration (chapters 01 and 02 onwards).

Scene builders (``*_scene``) turn a configuration into a :class:`~convlib.scene.Scene`;
:func:`draw` and :func:`draw_steps` draw a scene with matplotlib. The widgets of
:mod:`convlib.widgets` draw the very same scenes in the browser, so a figure
in the text and the widget next to it cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._args import IntOrTuple, ntuple
from .arithmetic import conv_output_size
from .scene import CELL_COLOURS, Grid, Scene, Window

__all__ = ["conv_scene", "output_size_formula", "draw", "draw_steps", "show_matrix"]

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


def conv_scene(
    size: IntOrTuple = 5,
    kernel_size: IntOrTuple = 3,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Scene:
    """The classic convolution-arithmetic diagram (Dumoulin & Visin), as a scene (chapter 02).

    The padded input sits on the left (padding in grey), the output on the right,
    and a window shows which input pixels each output pixel reads: its frames
    step through the output positions with the given stride, and the kernel's
    taps spread apart with the dilation.

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
    rows, cols = ih + 2 * ph, iw + 2 * pw
    cells = "".join(
        "i" if ph <= r < ph + ih and pw <= c < pw + iw else "p" for r in range(rows) for c in range(cols)
    )
    top = (rows - oh) / 2
    scene = Scene(
        grids=[
            Grid("input", 0, 0, rows, cols, cells, label=f"input {ih}×{iw}" + (f", padding {ph}" if ph == pw and ph else (f", padding {ph}×{pw}" if ph or pw else ""))),
            Grid("output", cols + GAP, top, oh, ow, "o", label=f"output {oh}×{ow}"),
        ],
        windows=[Window("input", "output", oh, ow, (kh, kw), (sh, sw), (dh, dw))],
    )
    scene.lines.append(output_size_formula(ih, kh, sh, ph, dh).replace("o =", "height: o =", 1))
    if (iw, kw, sw, pw, dw) != (ih, kh, sh, ph, dh):
        scene.lines.append(output_size_formula(iw, kw, sw, pw, dw).replace("o =", "width: o =", 1))
    return scene


def _draw_grid(ax: Axes, grid: Grid, scale: float = 1.0) -> None:
    cmap = plt.get_cmap("RdBu_r")
    vmax = grid.vmax or max((abs(v) for v in grid.values or [0.0]), default=1.0) or 1.0
    for idx, letter in enumerate(grid.cells):
        if letter == ".":
            continue
        r, c = divmod(idx, grid.cols)
        colour = CELL_COLOURS[letter]
        if grid.values is not None:
            colour = cmap(0.5 + 0.5 * grid.values[idx] / vmax)
        dashed = letter in "pz"
        ax.add_patch(
            Rectangle((grid.x + c, grid.y + r), 1, 1, facecolor=colour, edgecolor="#777777",
                      linewidth=0.8, linestyle="--" if dashed else "-")
        )
        if grid.text is not None and grid.text[idx]:
            ax.text(grid.x + c + 0.5, grid.y + r + 0.5, grid.text[idx], ha="center", va="center", fontsize=8 * scale)
    if grid.label:
        ax.text(grid.x + grid.cols / 2, grid.y - 0.4, grid.label, ha="center", va="bottom", fontsize=9 * scale)


def _draw_frame(ax: Axes, scene: Scene, window: Window, frame: int) -> None:
    src, dst = scene.grid(window.src), scene.grid(window.dst)
    taps, (orow, ocol) = window.taps(frame)
    for r, c in taps:
        if 0 <= r < src.rows and 0 <= c < src.cols:
            ax.add_patch(Rectangle((src.x + c + 0.1, src.y + r + 0.1), 0.8, 0.8, facecolor=CELL_COLOURS["k"],
                                   edgecolor="#d94801", linewidth=1.2, alpha=0.9))
    ax.add_patch(Rectangle((dst.x + ocol, dst.y + orow), 1, 1, facecolor="none", edgecolor="#d94801", linewidth=2.5))


def draw(scene: Scene, frame: int | None = 0, ax: Axes | None = None, show_text: bool = True) -> Figure:
    """Draw ``scene`` with matplotlib; ``frame`` picks the window position to highlight.

    Args:
        scene: what to draw.
        frame: window frame to highlight (``None`` for none).
        ax: axes to draw into; a new figure is made if omitted.
        show_text: whether to print the scene's text lines under the drawing.
    """
    width, height = scene.size
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(3.0, 0.42 * width + 1), max(2.0, 0.42 * height + 1 + 0.3 * len(scene.lines))))
    fig = ax.figure
    ax.set_axis_off()
    if scene.error:
        ax.text(0.5, 0.5, scene.error, ha="center", va="center", color="#b30000", transform=ax.transAxes)
        return fig  # type: ignore[return-value]
    for grid in scene.grids:
        _draw_grid(ax, grid)
    for link in scene.links:
        a, b = scene.grid(link.a), scene.grid(link.b)
        ax.plot([a.x + link.a_col + 0.5, b.x + link.b_col + 0.5], [a.y + link.a_row + 0.5, b.y + link.b_row + 0.5],
                color=link.colour, linewidth=0.8)
    if frame is not None:
        for window in scene.windows:
            _draw_frame(ax, scene, window, frame % window.frames)
    bottom = height + 0.6
    if show_text:
        for n, line in enumerate(scene.lines):
            ax.text(0, bottom + 0.9 * n + 0.5, line, ha="left", va="center", fontsize=9)
        bottom += 0.9 * len(scene.lines)
    ax.set_xlim(-0.5, width + 0.5)
    ax.set_ylim(bottom + 0.3, -1.2)
    ax.set_aspect("equal")
    return fig  # type: ignore[return-value]


def draw_steps(scene: Scene, frames: Sequence[int] | None = None, columns: int = 4) -> Figure:
    """Several frames of a scene side by side: the still version of an animation.

    Args:
        scene: a scene with at least one window.
        frames: which frames to draw; by default, all of them (at most ``2·columns``).
        columns: panels per row.
    """
    total = scene.windows[0].frames if scene.windows else 1
    frames = list(frames) if frames is not None else list(range(min(total, 2 * columns)))
    rows = (len(frames) + columns - 1) // columns
    width, height = scene.size
    fig, axes = plt.subplots(rows, min(columns, len(frames)), squeeze=False,
                             figsize=(min(columns, len(frames)) * (0.3 * width + 0.6), rows * (0.3 * height + 0.9)))
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, frame in zip(axes.flat, frames):
        draw(scene, frame, ax=ax, show_text=False)
        ax.set_title(f"step {frame + 1} of {total}", fontsize=9)
    fig.tight_layout()
    return fig


def show_matrix(values: Sequence[Sequence[float]], label: str = "", ax: Axes | None = None) -> Figure:
    """A matrix as a diverging heat map with its values printed (used for ``conv_matrix``, chapter 05)."""
    rows, cols = len(values), len(values[0])
    flat = [float(v) for row in values for v in row]
    grid = Grid("m", 0, 0, rows, cols, "i", label=label, values=flat,
                text=[f"{v:g}" if v else "" for v in flat] if rows * cols <= 400 else None)
    return draw(Scene(grids=[grid]), frame=None, ax=ax)
