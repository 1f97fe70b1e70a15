"""Scenes for chapter 12, "Channel shuffle and pointwise group convolution".

* :func:`shuffle_scene`: the shuffle as reshape to ``(g, n)``, transpose to ``(n, g)``
  and flatten, with every channel coloured by its group;
* :func:`connectivity_scene`: three layers of channels (input, after a grouped
  ``1 × 1`` layer, after a second one), with or without a shuffle between the two
  grouped layers, and the links that reach one highlighted output channel.
"""

from __future__ import annotations

from ..scene import Grid, Link, Scene
from ..shufflenet import reachable_inputs, shuffle_permutation

__all__ = ["shuffle_scene", "connectivity_scene", "plural"]

MIN_WIDTH = 18  # cells: the text lines under the drawing need this much room
ROW_GAP = 5  # rows between two layers of channels, room for the links
_PATH = "#d94801"  # links from the highlighted output back to what it sees
LABEL_WIDTH = 4  # cells left of the rows for their names
_ROW_NAMES = {"in": "input", "l1": "layer 1", "l2": "layer 2"}


def plural(count: int, word: str) -> str:
    """``"1 group"``, ``"3 groups"``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _split(channels: int, groups: int) -> int:
    for value, name in ((channels, "channels"), (groups, "groups")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if channels % groups:
        raise ValueError(f"groups must divide channels: {channels} channels do not split into {groups} groups")
    return channels // groups


def _column(channel: int, per_group: int) -> int:
    """Column of ``channel`` in a row drawn with one empty cell between groups."""
    return channel + channel // per_group


def _row_cells(letters: list[str], per_group: int) -> str:
    """One letter per channel, with a ``.`` (not drawn) between consecutive groups."""
    out = []
    for c, letter in enumerate(letters):
        if c and c % per_group == 0:
            out.append(".")
        out.append(letter)
    return "".join(out)


def _row_text(labels: list[str], per_group: int) -> list[str]:
    out: list[str] = []
    for c, label in enumerate(labels):
        if c and c % per_group == 0:
            out.append("")
        out.append(label)
    return out


def _group_values(groups: int, owners: list[int]) -> list[float]:
    """A heat-map value per channel, one shade per group, spread over ``[-1, 1]``."""
    half = (groups - 1) / 2 or 1.0
    return [(k - (groups - 1) / 2) / half for k in owners]


def shuffle_scene(channels: int = 12, groups: int = 3) -> Scene:
    """A channel shuffle as reshape, transpose and flatten, channels coloured by group (chapter 12).

    Top: the channels in ``g`` groups of ``n``. Middle: the same numbers reshaped to a
    ``g × n`` matrix (one row per group) and its ``n × g`` transpose. Bottom: the
    transpose read row by row, split into the ``g`` groups the next layer will use.

    Raises:
        ValueError: unless ``groups`` divides ``channels``.
    """
    n = _split(channels, groups)
    perm = shuffle_permutation(channels, groups)
    owner = [c // n for c in range(channels)]
    row_width = channels + groups - 1
    mat_width = n + 3 + groups
    width = max(row_width, mat_width, MIN_WIDTH)
    x_row = (width - row_width) / 2
    x_mat = (width - mat_width) / 2
    y_mat = 3.0
    y_out = y_mat + max(groups, n) + 2.5
    vmax = 2.4  # pastel shades, so that the numbers stay readable
    matrix = [c for c in range(channels)]  # row-major (g, n): row = group
    transpose = [matrix[i * n + j] for j in range(n) for i in range(groups)]  # row-major (n, g)
    grids = [
        Grid("before", x_row, 0, 1, row_width, _row_cells(["i"] * channels, n),
             label=f"{plural(groups, 'group')} of {n}",
             values=_with_gaps(_group_values(groups, owner), n),
             vmax=vmax, text=_row_text([str(c) for c in range(channels)], n)),
        Grid("reshaped", x_mat, y_mat, groups, n, "i", label=f"({groups}, {n})",
             values=_group_values(groups, [owner[c] for c in matrix]), vmax=vmax, text=[str(c) for c in matrix]),
        Grid("transposed", x_mat + n + 3, y_mat, n, groups, "i", label=f"({n}, {groups})",
             values=_group_values(groups, [owner[c] for c in transpose]), vmax=vmax, text=[str(c) for c in transpose]),
        Grid("after", x_row, y_out, 1, row_width, _row_cells(["i"] * channels, n), label="flattened",
             values=_with_gaps(_group_values(groups, [owner[c] for c in perm]), n),
             vmax=vmax, text=_row_text([str(c) for c in perm], n)),
    ]
    if width > max(x_row + row_width, x_mat + mat_width):  # an empty cell keeps the drawing wide enough for the text
        grids.append(Grid("margin", width - 1, 0, 1, 1, "."))
    lines = [
        f"reshape to ({groups}, {n}), transpose to ({n}, {groups}), flatten",
        f"position p receives channel (p mod {groups})·{n} + ⌊p/{groups}⌋",
    ]
    return Scene(grids=grids, lines=lines)


def _with_gaps(values: list[float], per_group: int) -> list[float]:
    """One value per channel, with a ``0`` for the empty cell between consecutive groups."""
    out: list[float] = []
    for c, v in enumerate(values):
        if c and c % per_group == 0:
            out.append(0.0)
        out.append(v)
    return out


def connectivity_scene(channels: int = 12, groups: int = 3, shuffle: bool | str = True, output: int = 0) -> Scene:
    """What one output channel of two stacked grouped ``1 × 1`` layers sees (chapter 12).

    Three rows of channels, top to bottom, named on the left: the input, the first
    grouped layer's output and the second grouped layer's output, each drawn in its
    groups. Links run between the rows' edges, clear of the numbers and names. The
    highlighted output channel (green) reads the orange channels of the layer above,
    which read the orange input channels; input channels it never sees are pink (light red).

    Args:
        channels: ``C``, the channels of every layer.
        groups: ``g`` of both layers; must divide ``C``.
        shuffle: a channel shuffle between the two layers (``True``/``"on"``) or not.
        output: the highlighted output channel, ``0 ≤ output < C``.

    Raises:
        ValueError: with one line, for groups that do not divide the channels or a
            missing output channel.
    """
    n = _split(channels, groups)
    if isinstance(shuffle, str):
        if shuffle not in ("on", "off"):
            raise ValueError(f"shuffle must be 'on' or 'off', got {shuffle!r}")
        shuffle = shuffle == "on"
    if not isinstance(output, int) or not 0 <= output < channels:
        raise ValueError(f"output channel {output} does not exist: {channels} channels are numbered 0 to {channels - 1}")
    perm = shuffle_permutation(channels, groups) if shuffle else list(range(channels))
    group = output // n
    middle = [perm[p] for p in range(group * n, (group + 1) * n)]
    seen = reachable_inputs(channels, groups, shuffle, output)
    row_width = channels + groups - 1
    width = max(LABEL_WIDTH + row_width + 1, MIN_WIDTH)
    x0 = LABEL_WIDTH + (width - LABEL_WIDTH - row_width) // 2
    numbers = _row_text([str(c) for c in range(channels)], n)
    rows = {"in": 0, "l1": ROW_GAP, "l2": 2 * ROW_GAP}
    grids = [
        Grid("in", x0, rows["in"], 1, row_width,
             _row_cells(["k" if c in seen else "x" for c in range(channels)], n), text=numbers),
        Grid("l1", x0, rows["l1"], 1, row_width,
             _row_cells(["k" if c in middle else "c" for c in range(channels)], n), text=numbers),
        Grid("l2", x0, rows["l2"], 1, row_width,
             _row_cells(["o" if c == output else "c" for c in range(channels)], n), text=numbers),
    ]
    for name, y in rows.items():
        # Invisible anchors: links run from the bottom edge of one row to the top edge of the next,
        # so they never cross a channel number; the row names sit to the left, clear of every link.
        grids.append(Grid(f"{name}_top", x0, y - 0.5, 1, row_width, "."))
        grids.append(Grid(f"{name}_bottom", x0, y + 0.5, 1, row_width, "."))
        grids.append(Grid(f"{name}_name", 0, y + 1.15, 0, LABEL_WIDTH, "", label=_ROW_NAMES[name]))
    if width > row_width + x0:  # an empty cell at the far right keeps the drawing wide enough for the text
        grids.append(Grid("m", width - 1, 0, 1, 1, "."))
    links = [Link("l2_top", 0, _column(output, n), "l1_bottom", 0, _column(q, n), _PATH) for q in middle]
    for q in middle:
        first = q // n * n
        links += [Link("l1_top", 0, _column(q, n), "in_bottom", 0, _column(i, n), _PATH) for i in range(first, first + n)]
    from_groups = len({q // n for q in middle})
    lines = [
        f"{channels} channels in {plural(groups, 'group')} of {n}, shuffle {'on' if shuffle else 'off'}",
        f"output {output} reads {plural(n, 'channel')} of layer 1, from {plural(from_groups, 'group')}",
    ]
    if shuffle and 1 < groups < channels:
        lo, hi = group * n, (group + 1) * n - 1
        lines.append(f"shuffled positions {lo} to {hi} hold layer-1 channels {', '.join(map(str, middle))}")
    lines.append(f"output {output} sees {len(seen)} of {channels} input channels")
    return Scene(grids=grids, links=links, lines=lines)
