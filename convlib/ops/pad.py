"""Padding as an index map: zeros, reflect, replicate and circular (chapter 02, "Arithmetic").

Every padding mode answers one question for each position ``j`` of a padded
dimension of length ``before + n + after``: which input index does it copy?
Writing ``j`` in input coordinates (``−before ≤ j < n + after``):

* ``constant`` (``nn.Conv2d``'s ``padding_mode="zeros"``): none, the position holds ``value``;
* ``reflect``: mirror about the edge pixel, which is not repeated: ``|j|``, then ``2(n−1) − j`` past the end;
* ``replicate``: the nearest edge pixel, ``clamp(j, 0, n−1)``;
* ``circular``: wrap around, ``j mod n``.

:func:`pad_index` computes that map and :func:`pad` applies it one dimension at
a time with ``index_select``, so autograd comes for free.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["PAD_MODES", "pad_index", "pad", "Pad"]

#: The modes of ``torch.nn.functional.pad``; ``nn.Conv2d`` calls ``constant`` "zeros".
PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _check_mode(mode: str) -> str:
    if mode not in PAD_MODES:
        raise ValueError(f"mode must be one of {', '.join(PAD_MODES)}, got {mode!r}")
    return mode


def pad_index(size: int, before: int, after: int, mode: str) -> Tensor:
    """Input index copied by each position of one padded dimension (chapter 02).

    Args:
        size: the input length ``n`` along the dimension.
        before, after: positions added at each end (non-negative).
        mode: one of :data:`PAD_MODES`; for ``"constant"`` the padded positions are ``-1``.

    Returns:
        Tensor[before + size + after] of ``int64`` indices into ``range(size)`` (or ``-1``).

    Raises:
        ValueError: naming the argument: negative sizes, reflect padding not smaller than
            ``size``, circular padding larger than ``size``, or replicate padding of an empty dimension.
    """
    _check_mode(mode)
    for value, name in ((size, "size"), (before, "pad"), (after, "pad")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    padding = max(before, after)
    if mode == "reflect" and padding > 0 and padding >= size:
        raise ValueError(f"pad must be smaller than the input size for reflect padding, got pad {padding} for size {size}")
    if mode == "circular" and padding > size:
        raise ValueError(f"pad must be at most the input size for circular padding, got pad {padding} for size {size}")
    if mode == "replicate" and padding > 0 and size == 0:
        raise ValueError("size must be positive for replicate padding: an empty dimension has no edge to copy")
    j = torch.arange(-before, size + after)  # positions, in input coordinates
    if mode == "constant":
        return torch.where((j < 0) | (j >= size), -1, j)
    if mode == "reflect":
        j = j.abs()  # mirror the left side about index 0
        return torch.where(j > size - 1, 2 * (size - 1) - j, j)  # and the right side about n − 1
    if mode == "replicate":
        return j.clamp(0, size - 1)
    return j % size if size else j  # circular; Python's % keeps the result in [0, n)


def _pairs(pad: Sequence[int], ndim: int) -> list[tuple[int, int]]:
    if isinstance(pad, (int, bool)) or not isinstance(pad, Sequence):
        raise ValueError(f"pad must be a tuple of ints (left, right, top, bottom, ...), got {pad!r}")
    if len(pad) % 2 or not pad:
        raise ValueError(f"pad must hold an even number of ints, one pair per padded dimension, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise ValueError(f"pad must pad at most input.dim() = {ndim} dimensions, got {len(pad) // 2} pairs")
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad must hold ints, got {tuple(pad)!r}")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad must be non-negative (this version does not crop), got {tuple(pad)!r}")
    return [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad ``input`` as ``torch.nn.functional.pad`` does, from index maps (chapter 02).

    ``pad`` lists ``(before, after)`` pairs starting from the *last* dimension:
    ``(left, right)`` pads the width, ``(left, right, top, bottom)`` the height
    too. Unlike PyTorch, any number of trailing dimensions may be padded in
    every mode, and negative (cropping) pads are refused.

    Args:
        input (Tensor[..., W]): any shape; batch dimensions of size 0 are fine.
        pad: non-negative ints, two per padded dimension.
        mode: ``"constant"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        value: the fill of ``"constant"`` padding (default 0); other modes take none.

    Returns:
        Tensor[..., W + left + right]: the padded input, differentiable.

    Raises:
        ValueError: naming the argument, for a malformed ``pad``, an unknown ``mode``,
            a ``value`` with a non-constant mode, or a pad the mode cannot fill
            (see ``convlib.ops.pad.pad_index``).
    """
    if not isinstance(input, Tensor):
        raise ValueError(f"input must be a torch.Tensor, got {type(input).__name__}")
    _check_mode(mode)
    if value is not None and mode != "constant":
        raise ValueError(f"value must be None for {mode} padding: only constant padding fills with a value")
    pairs = _pairs(pad, input.dim())
    out = input
    for i, (before, after) in enumerate(pairs):
        dim = input.dim() - 1 - i  # the first pair pads the last dimension
        index = pad_index(input.shape[dim], before, after, mode).to(input.device)
        if mode != "constant":
            out = out.index_select(dim, index)  # copies: each position reads its source index
            continue
        shape = list(out.shape)
        shape[dim] += before + after
        filled = out.new_full(shape, 0.0 if value is None else value)  # (..., before + n + after, ...)
        filled.narrow(dim, before, out.shape[dim]).copy_(out)  # the input, in the middle
        out = filled
    return out


class Pad(nn.Module):
    """A layer that pads with :func:`pad` (chapter 02): ``Pad((1, 1, 1, 1), "reflect")``.

    ``nn.Conv2d(..., padding=p, padding_mode=m)`` is this layer with ``m`` (``"zeros"``
    meaning ``"constant"``) followed by a convolution with ``padding=0``.
    """

    def __init__(self, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> None:
        super().__init__()
        self.pad, self.mode, self.value = tuple(pad), _check_mode(mode), value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.pad, self.mode, self.value)  # (*, ..., H + top + bottom, W + left + right)

    def extra_repr(self) -> str:
        return f"pad={self.pad}, mode={self.mode!r}" + (f", value={self.value}" if self.value is not None else "")
