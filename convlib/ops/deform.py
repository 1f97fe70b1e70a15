"""Deformable convolution (DCN and DCNv2), written from index arithmetic, gathering and matmul.

A deformable convolution reads each kernel tap at the regular grid position plus
a learned, fractional offset ``(dy, dx)``, samples the input there by bilinear
interpolation (zero outside the image), optionally scales the sample by a
modulation mask (DCNv2), and then contracts the samples with the kernel as an
ordinary convolution does. Chapter 15 teaches it.

The implementation works channels-last: for every output position and kernel
tap it computes the four corner rows and their bilinear weights once per offset
group (the mask folds into those weights), gathers whole rows of channels from
a zero-bordered copy of the input with one flat index, and multiplies the
gathered columns ``(positions, kH·kW·C_in/groups)`` by the kernel, one product
per weight group, a block of positions at a time.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn import init

from .._args import IntOrTuple, check_non_negative, check_positive, ntuple
from ..arithmetic import conv_output_size

__all__ = ["deform_conv2d", "DeformConv2d"]

# Gathered columns are formed and multiplied a block of output positions at a time.
_CHUNK_BYTES = 32 * 2**20


def _check(
    input: Tensor, offset: Tensor, weight: Tensor, bias: Optional[Tensor], mask: Optional[Tensor],
    stride: IntOrTuple, padding: IntOrTuple, dilation: IntOrTuple,
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], int, int, tuple[int, int]]:
    """Validate the arguments; return stride, padding, dilation, weight groups, offset groups and the output size."""
    named = [(input, "input"), (offset, "offset"), (weight, "weight"), (bias, "bias"), (mask, "mask")]
    for value, name in named:
        if value is None and name in ("bias", "mask"):
            continue
        if not isinstance(value, Tensor):
            raise ValueError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if value.dtype != input.dtype:
            raise ValueError(f"{name} must have the same dtype as input ({input.dtype}), got {value.dtype}")
        if value.device != input.device:
            raise ValueError(f"{name} must be on the same device as input ({input.device}), got {value.device}")
    if not input.is_floating_point():
        raise ValueError(f"input must be a floating-point tensor, got {input.dtype}")
    for value, name, layout in ((input, "input", "(N, C_in, H, W)"), (weight, "weight", "(C_out, C_in/groups, kH, kW)")):
        if value.dim() != 4:
            raise ValueError(f"{name} must be a 4-D tensor {layout}, got shape {tuple(value.shape)}")
    stride_t, dilation_t = ntuple(stride, 2, "stride"), ntuple(dilation, 2, "dilation")
    padding_t = ntuple(padding, 2, "padding")
    check_positive(stride_t, "stride")
    check_positive(dilation_t, "dilation")
    check_non_negative(padding_t, "padding")
    n, c_in, h, w = input.shape
    c_out, c_g, kh, kw = weight.shape
    if kh < 1 or kw < 1 or c_g < 1 or c_in % c_g:
        raise ValueError(
            f"weight must have a positive kernel and C_in/groups input channels dividing in_channels={c_in}, "
            f"got shape {tuple(weight.shape)}"
        )
    groups = c_in // c_g
    if c_out % groups:
        raise ValueError(f"weight's out_channels ({c_out}) must be divisible by groups = {groups} (in_channels / weight.shape[1])")
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ValueError(f"bias must be a 1-D tensor of out_channels = {c_out} entries, got shape {tuple(bias.shape)}")
    out = tuple(conv_output_size(size, k, s, p, d) for size, k, s, p, d in zip((h, w), (kh, kw), stride_t, padding_t, dilation_t))
    taps = kh * kw
    if offset.dim() != 4 or offset.shape[1] == 0 or offset.shape[1] % (2 * taps):
        raise ValueError(
            f"offset must be a 4-D tensor (N, 2·offset_groups·kH·kW, H_out, W_out) whose channels are a positive "
            f"multiple of 2·kH·kW = {2 * taps}, got shape {tuple(offset.shape)}"
        )
    offset_groups = offset.shape[1] // (2 * taps)
    if c_in % offset_groups:
        raise ValueError(f"offset's {offset_groups} offset groups must divide in_channels={c_in}")
    if tuple(offset.shape) != (n, offset.shape[1], *out):
        raise ValueError(f"offset must have shape (N, 2·offset_groups·kH·kW, H_out, W_out) = {(n, offset.shape[1], *out)}, got {tuple(offset.shape)}")
    if mask is not None and tuple(mask.shape) != (n, offset_groups * taps, *out):
        raise ValueError(
            f"mask must have shape (N, offset_groups·kH·kW, H_out, W_out) = {(n, offset_groups * taps, *out)}, "
            f"got {tuple(mask.shape)}"
        )
    return stride_t, padding_t, dilation_t, groups, offset_groups, out  # type: ignore[return-value]


def deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    mask: Optional[Tensor] = None,
) -> Tensor:
    """Deformable convolution, as ``torchvision.ops.deform_conv2d`` (DCNv2 when ``mask`` is given).

    Tap ``(i, j)`` of output pixel ``(y, x)`` reads the input at
    ``(y·s_h − p_h + i·d_h + dy, x·s_w − p_w + j·d_w + dx)`` by bilinear
    interpolation, where corners outside the image count as zero (a sample at or
    beyond one pixel outside reads 0). Chapter 15 teaches it.

    Args:
        input (Tensor[N, C_in, H, W]): the input.
        offset (Tensor[N, 2·offset_groups·kH·kW, H_out, W_out]): ``(dy, dx)`` per tap, taps in row-major
            order; ``offset_groups`` is read from the channel count, and each group of ``C_in/offset_groups``
            channels uses its own offsets.
        weight (Tensor[C_out, C_in/groups, kH, kW]): the kernel; ``groups`` is ``C_in // weight.shape[1]``.
        bias (Tensor[C_out] or None): added to every output pixel.
        stride, padding, dilation: an int or an ``(h, w)`` pair, as in ``conv2d``.
        mask (Tensor[N, offset_groups·kH·kW, H_out, W_out] or None): DCNv2's modulation, multiplied into
            each sample (pass it already through a sigmoid).

    Returns:
        Tensor[N, C_out, H_out, W_out]: the output.

    Raises:
        ValueError: naming the argument, e.g. an offset whose channels are not a multiple of 2·kH·kW.
    """
    stride_t, pad_t, dil_t, groups, og, (h_out, w_out) = _check(input, offset, weight, bias, mask, stride, padding, dilation)
    n, c_in, h, w = input.shape
    c_out, c_g, kh, kw = weight.shape
    taps, cog, positions = kh * kw, c_in // og, h_out * w_out
    # Zero border of one pixel: every corner of a sample inside (-1, H) × (-1, W) is a row of this copy.
    hp, wp = h + 2, w + 2
    x = F.pad(input.permute(0, 2, 3, 1), (0, 0, 1, 1, 1, 1))  # (N, H+2, W+2, C_in)
    rows = x.reshape(n * hp * wp * og, cog)  # (N·(H+2)·(W+2)·OG, C_in/OG): one row per pixel and offset group
    # Regular grid: y = oy·s − p + i·d, x = ox·s − p + j·d, laid out (H_out·W_out, kH·kW).
    dev, dt = input.device, input.dtype
    gy = (torch.arange(h_out, device=dev) * stride_t[0] - pad_t[0])[:, None, None, None] + (torch.arange(kh, device=dev) * dil_t[0])[None, None, :, None]
    gx = (torch.arange(w_out, device=dev) * stride_t[1] - pad_t[1])[None, :, None, None] + (torch.arange(kw, device=dev) * dil_t[1])[None, None, None, :]
    grid_y = gy.expand(h_out, w_out, kh, kw).reshape(positions, taps).to(dt)  # (L, K)
    grid_x = gx.expand(h_out, w_out, kh, kw).reshape(positions, taps).to(dt)  # (L, K)
    off = offset.reshape(n, og, taps, 2, positions).permute(0, 4, 2, 1, 3)  # (N, L, K, OG, 2), a view
    sy = grid_y[None, :, :, None] + off[..., 0]  # (N, L, K, OG) sample rows
    sx = grid_x[None, :, :, None] + off[..., 1]  # (N, L, K, OG) sample columns
    y0, x0 = torch.floor(sy), torch.floor(sx)
    ly, lx = sy - y0, sx - x0  # fractional parts; d(ly)/d(sy) = 1 as in torchvision's kernel
    inside = (sy > -1) & (sy < h) & (sx > -1) & (sx < w)  # samples beyond one pixel outside read 0
    scale = inside.to(dt) if mask is None else inside.to(dt) * mask.reshape(n, og, taps, positions).permute(0, 3, 2, 1)
    weights = torch.stack(((1 - ly) * (1 - lx), (1 - ly) * lx, ly * (1 - lx), ly * lx), -1) * scale[..., None]  # (N, L, K, OG, 4)
    # Flat row of the top-left corner in the bordered copy, clamped where the sample is outside (its weight is 0).
    iy = (y0.long() + 1).clamp(0, h)
    ix = (x0.long() + 1).clamp(0, w)
    batch = torch.arange(n, device=dev)[:, None, None, None]
    groups_idx = torch.arange(og, device=dev)
    top_left = ((batch * hp + iy) * wp + ix) * og + groups_idx  # (N, L, K, OG)
    steps = torch.tensor([0, og, wp * og, (wp + 1) * og], device=dev)  # the 4 corners' row distances
    index = top_left[..., None] + steps  # (N, L, K, OG, 4)
    w_mat = weight.reshape(groups, c_out // groups, c_g, taps).permute(0, 3, 2, 1).reshape(groups, taps * c_g, c_out // groups)  # (G, K·C_g, C_out/G)
    # Blocks of output positions over the flattened (N·L) axis.
    total = n * positions
    block = max(1, _CHUNK_BYTES // max(1, 4 * taps * c_in * input.element_size()))
    index, weights = index.reshape(total, taps * og * 4), weights.reshape(total, taps * og * 4)
    pieces = []
    for start in range(0, max(total, 1), block):  # one empty block when the batch is empty, to keep the graph
        idx, wts = index[start : start + block], weights[start : start + block]
        m = idx.shape[0]
        # One weighted bag of 4 corner rows per (position, tap, offset group): gather and bilinear sum in one call.
        cols = F.embedding_bag(idx.reshape(-1, 4), rows, per_sample_weights=wts.reshape(-1, 4), mode="sum")  # (M·K·OG, C_in/OG)
        cols = cols.view(m, taps, groups, c_g)  # (M, K, G, C_g): the channels of one tap split by weight group
        if groups == 1:
            y = cols.reshape(m, taps * c_g) @ w_mat[0]  # (M, C_out)
        else:
            y = torch.bmm(cols.permute(2, 0, 1, 3).reshape(groups, m, taps * c_g), w_mat)  # (G, M, C_out/G)
            y = y.permute(1, 0, 2).reshape(m, c_out)  # (M, C_out)
        pieces.append(y)
    y = pieces[0] if len(pieces) == 1 else torch.cat(pieces)  # (N·L, C_out)
    if bias is not None:
        y = y + bias
    return y.view(n, h_out, w_out, c_out).permute(0, 3, 1, 2)  # (N, C_out, H_out, W_out), a channels-last view


class DeformConv2d(nn.Module):
    """A deformable convolution layer holding ``weight`` and ``bias``, as ``torchvision.ops.DeformConv2d``.

    Like torchvision's, it predicts no offsets itself: ``forward(input, offset, mask=None)``
    takes them from the caller (usually an ordinary ``nn.Conv2d`` with
    ``2·kH·kW`` output channels, plus ``kH·kW`` mask channels for DCNv2).
    Chapter 15 teaches it.

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, padding, dilation: an int or an ``(h, w)`` pair.
        groups: weight groups; must divide both channel counts.
        bias: whether to learn a bias.
    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
        padding: IntOrTuple = 0, dilation: IntOrTuple = 1, groups: int = 1, bias: bool = True,
    ) -> None:
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"groups must divide in_channels ({in_channels}) and out_channels ({out_channels}), got {groups}")
        self.kernel_size = ntuple(kernel_size, 2, "kernel_size")
        check_positive(self.kernel_size, "kernel_size")
        self.stride, self.padding, self.dilation = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *self.kernel_size))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-uniform weights and a uniform bias, as ``nn.Conv2d`` and torchvision do."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.weight[0].numel())
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor, offset: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """``input (N, C_in, H, W)``, ``offset (N, 2·OG·kH·kW, H_out, W_out)``, ``mask (N, OG·kH·kW, H_out, W_out)``."""
        return deform_conv2d(input, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, groups={self.groups}, bias={self.bias is not None}")
