"""Scenes: the data every figure and widget in the book is drawn from.

A :class:`Scene` is a small, JSON-able description of a diagram: grids of
cells (an input, its padding, a kernel, an output, a heat map), lines between
cells, sliding windows to animate, and a few lines of text. It holds no
drawing code. Two renderers draw the same scene:

* :func:`convlib.viz.draw` with matplotlib, for the figures in the book;
* ``convlib/static/explorer.js`` in the browser, for the widgets, in
  JupyterLab and on the static website alike.

The renderers know only cells, colours, lines and windows, never convolution
arithmetic: every number on a diagram is computed here, in Python, by the
tested functions of :mod:`convlib.arithmetic`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Grid", "Link", "Window", "Scene", "CELL_COLOURS", "error_scene"]

#: Cell classes, one letter each, and their fill colours (shared with explorer.js).
CELL_COLOURS: dict[str, str] = {
    "i": "#9ecae1",  # input pixel
    "p": "#eeeeee",  # padding (zero)
    "z": "#ffffff",  # zero inserted between pixels (transposed convolution)
    "k": "#fdae6b",  # kernel tap
    "o": "#a1d99b",  # output pixel
    "c": "#c7b3e5",  # channel
    "x": "#f4a6a6",  # excluded or skipped
    ".": "none",  # not drawn
}


@dataclass
class Grid:
    """A rectangle of ``rows × cols`` cells placed at ``(x, y)`` in cell units.

    Args:
        name: short id used by links and windows.
        x, y: top-left corner, in cells (y grows downwards).
        rows, cols: size in cells.
        cells: one class letter of :data:`CELL_COLOURS` per cell, row-major
            (``len(cells) == rows * cols``), or a single letter for all cells.
        label: caption drawn above the grid.
        values: optional number per cell, drawn as a diverging heat map
            (overrides the class colour); ``vmax`` sets the colour scale.
        text: optional label per cell (e.g. a pixel value), row-major.
    """

    name: str
    x: float
    y: float
    rows: int
    cols: int
    cells: str = "i"
    label: str = ""
    values: list[float] | None = None
    vmax: float | None = None
    text: list[str] | None = None

    def __post_init__(self) -> None:
        if len(self.cells) == 1:
            self.cells = self.cells * (self.rows * self.cols)
        if len(self.cells) != self.rows * self.cols:
            raise ValueError(f"cells must hold rows*cols = {self.rows * self.cols} letters, got {len(self.cells)}")
        unknown = set(self.cells) - set(CELL_COLOURS)
        if unknown:
            raise ValueError(f"cells must use the letters {''.join(CELL_COLOURS)}, got {''.join(sorted(unknown))}")
        for extra, what in ((self.values, "values"), (self.text, "text")):
            if extra is not None and len(extra) != self.rows * self.cols:
                raise ValueError(f"{what} must hold rows*cols = {self.rows * self.cols} entries, got {len(extra)}")


@dataclass
class Link:
    """A line from cell ``(a_row, a_col)`` of grid ``a`` to a cell of grid ``b``."""

    a: str
    a_row: int
    a_col: int
    b: str
    b_row: int
    b_col: int
    colour: str = "#555555"


@dataclass
class Window:
    """A kernel sliding over grid ``src`` while it writes one cell of grid ``dst``.

    Frame ``t`` (``0 ≤ t < out_rows·out_cols``) highlights the cells
    ``(r0 + a·dilation_h, c0 + b·dilation_w)`` of ``src`` for ``a < kernel_h``,
    ``b < kernel_w``, where ``(r0, c0) = (start + row·stride)``, and the cell
    ``(row, col) + dst_start`` of ``dst``, with ``row, col = divmod(t, out_cols)``.
    Cells that fall outside ``src`` are skipped.
    """

    src: str
    dst: str
    out_rows: int
    out_cols: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    start: tuple[int, int] = (0, 0)
    dst_start: tuple[int, int] = (0, 0)

    def taps(self, frame: int) -> tuple[list[tuple[int, int]], tuple[int, int]]:
        """The ``src`` cells and the ``dst`` cell highlighted in ``frame``."""
        row, col = divmod(frame, self.out_cols)
        r0 = self.start[0] + row * self.stride[0]
        c0 = self.start[1] + col * self.stride[1]
        taps = [
            (r0 + a * self.dilation[0], c0 + b * self.dilation[1])
            for a in range(self.kernel[0])
            for b in range(self.kernel[1])
        ]
        return taps, (row + self.dst_start[0], col + self.dst_start[1])

    @property
    def frames(self) -> int:
        return self.out_rows * self.out_cols


@dataclass
class Scene:
    """Everything one figure or widget state shows.

    Args:
        grids: the grids, drawn in order.
        links: lines between cells.
        windows: sliding windows; the renderers animate them frame by frame.
        lines: text shown under the drawing (formulas with numbers filled in).
        frame_lines: optional, one line per window frame, shown after ``lines``
            while that frame is highlighted (the sum for the highlighted pixel).
        error: if set, the one-line reason the configuration is impossible;
            nothing else is drawn.
    """

    grids: list[Grid] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    frame_lines: list[str] = field(default_factory=list)
    error: str | None = None

    def grid(self, name: str) -> Grid:
        """The grid called ``name``."""
        for g in self.grids:
            if g.name == name:
                return g
        raise ValueError(f"name must be one of the scene's grids {[g.name for g in self.grids]}, got {name!r}")

    @property
    def size(self) -> tuple[float, float]:
        """Width and height in cells, captions included."""
        width = max((g.x + g.cols for g in self.grids), default=1)
        height = max((g.y + g.rows for g in self.grids), default=1)
        return float(width), float(height)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the browser; empty fields are dropped to keep pages light."""
        data = asdict(self)
        for g in data["grids"]:
            for key in ("values", "vmax", "text", "label"):
                if g[key] in (None, ""):
                    del g[key]
        return {k: v for k, v in data.items() if v not in ([], None)}


def error_scene(message: str) -> Scene:
    """A scene that only says why a configuration is impossible, in one line."""
    return Scene(error=message.splitlines()[0] if message else "impossible configuration")
