"""Scenes for chapter 02, "Arithmetic": the padded input, the kernel's steps, the output."""

from __future__ import annotations

from .._args import IntOrTuple, ntuple
from ..arithmetic import conv_output_size
from ..scene import Grid, Scene, Window

__all__ = ["conv_scene", "output_size_formula"]

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


