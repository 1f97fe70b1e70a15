"""Transposed convolution, from tensor primitives (chapter 05, "Transposed convolution").

A transposed convolution scatters: every input pixel adds a copy of the kernel,
scaled by its value, to the output, at ``stride`` pixels from its neighbours'
copies; overlapping copies add up. Here the scaled copies come from one matrix
product and are added in place by ``F.fold`` (col2im, the adjoint of
``unfold``), then ``padding`` is cropped from the borders. Equivalently, it is
an ordinary convolution of the input with ``stride − 1`` zeros inserted between
pixels, padded by ``d(k−1) − p``, with the kernel flipped; the tests check
both views against PyTorch.
"""

from __future__ import annotations

from typing import Optional

import torch.nn.functional as F
from torch import Tensor, nn

from .._args import IntOrTuple, check_groups, check_positive, ntuple
from ..arithmetic import conv_transpose_output_size
from ._convnd import check_tensors

__all__ = ["conv_transpose2d", "ConvTranspose2d"]


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> Tensor:
    """2D transposed convolution, as ``torch.nn.functional.conv_transpose2d`` (chapter 05, "Transposed convolution").

    It is the adjoint (the gradient with respect to the input) of ``conv2d`` with the
    same stride, padding and dilation: every input pixel scatters a copy of the kernel,
    scaled by its value, into the output, and overlapping copies add up.

    Args:
        input (Tensor[N, C_in, H, W]): or unbatched ``(C_in, H, W)``.
        weight (Tensor[C_in, C_out/groups, kH, kW]): the kernel, laid out as in PyTorch.
        bias (Tensor[C_out], optional): added to every output pixel.
        stride: spacing of the scattered copies, int or ``(sH, sW)`` (at least 1).
        padding: rows and columns cropped from each side of the output (at least 0); the
            equivalent convolution pads by ``d(k−1) − padding``.
        output_padding: extra rows/columns at the end of the output; each entry must be
            smaller than the stride or the dilation of its dimension.
        groups: split the channels into this many independent transposed convolutions.
        dilation: spacing between kernel taps, int or ``(dH, dW)`` (at least 1).

    Returns:
        Tensor[N, C_out, H_out, W_out]: ``H_out = s(H−1) − 2p + d(k−1) + output_padding + 1``.

    Raises:
        ValueError: naming the argument and the rule it broke.
    """
    batched = check_tensors(input, weight, bias, 2, "(C_in, C_out/groups, kH, kW)")
    x = input if batched else input.unsqueeze(0)  # (N, C_in, H, W)
    stride_t, padding_t = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding")
    output_padding_t, dilation_t = ntuple(output_padding, 2, "output_padding"), ntuple(dilation, 2, "dilation")
    N, c_in = x.shape[:2]
    if weight.shape[0] != c_in:
        raise ValueError(f"weight must have in_channels = {c_in} entries along dim 0 (C_in, C_out/groups, kH, kW), got {weight.shape[0]}")
    check_groups(c_in, c_in, groups)  # out_channels = weight.shape[1]·groups, a multiple of groups by construction
    c_out = weight.shape[1] * groups
    if bias is not None and bias.shape[0] != c_out:
        raise ValueError(f"bias must have out_channels = {c_out} entries, got {bias.shape[0]}")
    check_positive(tuple(weight.shape[2:]), "kernel_size")
    for size, k, s, p, a, d in zip(x.shape[2:], weight.shape[2:], stride_t, padding_t, output_padding_t, dilation_t):
        conv_transpose_output_size(size, k, s, p, a, d)  # checks each argument and the output size

    # 1. Every input pixel scales every kernel tap: one matrix product per group.
    (h, w), (k_h, k_w) = x.shape[2:], weight.shape[2:]
    taps = weight.reshape(groups, c_in // groups, c_out // groups * k_h * k_w).transpose(1, 2)  # (G, C_out/G·kH·kW, C_in/G)
    cols = taps @ x.reshape(N, groups, c_in // groups, h * w)  # (N, G, C_out/G·kH·kW, H·W)
    # 2. Scatter-add each scaled kernel at its window of the uncropped output (col2im, the adjoint of unfold).
    full = [s * (i - 1) + d * (k - 1) + 1 for i, s, d, k in zip((h, w), stride_t, dilation_t, (k_h, k_w))]
    cols = cols.reshape(N, c_out * k_h * k_w, h * w)  # (N, C_out·kH·kW, H·W)
    y = F.fold(cols, full, (k_h, k_w), dilation=dilation_t, stride=stride_t)  # (N, C_out, full_h, full_w)
    # 3. Crop `padding` from both sides; output_padding adds zeros at the end where the crop cannot supply pixels.
    (p_h, p_w), (a_h, a_w) = padding_t, output_padding_t
    y = F.pad(y, (0, a_w, 0, a_h))  # (N, C_out, full_h + a_h, full_w + a_w)
    y = y[:, :, p_h : full[0] + a_h - p_h, p_w : full[1] + a_w - p_w]  # (N, C_out, H_out, W_out)
    y = y.contiguous() if bias is None else y + bias.reshape(1, c_out, 1, 1)  # (N, C_out, H_out, W_out)
    return y if batched else y.squeeze(0)


class ConvTranspose2d(nn.ConvTranspose2d):
    """``torch.nn.ConvTranspose2d`` (same arguments, parameters and initialisation) computed by :func:`conv_transpose2d`.

    Chapter 05, "Transposed convolution". ``forward(input, output_size=None)`` picks
    ``output_padding`` from ``output_size`` as PyTorch does.
    """

    def forward(self, input: Tensor, output_size: Optional[list[int]] = None) -> Tensor:
        if self.padding_mode != "zeros":
            raise ValueError(f"padding_mode must be 'zeros' for ConvTranspose2d, got {self.padding_mode!r}")
        output_padding = self._output_padding(
            input, output_size, list(self.stride), list(self.padding), list(self.kernel_size), 2, list(self.dilation)
        )
        return conv_transpose2d(
            input, self.weight, self.bias, self.stride, self.padding, output_padding, self.groups, self.dilation
        )  # (N, C_out, H_out, W_out)
