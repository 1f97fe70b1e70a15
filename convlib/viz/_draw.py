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

__all__ = ["draw", "draw_steps", "label_width", "label_boxes", "view_box"]

# The browser's drawing (convlib/static/explorer.js, which mirrors these numbers and the two
# functions below): a cell is CELL_PX pixels at full size, grid labels are LABEL_PX and cell
# texts CELL_TEXT_PX pixels high, and a character is at most CHAR_EM of the font size wide
# (a generous estimate for a sans-serif font, so that an estimated box holds the real one).
# A drawing wider than its column shrinks, but never below MIN_SCALE (it scrolls instead),
# so that no text is drawn smaller than 9 px.
CELL_PX = 26
LABEL_PX = 12
CELL_TEXT_PX = 11
CHAR_EM = 0.6
MIN_SCALE = 0.82
LABEL_LINE = 0.6  # cells between two stacked labels


def label_width(text: str) -> float:
    """The width of a grid label in cells, estimated generously (for spacing grids in a scene)."""
    return len(text) * CHAR_EM * LABEL_PX / CELL_PX


def label_boxes(scene: Scene) -> list[tuple[float, float, float, str]]:
    """``(left, right, baseline, text)`` of each grid label, in cells: centred over its grid and
    ``0.3`` above it; a label that would overlap one placed before it moves up a line."""
    placed: list[tuple[float, float, float, str]] = []
    for grid in scene.grids:
        if not grid.label:
            continue
        centre, half = grid.x + grid.cols / 2, label_width(grid.label) / 2
        left, right, base = centre - half, centre + half, grid.y - 0.3
        while any(abs(b - base) < LABEL_LINE and l < right + 0.3 and left < r + 0.3 for l, r, b, _ in placed):
            base -= LABEL_LINE
        placed.append((left, right, base, grid.label))
    return placed


def view_box(scene: Scene) -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` in cells of what the browser shows: the grids, half a cell
    around them, and every label whole."""
    width, height = scene.size
    boxes = label_boxes(scene)
    left = min([0.0] + [b[0] for b in boxes]) - 0.5
    right = max([width] + [b[1] for b in boxes]) + 0.5
    top = min([-0.9] + [b[2] - LABEL_PX / CELL_PX for b in boxes]) - 0.5
    return left, top, right - left, height + 0.4 - top


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
    for left, right, base, label in label_boxes(scene):
        ax.text((left + right) / 2, base - 0.1, label, ha="center", va="bottom", fontsize=9)
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
    x0, y0, w, _ = view_box(scene)
    ax.set_xlim(x0, x0 + w)
    ax.set_ylim(bottom + 0.3, min(y0, -1.2))
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
