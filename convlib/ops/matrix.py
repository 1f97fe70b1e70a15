"""The convolution matrix of a single-channel 2D convolution (chapter 05, "Transposed convolution").

A convolution is linear in its input, so on a fixed input size it is a matrix
``C``: ``C @ x.flatten()`` is the convolution and ``C.T @ y.flatten()`` is the
transposed convolution, which is where the name comes from.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .._args import IntOrTuple, check_non_negative, check_positive, ntuple
from ..arithmetic import conv_output_size

__all__ = ["conv_matrix"]


def conv_matrix(
    weight: Tensor,
    input_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """Dense matrix of a single-channel 2D convolution (chapter 05, "Transposed convolution").

    Row ``i·W_out + j`` holds the kernel taps that output pixel ``(i, j)`` multiplies,
    placed at the columns of the input pixels they land on; taps that land on the zero
    padding are dropped. For a 4×4 input and a 3×3 kernel at stride 1, ``C`` is 4×16.
    The matrix is built by scattering the kernel's entries, so it is differentiable
    with respect to ``weight``.

    Args:
        weight (Tensor[kH, kW]): the kernel; a ``(1, 1, kH, kW)`` conv2d weight is accepted too.
        input_size: ``(H, W)`` of the input, or an int for a square one.
        stride: int or ``(sH, sW)`` (at least 1).
        padding: zeros on each side, int or ``(pH, pW)`` (at least 0).
        dilation: spacing between kernel taps, int or ``(dH, dW)`` (at least 1).

    Returns:
        Tensor[H_out·W_out, H·W]: with ``C @ x.flatten() == conv2d(x, weight, ...).flatten()``
        and ``C.T @ y.flatten() == conv_transpose2d(y, weight, ...).flatten()`` whenever
        the transposed output is ``H × W`` (``output_padding`` makes up the remainder).

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    if not isinstance(weight, Tensor):
        raise ValueError(f"weight must be a torch.Tensor, got {type(weight).__name__}")
    if weight.dim() == 4 and weight.shape[:2] == (1, 1):
        weight = weight[0, 0]  # (kH, kW)
    if weight.dim() != 2:
        raise ValueError(f"weight must be a (kH, kW) kernel or a (1, 1, kH, kW) tensor, got shape {tuple(weight.shape)}")
    (in_h, in_w), (s_h, s_w) = ntuple(input_size, 2, "input_size"), ntuple(stride, 2, "stride")
    (p_h, p_w), (d_h, d_w) = ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    check_positive((in_h, in_w), "input_size")
    check_positive(tuple(weight.shape), "kernel_size")
    check_non_negative((p_h, p_w), "padding")
    k_h, k_w = weight.shape
    out_h = conv_output_size(in_h, k_h, s_h, p_h, d_h)
    out_w = conv_output_size(in_w, k_w, s_w, p_w, d_w)

    def arange(n: int) -> Tensor:
        return torch.arange(n, device=weight.device)

    # Input row/column that output pixel (i, j) reads through tap (u, v): s·i + d·u − p.
    rows = arange(out_h)[:, None, None, None] * s_h + arange(k_h)[None, None, :, None] * d_h - p_h  # (H_out, 1, kH, 1)
    cols = arange(out_w)[None, :, None, None] * s_w + arange(k_w)[None, None, None, :] * d_w - p_w  # (1, W_out, 1, kW)
    out_index = arange(out_h)[:, None, None, None] * out_w + arange(out_w)[None, :, None, None]  # (H_out, W_out, 1, 1)
    rows, cols, out_index = torch.broadcast_tensors(rows, cols, out_index)  # each (H_out, W_out, kH, kW)
    inside = (rows >= 0) & (rows < in_h) & (cols >= 0) & (cols < in_w)  # taps that do not land on padding
    taps = weight.expand(out_h, out_w, k_h, k_w)  # (H_out, W_out, kH, kW)
    matrix = weight.new_zeros(out_h * out_w, in_h * in_w)  # (H_out·W_out, H·W)
    index = (out_index[inside], (rows * in_w + cols)[inside])
    return matrix.index_put(index, taps[inside], accumulate=True)  # (H_out·W_out, H·W)
