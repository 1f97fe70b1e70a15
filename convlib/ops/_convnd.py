"""Shared machinery of the from-scratch convolutions: argument checks and one N-d kernel.

Every convolution in :mod:`convlib.ops` ends in :func:`convnd_core`, which is
im2col written with tensor primitives: pad the channels-last input, cut out
every window with ``Tensor.unfold``, lay the windows out as the columns of a
matrix and multiply the flattened kernel by it, one product per group.
"""

from __future__ import annotations

import math
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from .._args import IntOrTuple, check_groups, check_non_negative, check_positive, ntuple
from ..arithmetic import conv_output_size, same_padding

__all__ = ["PaddingArg", "check_tensors", "conv_padding", "check_conv_args", "convnd_core"]

PaddingArg = Union[str, IntOrTuple]

# The im2col matrix is built and multiplied a block at a time. One huge fresh
# buffer costs more in page faults than the matmul itself; blocks of a few MiB
# are recycled by the allocator and stay in cache.
_CHUNK_BYTES = 4 * 2**20

_LETTERS = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _layout(n: int, batched: bool = True) -> str:
    dims = ", ".join(_LETTERS[n])
    return f"(N, C_in, {dims})" if batched else f"(C_in, {dims})"


def check_tensors(input: Tensor, weight: Tensor, bias: Optional[Tensor], n: int, weight_layout: str) -> bool:
    """Check ranks, dtypes and devices; return whether ``input`` has a batch dimension.

    Args:
        input: ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)`` with ``n`` spatial dims.
        weight: an ``(n + 2)``-D kernel laid out as ``weight_layout`` says.
        bias: ``None`` or a 1-D tensor.
    """
    for value, name in ((input, "input"), (weight, "weight")):
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if input.dim() not in (n + 1, n + 2):
        raise ValueError(
            f"input must be a {n + 2}-D tensor {_layout(n)} or an unbatched {n + 1}-D tensor "
            f"{_layout(n, batched=False)}, got shape {tuple(input.shape)}"
        )
    if any(s < 1 for s in input.shape[-n:]):
        raise ValueError(f"input must have positive spatial sizes, got shape {tuple(input.shape)}")
    if weight.dim() != n + 2:
        raise ValueError(f"weight must be a {n + 2}-D tensor {weight_layout}, got shape {tuple(weight.shape)}")
    others = ((weight, "weight"),) if bias is None else ((weight, "weight"), (bias, "bias"))
    for value, name in others:
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor or None, got {type(value).__name__}")
        if value.dtype != input.dtype:
            raise ValueError(f"{name} must have the same dtype as input ({input.dtype}), got {value.dtype}")
        if value.device != input.device:
            raise ValueError(f"{name} must be on the same device as input ({input.device}), got {value.device}")
    if bias is not None and bias.dim() != 1:
        raise ValueError(f"bias must be a 1-D tensor (C_out,), got shape {tuple(bias.shape)}")
    return input.dim() == n + 2


def conv_padding(
    padding: PaddingArg, kernel_size: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> list[tuple[int, int]]:
    """Zeros (before, after) per spatial dim for ``padding`` as PyTorch reads it.

    ``'valid'`` is no padding; ``'same'`` keeps the size (stride 1 only) and, for an
    even effective kernel, puts the extra zero at the end.
    """
    n = len(kernel_size)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding != "same":
            raise ValueError(f"padding must be 'same', 'valid', an int or a tuple of {n} ints, got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"padding='same' needs stride 1 (PyTorch does not support it for strided convolutions), got stride={stride}")
        return [same_padding(k, d) for k, d in zip(kernel_size, dilation)]
    pads = ntuple(padding, n, "padding")
    check_non_negative(pads, "padding")
    return [(p, p) for p in pads]


def check_conv_args(
    input_shape: tuple[int, ...],
    weight: Tensor,
    bias: Optional[Tensor],
    stride: IntOrTuple,
    padding: PaddingArg,
    dilation: IntOrTuple,
    groups: int,
) -> tuple[tuple[int, ...], list[tuple[int, int]], tuple[int, ...]]:
    """Validate a convolution's arguments; return ``(stride, pads, dilation)`` as tuples.

    Args:
        input_shape: ``(N, C_in, *spatial)``.
        weight (Tensor[C_out, C_in/groups, *kernel]): the kernel.
        bias (Tensor[C_out] or None): added to every output pixel.

    Raises:
        ValueError: naming the argument, e.g. for a non-positive stride, a ``groups``
            that does not divide the channels, or a kernel larger than the padded input.
    """
    n = len(input_shape) - 2
    stride_t = ntuple(stride, n, "stride")
    check_positive(stride_t, "stride")
    dilation_t = ntuple(dilation, n, "dilation")
    check_positive(dilation_t, "dilation")
    c_in, c_out, kernel = input_shape[1], weight.shape[0], tuple(weight.shape[2:])
    check_groups(c_in, c_out, groups)
    if weight.shape[1] * groups != c_in:
        raise ValueError(
            f"weight must have in_channels/groups = {c_in // groups} input channels "
            f"(in_channels={c_in}, groups={groups}), got {weight.shape[1]}"
        )
    if bias is not None and bias.shape[0] != c_out:
        raise ValueError(f"bias must have out_channels = {c_out} entries, got {bias.shape[0]}")
    check_positive(kernel, "kernel_size")
    pads = conv_padding(padding, kernel, stride_t, dilation_t)
    for size, k, s, (lo, hi), d in zip(input_shape[2:], kernel, stride_t, pads, dilation_t):
        conv_output_size(size + hi - lo, k, s, lo, d)  # raises "kernel_size too large"; 'same' may pad one more at the end
    return stride_t, pads, dilation_t


def convnd_core(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor],
    stride: tuple[int, ...],
    pads: list[tuple[int, int]],
    dilation: tuple[int, ...],
    groups: int,
) -> Tensor:
    """Cross-correlate ``input`` with ``weight`` (arguments already checked).

    Args:
        input (Tensor[N, C_in, *spatial]): ``n`` spatial dims.
        weight (Tensor[C_out, C_in/groups, *kernel]): the kernel.
        bias (Tensor[C_out] or None): added to every output pixel.
        stride: one int per spatial dim.
        pads: zeros (before, after) per spatial dim.
        dilation: one int per spatial dim.
        groups: the channels split into this many independent convolutions.

    Returns:
        Tensor[N, C_out, *out]: the output.
    """
    n = input.dim() - 2
    N, c_in = input.shape[:2]
    c_out, c_g, *kernel = weight.shape
    o_g = c_out // groups
    flat_pads = [p for pair in reversed(pads) for p in pair]  # F.pad lists the last dim first
    x = F.pad(input.movedim(1, -1), [0, 0, *flat_pads])  # (N, *padded, C_in), channels last
    for dim, (k, s, d) in enumerate(zip(kernel, stride, dilation)):
        x = x.unfold(1 + dim, d * (k - 1) + 1, s)  # appends a window dim of span d(k-1)+1
    x = x[(..., *(slice(None, None, d) for d in dilation))]  # (N, *out, C_in, *kernel)
    out = x.shape[1 : 1 + n]
    x = x.unflatten(1 + n, (groups, c_g))  # (N, *out, G, C_in/G, *kernel)
    order = [1 + n, 0, *range(1, 1 + n), *range(3 + n, 3 + 2 * n), 2 + n]
    x = x.permute(order)  # (G, N, *out, *kernel, C_in/G), a view
    w = weight.unflatten(0, (groups, o_g)).movedim(2, -1)  # (G, C_out/G, *kernel, C_in/G)
    w = w.reshape(groups, o_g, -1)  # (G, C_out/G, K·C_in/G)
    b = None if bias is None else bias.reshape(groups, o_g, 1)  # (G, C_out/G, 1)
    # Blocks of whole samples where a sample fits in _CHUNK_BYTES, else blocks of output rows of one sample.
    row_bytes = math.prod(out[1:]) * weight[0].numel() * groups * x.element_size()
    rows = min(out[0], max(1, _CHUNK_BYTES // max(1, row_bytes)))
    samples = max(1, _CHUNK_BYTES // max(1, row_bytes * out[0])) if rows == out[0] else 1
    pieces = []
    for start in range(0, max(N, 1), samples):
        blocks = [_block(x[:, start : start + samples, r : r + rows], w, b, c_out, n) for r in range(0, out[0], rows)]
        pieces.append(blocks[0] if len(blocks) == 1 else torch.cat(blocks, dim=2))  # (n, C_out, *out)
    return pieces[0] if len(pieces) == 1 else torch.cat(pieces)  # (N, C_out, *out)


def _block(x: Tensor, w: Tensor, b: Optional[Tensor], c_out: int, spatial: int) -> Tensor:
    """One im2col product: windows ``(G, n, r, *out[1:], *kernel, C_in/G)`` to outputs ``(n, C_out, r, *out[1:])``."""
    groups, n, *out = x.shape[: 2 + spatial]
    cols = x.reshape(groups, n * math.prod(out), w.shape[2]).transpose(1, 2)  # (G, K·C_in/G, positions), the copy
    y = torch.bmm(w, cols) if b is None else torch.baddbmm(b, w, cols)  # (G, C_out/G, positions)
    y = y.view(groups, w.shape[1], n, *out).movedim(2, 0)  # (n, G, C_out/G, r, *out[1:])
    return y.reshape(n, c_out, *out)  # (n, C_out, r, *out[1:]), a view when n is 1
