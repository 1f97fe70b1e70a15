"""Matplotlib renderer of scenes: the figures in the book.

The browser renderer, ``convlib/static/explorer.js``, draws the same scenes.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..scene import CELL_COLOURS, Grid, Scene, Window
from . import style

__all__ = ["draw", "draw_steps", "draw_panels", "cell_px", "label_width", "label_boxes", "view_box"]

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


# Figures drawn by matplotlib keep the browser's proportions: with cells of ``c`` pixels (at
# style.DPI), labels are LABEL_PX/CELL_PX·c and cell texts CELL_TEXT_PX/CELL_PX·c pixels high,
# but never below TEXT_FLOOR_PX (the website shows a figure that fits its column unscaled). A
# figure takes cells as large as fit the website's column (style.COLUMN_PX), at most MAX_CELL_PX
# and at least least_cell_px(scene): the smallest cell that holds the scene's texts.
MAX_CELL_PX = 30
MIN_CELL_PX = 18  # cells holding texts
LABEL_CELL_PX = 16  # cells of a scene with labels but no cell text (labels then 1.3 times the layout's, at most)
BARE_CELL_PX = 10  # cells of a scene with no label and no cell text
TEXT_FLOOR_PX = 9.5
CELL_FILL = 0.88  # the widest text of a cell fills at most this share of it
LINE_EM = 1.45  # line spacing of the text lines under a drawing, in font sizes
PANEL_GAP = 1.0  # cells between two panels of draw_panels, side by side
ROW_GAP = 0.8  # cells between two rows of panels


def label_font_px(cell: float) -> float:
    """The size in pixels of grid labels, titles and text lines drawn with cells of ``cell`` pixels."""
    return max(LABEL_PX / CELL_PX * cell, TEXT_FLOOR_PX)


def cell_font_px(cell: float, widest_em: float) -> float:
    """The size in pixels of the texts in cells of ``cell`` pixels whose widest text is ``widest_em`` ems wide."""
    fit = CELL_FILL * cell / widest_em if widest_em else cell
    return min(max(CELL_TEXT_PX / CELL_PX * cell, TEXT_FLOOR_PX), fit)


def cell_px(width: float, least: float = MIN_CELL_PX) -> float:
    """The size in pixels of a cell when a drawing ``width`` cells wide is fitted to the website's
    column (less the margin ``savefig`` adds): as large as fits, between ``least`` (a wider
    drawing is wider than the column) and ``MAX_CELL_PX``."""
    return max(least, min(max(MAX_CELL_PX, least), (style.COLUMN_PX - 2 * style.PAD_PX) / width))


@functools.lru_cache(maxsize=4096)
def text_em(text: str) -> float:
    """The width of ``text`` in matplotlib's default font, in units of the font size."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    return TextToPath().get_text_width_height_descent(text, FontProperties(size=100), ismath=False)[0] / 100


def _widest_em(grid: Grid) -> float:
    return max((text_em(t) for t in grid.text or [] if t), default=0.0)


def least_cell_px(scene: Scene) -> float:
    """The smallest cell, in pixels, in which the scene's cell texts fit at TEXT_FLOOR_PX
    (``MIN_CELL_PX`` at least); ``LABEL_CELL_PX`` for labels alone, ``BARE_CELL_PX`` for neither."""
    widest = max((_widest_em(g) for g in scene.grids), default=0.0)
    if widest:
        return max(MIN_CELL_PX, TEXT_FLOOR_PX * widest / CELL_FILL)
    return LABEL_CELL_PX if any(g.label for g in scene.grids) else BARE_CELL_PX


def _view(scene: Scene, cell: float) -> tuple[float, float, float, float]:
    """``view_box(scene)`` widened for labels drawn larger than the layout assumes (at TEXT_FLOOR_PX)."""
    x0, y0, w, h = view_box(scene)
    grow = label_font_px(cell) / (LABEL_PX / CELL_PX * cell)
    if grow <= 1:
        return x0, y0, w, h
    x1, y1 = x0 + w, y0 + h
    for left, right, base, _ in label_boxes(scene):
        centre, half = (left + right) / 2, (right - left) / 2 * grow
        x0, x1 = min(x0, centre - half - 0.5), max(x1, centre + half + 0.5)
        y0 = min(y0, base - 0.1 - grow * LABEL_PX / CELL_PX - 0.5)
    return x0, y0, x1 - x0, y1 - y0


def _fitted_cell(scenes: Sequence[Scene], width: Callable[[float], float]) -> float:
    """The cell size for drawings ``width(cell)`` cells wide (their width grows as cells shrink)."""
    least = max(least_cell_px(s) for s in scenes)
    cell = cell_px(width(MAX_CELL_PX), least)
    for _ in range(3):
        cell = cell_px(width(cell), least)
    return cell


def _draw_grid(ax: Axes, grid: Grid, cell: float) -> None:
    fontsize = cell_font_px(cell, _widest_em(grid)) * 72 / style.DPI
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
            ax.text(grid.x + c + 0.5, grid.y + r + 0.5, grid.text[idx], ha="center", va="center", fontsize=fontsize)


def _draw_frame(ax: Axes, scene: Scene, window: Window, frame: int) -> None:
    src, dst = scene.grid(window.src), scene.grid(window.dst)
    taps, (orow, ocol) = window.taps(frame)
    for r, c in taps:
        if 0 <= r < src.rows and 0 <= c < src.cols:
            ax.add_patch(Rectangle((src.x + c + 0.1, src.y + r + 0.1), 0.8, 0.8, facecolor=CELL_COLOURS["k"],
                                   edgecolor="#d94801", linewidth=1.2, alpha=0.9))
    ax.add_patch(Rectangle((dst.x + ocol, dst.y + orow), 1, 1, facecolor="none", edgecolor="#d94801", linewidth=2.5))


def _wrap(lines: Sequence[str], width_px: float, font_px: float) -> list[str]:
    """``lines`` broken so that each fits ``width_px`` (characters estimated at CHAR_EM): a line
    too long is split after its semicolons first, then at spaces."""
    chars = max(12, int(width_px / (CHAR_EM * font_px)))
    parts = []
    for line in lines:
        clauses = [line] if len(line) <= chars else [c for c in re.split(r"(?<=;) ", line) if c]
        parts += [part for clause in clauses for part in (textwrap.wrap(clause, chars) or [""])]
    return parts


def _lines(scene: Scene, frame: int | None, show_text: bool) -> list[str]:
    """The text lines drawn under ``scene``: its lines and the line of ``frame``."""
    text = list(scene.lines) if show_text else []
    if show_text and frame is not None and scene.frame_lines:
        text.append(scene.frame_lines[frame % len(scene.frame_lines)])
    return text


def draw(scene: Scene, frame: int | None = 0, ax: Axes | None = None, show_text: bool = True) -> Figure:
    """Draw ``scene`` with matplotlib; ``frame`` picks the window position to highlight.

    A new figure is sized for the website's column (``convlib.viz.style``): cells as large as
    fit, text in the browser's proportions and never below 9 px, text lines wrapped to the
    width. Drawn into ``ax``, the cells are as large as ``ax`` allows and the text follows them.

    Args:
        scene: what to draw.
        frame: window frame to highlight (``None`` for none).
        ax: axes to draw into; a new figure is made if omitted.
        show_text: whether to print the scene's text lines under the drawing.
    """
    text = _lines(scene, frame, show_text)
    x0, y0, w, h = view_box(scene)
    if ax is None:
        cell = _fitted_cell([scene], lambda c: _view(scene, c)[2])
        x0, y0, w, h = _view(scene, cell)
        font = label_font_px(cell)
        text = _wrap(text, max(w * cell, style.COLUMN_PX - 2 * style.PAD_PX), font)
        longest = max([len(line) * CHAR_EM * font / cell for line in text] + [w])  # in cells
        w = max(w, min(longest, (style.COLUMN_PX - 2 * style.PAD_PX) / cell))
        total = h + 0.2 + len(text) * LINE_EM * font / cell
        fig = plt.figure(figsize=(w * cell / style.DPI, total * cell / style.DPI))
        ax = fig.add_axes((0, 0, 1, 1))
    else:
        fig = ax.figure
        box = ax.get_position()
        ax_w, ax_h = box.width * fig.get_figwidth() * style.DPI, box.height * fig.get_figheight() * style.DPI
        x0, y0, w, h = _view(scene, ax_w / w)
        cell = ax_w / w
        text = _wrap(text, w * cell, label_font_px(cell))
        cell = min(cell, ax_h / (h + 0.2 + len(text) * LINE_EM * label_font_px(cell) / cell))
    font = label_font_px(cell)
    label_pt = font * 72 / style.DPI  # font sizes in points: a cell is ``cell`` pixels at style.DPI
    ax.set_axis_off()
    if scene.error:
        ax.text(0.5, 0.5, scene.error, ha="center", va="center", color="#b30000", transform=ax.transAxes,
                fontsize=max(label_pt, 10))
        return fig  # type: ignore[return-value]
    for grid in scene.grids:
        _draw_grid(ax, grid, cell)
    for left, right, base, label in label_boxes(scene):
        ax.text((left + right) / 2, base - 0.1, label, ha="center", va="bottom", fontsize=label_pt)
    for link in scene.links:
        a, b = scene.grid(link.a), scene.grid(link.b)
        ax.plot([a.x + link.a_col + 0.5, b.x + link.b_col + 0.5], [a.y + link.a_row + 0.5, b.y + link.b_row + 0.5],
                color=link.colour, linewidth=0.8)
    if frame is not None:
        for window in scene.windows:
            _draw_frame(ax, scene, window, frame % window.frames)
    bottom = y0 + h + 0.2
    step = LINE_EM * font / cell  # in cells
    for n, line in enumerate(text):
        ax.text(x0 + 0.5, bottom + step * (n + 0.5), line, ha="left", va="center", fontsize=label_pt)
    bottom += step * len(text)
    ax.set_xlim(x0, x0 + w)
    ax.set_ylim(bottom, y0)
    ax.set_aspect("equal")
    return fig  # type: ignore[return-value]


def draw_panels(scenes: Sequence[Scene], titles: Sequence[str] | None = None, frames: Sequence[int | None] | None = None,
                columns: int = 4, show_text: bool = False, title: str | None = None) -> Figure:
    """Scenes side by side, sized for the website's column (``convlib.viz.style``).

    All panels share one cell size, as large as fits the column; when ``columns`` panels in a
    row would make the cells too small to read, fewer go in a row and the rest wrap to further rows.

    Args:
        scenes: the scenes, in reading order.
        titles: a title over each panel (none if omitted).
        frames: the window frame each panel highlights (frame 0 if omitted; ``None`` for none).
        columns: panels per row, at most.
        show_text: whether to print each scene's text lines under its drawing.
        title: a title over the whole figure, wrapped to its width.
    """
    scenes = list(scenes)
    frames = list(frames) if frames is not None else [0] * len(scenes)
    fit = style.COLUMN_PX - 2 * style.PAD_PX

    def rows_of(per_row: int) -> list[list[int]]:
        return [list(range(i, min(i + per_row, len(scenes)))) for i in range(0, len(scenes), per_row)]

    def width(per_row: int, cell: float) -> float:
        views = [_view(s, cell)[2] for s in scenes]
        return max(sum(views[i] for i in row) + PANEL_GAP * (len(row) - 1) for row in rows_of(per_row))

    columns = max(1, min(columns, len(scenes)))
    least = max(least_cell_px(s) for s in scenes)
    while columns > 1 and fit / width(columns, least) < least:
        columns -= 1
    rows = rows_of(columns)
    cell = _fitted_cell(scenes, lambda c: width(columns, c))
    boxes = [_view(s, cell) for s in scenes]
    width = max(sum(boxes[i][2] for i in row) + PANEL_GAP * (len(row) - 1) for row in rows)
    font = label_font_px(cell)
    texts = [_wrap(_lines(s, f, show_text), b[2] * cell, font) for s, f, b in zip(scenes, frames, boxes)]
    step = LINE_EM * font / cell  # in cells
    heights = [b[3] + 0.2 + step * len(t) for b, t in zip(boxes, texts)]
    title_cells = (1.25 * font + 8) / cell if titles else 0.0  # the title and matplotlib's 6 pt pad
    row_heights = [max(heights[i] for i in row) + title_cells + (ROW_GAP if n else 0) for n, row in enumerate(rows)]
    head = _wrap([title], width * cell, font * 1.1) if title else []
    top = step * 1.1 * (len(head) + 0.3) if head else 0.0
    total = sum(row_heights) + top
    fig = plt.figure(figsize=(width * cell / style.DPI, total * cell / style.DPI))
    if head:
        fig.text(0.5, 1, "\n".join(head), ha="center", va="top", fontsize=font * 1.1 * 72 / style.DPI, linespacing=LINE_EM)
    for n, (row, row_height) in enumerate(zip(rows, row_heights)):
        left, above = 0.0, top + (ROW_GAP if n else 0) + title_cells
        for i in row:
            ax = fig.add_axes((left / width, 1 - (above + heights[i]) / total, boxes[i][2] / width, heights[i] / total))
            draw(scenes[i], frames[i], ax=ax, show_text=show_text)
            if titles:
                ax.set_title(titles[i], fontsize=font * 72 / style.DPI)
            left += boxes[i][2] + PANEL_GAP
        top += row_height
    return fig


def draw_steps(scene: Scene, frames: Sequence[int] | None = None, columns: int = 4, title: str | None = None) -> Figure:
    """Several frames of a scene side by side: the still version of an animation.

    Sized for the website's column like :func:`draw_panels`: when ``columns`` panels would make
    the cells too small to read, the strip wraps to further rows.

    Args:
        scene: a scene with at least one window.
        frames: which frames to draw; by default, all of them (at most ``2·columns``).
        columns: panels per row, at most.
        title: a title over the whole figure.
    """
    total = scene.windows[0].frames if scene.windows else 1
    frames = list(frames) if frames is not None else list(range(min(total, 2 * columns)))
    return draw_panels([scene] * len(frames), [f"step {frame + 1} of {total}" for frame in frames], frames, columns,
                       title=title)
