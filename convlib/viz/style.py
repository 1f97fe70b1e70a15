"""The book's figure style: figures sized for the website's column, with text a reader can read.

The website shows a figure at its natural size when it fits the text column and shrinks it
to the column when it does not. At 1280 px the column is :data:`COLUMN_PX` pixels wide and
figures are saved at :data:`DPI`, so a figure of width ``w`` inches is drawn at
``min(1, COLUMN_IN / w)`` of its size, and text of ``s`` points is drawn
``s · DPI / 72 · min(1, COLUMN_IN / w)`` pixels high. To keep every label at least
:data:`SMALLEST_PX` pixels high, make figures at most :data:`COLUMN_IN` inches wide (then any
text of 6.5 points or more is readable), or keep ``s ≥ 0.94 · w`` for a wider one.

:func:`use` applies this style. ``import convlib`` calls it in a Jupyter kernel (every chapter's
set-up cell imports ``convlib``): matplotlib's defaults become :data:`RC`, and each figure a
cell shows is saved as a PNG that records, under :data:`TEXT_KEY`, the size in pixels of its
smallest text, which ``tests/test_figure_text.py`` multiplies by the scale the browser draws
the image at.
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

__all__ = ["DPI", "COLUMN_PX", "COLUMN_IN", "PAD_PX", "SMALLEST_PX", "TEXT_KEY", "ALT_KEY", "RC", "smallest_text_px",
           "describe", "png", "use"]

#: Dots per inch of every figure on the website (matplotlib's default).
DPI = 100
#: Width in CSS pixels of the website's text column in a 1280 px wide window (measured in Chromium).
COLUMN_PX = 688
#: The column's width in inches at :data:`DPI`: the widest figure shown at its natural size.
COLUMN_IN = COLUMN_PX / DPI
#: The margin in pixels that ``savefig(bbox_inches="tight")`` leaves around a figure (``pad_inches`` 0.1).
PAD_PX = 0.1 * DPI
#: The smallest text a reader should be asked to read, in CSS pixels.
SMALLEST_PX = 9
#: The PNG text chunk holding the size in pixels of a figure's smallest text ("none" for no text).
TEXT_KEY = "Smallest text px"
#: The PNG text chunk holding the figure's text alternative (:func:`describe`); the book's Sphinx
#: extension makes it the ``alt`` of the image on the website.
ALT_KEY = "Description"
#: matplotlib settings of the book: a default figure as wide as the column (less savefig's margin), 10 pt text.
RC: dict[str, Any] = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (COLUMN_IN - 2 * PAD_PX / DPI, 3.8),
    "font.size": 10.0,
}


def smallest_text_px(fig: Any, dpi: float | None = None) -> float | None:
    """The font size in pixels (at ``dpi``, by default the figure's) of the smallest text that
    ``fig`` draws (titles, tick labels, legends, annotations); ``None`` if it draws none."""
    sizes = [t.get_fontsize() for t in _drawn_texts(fig) if t.get_text().strip()]
    dpi = fig.dpi if dpi is None else dpi
    return min(sizes) * dpi / 72 if sizes else None


def _drawn_texts(artist: Any) -> Any:
    """The text artists under ``artist`` that are drawn: visible, and not on an axis turned off."""
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    if not artist.get_visible() or artist.get_alpha() == 0:
        return
    if isinstance(artist, Text):
        yield artist
    for child in artist.get_children():
        if isinstance(artist, Axes) and not artist.axison and isinstance(child, Axis):
            continue
        yield from _drawn_texts(child)


def describe(fig: Any, limit: int = 600) -> str:
    """A text alternative for ``fig`` in its own words: its title, each panel's title and axis labels,
    its legends and the lines of text it draws (labels and sentences; the numbers written in cells
    are left out), each once, in drawing order, cut to ``limit`` characters."""
    import re

    from matplotlib.axes import Axes

    words: list[str] = []

    short: set[str] = set()

    def add(text: str, prefix: str = "") -> None:
        text = " ".join(text.split())
        if not text or re.fullmatch(r"[-+−]?[\d.,·×/%e]+", text) or prefix + text in words:
            return
        if len(text) < 25:  # "step 2 of 9", "step 3 of 9", ...: the first of a run of short labels
            pattern = re.sub(r"\d+", "#", text)
            if pattern in short and pattern != text:
                return
            short.add(pattern)
        words.append(prefix + text)

    if getattr(fig, "_suptitle", None) is not None:
        add(fig._suptitle.get_text())
    for text in fig.texts:
        add(text.get_text())
    for ax in fig.axes:
        if not isinstance(ax, Axes) or not ax.get_visible():
            continue
        for loc in ("left", "center", "right"):
            add(ax.get_title(loc))
        if ax.axison:
            add(ax.get_xlabel(), "x: ")
            add(ax.get_ylabel(), "y: ")
        legend = ax.get_legend()
        if legend is not None:
            add(", ".join(t.get_text() for t in legend.get_texts()), "legend: ")
        for text in ax.texts:
            add(text.get_text())
    described = "; ".join(words)
    if not described:
        return "A figure with no text (described in the paragraph before it)."
    return described if len(described) <= limit else described[: limit - 1].rsplit(" ", 1)[0] + "…"


def png(fig: Any, **kwargs: Any) -> bytes:
    """``fig`` as a PNG (tight bounding box, :data:`DPI`) whose :data:`TEXT_KEY` text chunk records
    the size in pixels of its smallest text and whose :data:`ALT_KEY` chunk its text alternative
    (:func:`describe`); ``kwargs`` go to ``savefig``."""
    options = {"format": "png", "dpi": DPI, "bbox_inches": "tight", "facecolor": fig.get_facecolor()} | kwargs
    fig.canvas.draw()  # lays out the text (tick labels exist once drawn)
    smallest = smallest_text_px(fig, options["dpi"])
    options["metadata"] = ({TEXT_KEY: "none" if smallest is None else f"{smallest:.2f}", ALT_KEY: describe(fig)}
                           | options.get("metadata", {}))
    buffer = io.BytesIO()
    fig.savefig(buffer, **options)
    return buffer.getvalue()


def _png_base64(fig: Any) -> str | None:
    if not fig.axes and not fig.lines:  # as IPython does: an empty figure shows nothing
        return None
    return base64.b64encode(png(fig)).decode("ascii")


def use() -> None:
    """Apply the book's style: :data:`RC`, and in IPython, PNGs of shown figures that record their smallest text."""
    import matplotlib

    matplotlib.rcParams.update(RC)
    shell = _ipython()
    if shell is None:
        return
    backend = matplotlib.rcParams._get("backend")
    if backend in ("inline", "module://matplotlib_inline.backend_inline"):
        # Loading the inline backend registers its own figure formatter (once per kernel): load it
        # first, so that the one below replaces it.
        import matplotlib_inline.backend_inline  # noqa: F401
    from matplotlib.figure import Figure

    shell.display_formatter.formatters["image/png"].for_type(Figure, _png_base64)


def _ipython() -> Any:
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    shell = get_ipython()
    return shell if shell is not None and hasattr(shell, "display_formatter") else None
