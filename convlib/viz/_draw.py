"""Matplotlib renderer of scenes: the figures in the book.

The browser renderer, ``convlib/static/explorer.js``, draws the same scenes.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..scene import CELL_COLOURS, Grid, Scene

__all__ = ["draw", "draw_steps"]


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
    text = list(scene.lines)
    if frame is not None and scene.frame_lines:
        text.append(scene.frame_lines[frame % len(scene.frame_lines)])
    if ax is None:
        fig, ax = plt.subplots(figsize=(max(3.0, 0.42 * width + 1), max(2.0, 0.42 * height + 1 + 0.3 * len(text))))
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
        for n, line in enumerate(text):
            ax.text(0, bottom + 0.9 * n + 0.5, line, ha="left", va="center", fontsize=9)
        bottom += 0.9 * len(text)
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
