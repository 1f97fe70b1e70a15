"""Padding modes for chapter 02, "Arithmetic": what fills the border, shown with the values.

:func:`padding_scene` draws a small grid of numbers padded by
``torch.nn.functional.pad``; :func:`draw_padding_modes` shows the four modes
on the border of a real image with matplotlib.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..scene import Grid, Scene
from . import style

__all__ = ["PADDING_MODES", "padding_scene", "draw_padding_modes"]

GAP = 2

#: ``nn.Conv2d``'s ``padding_mode`` names, in the order the book shows them.
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

_RULES = {
    "zeros": "zeros: every border pixel is 0 (padding_mode='zeros', F.pad mode 'constant')",
    "reflect": "reflect: mirror about the edge pixel, which is not repeated; needs padding < size",
    "replicate": "replicate: copy the nearest edge pixel outwards",
    "circular": "circular: wrap around, as if the image tiled the plane; needs padding ≤ size",
}


def _torch_mode(mode: str) -> str:
    if mode not in PADDING_MODES:
        raise ValueError(f"mode must be one of {', '.join(PADDING_MODES)}, got {mode!r}")
    return "constant" if mode == "zeros" else mode


def _check(size: int, padding: int, mode: str) -> None:
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive int, got {size!r}")
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    if mode == "reflect" and padding >= size:
        raise ValueError(f"padding must be smaller than size for reflect padding, got padding {padding} for size {size}")
    if mode == "circular" and padding > size:
        raise ValueError(f"padding must be at most size for circular padding, got padding {padding} for size {size}")


def padding_scene(mode: str = "zeros", padding: int = 2, size: int = 4) -> Scene:
    """A ``size × size`` grid of the numbers 1, 2, … padded by ``padding`` in ``mode`` (chapter 02).

    The input is on the left; on the right, the padded grid that
    ``torch.nn.functional.pad`` returns, with the copied border pixels in orange
    (zeros stay grey and dashed) and every value printed.

    Args:
        mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"`` (as ``nn.Conv2d``'s ``padding_mode``).
        padding: pixels added on every side.
        size: the input's height and width.

    Raises:
        ValueError: naming the argument, for an unknown mode or a padding the mode
            cannot fill (PyTorch's rules: reflect needs ``padding < size``,
            circular ``padding ≤ size``).
    """
    torch_mode = _torch_mode(mode)
    _check(size, padding, mode)
    x = torch.arange(1, size * size + 1, dtype=torch.float32).view(1, 1, size, size)
    y = F.pad(x, (padding,) * 4, mode=torch_mode)[0, 0]  # (size + 2p, size + 2p)
    n = size + 2 * padding
    inside = [padding <= r < padding + size and padding <= c < padding + size for r in range(n) for c in range(n)]
    border = "p" if mode == "zeros" else "k"
    cells = "".join("i" if keep else border for keep in inside)
    values = [f"{int(v)}" for v in y.flatten().tolist()]
    first_row = y[padding].tolist()
    row = " ".join(f"{int(v)}" for v in first_row[:padding])
    row += (" | " if padding else "") + " ".join(f"{int(v)}" for v in first_row[padding:padding + size])
    row += (" | " if padding else "") + " ".join(f"{int(v)}" for v in first_row[padding + size:])
    return Scene(
        grids=[
            Grid("input", 0, padding, size, size, "i", label=f"input {size}×{size}",
                 text=[f"{int(v)}" for v in x.flatten().tolist()]),
            Grid("padded", size + GAP, 0, n, n, cells, label=f"{mode}, padding {padding}: {n}×{n}", text=values),
        ],
        lines=[_RULES[mode], f"first input row after padding: {row.strip()}"],
    )


def draw_padding_modes(image: torch.Tensor, padding: int, modes: tuple[str, ...] = PADDING_MODES) -> Figure:
    """One panel per padding mode: ``image`` padded by ``padding`` pixels, its own border outlined (chapter 02).

    Args:
        image (Tensor[H, W]): a grey-scale image in [0, 1], e.g. ``convlib.sample_image("camera", 64)``.
        padding: pixels added on each side; reflect needs fewer than ``min(H, W)``.
        modes: which of :data:`PADDING_MODES` to show.
    """
    if image.dim() != 2:
        raise ValueError(f"image must be a 2D (H, W) tensor, got shape {tuple(image.shape)}")
    h, w = image.shape
    for mode in modes:
        _torch_mode(mode)
        _check(min(h, w), padding, mode)
    width = min(2.6 * len(modes), style.COLUMN_IN - 0.2)  # no wider than the website's column
    fig, axes = plt.subplots(1, len(modes), figsize=(width, width / len(modes) + 0.4), squeeze=False)
    for ax, mode in zip(axes[0], modes):
        padded = F.pad(image[None, None], (padding,) * 4, mode=_torch_mode(mode))[0, 0]  # (H + 2p, W + 2p)
        ax.imshow(padded.cpu().numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.add_patch(Rectangle((padding - 0.5, padding - 0.5), w, h, fill=False, edgecolor="#d94801", linewidth=1.5))
        ax.set_title(mode, fontsize=10)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
