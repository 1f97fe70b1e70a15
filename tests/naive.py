"""Naive-loop twins of the operators in ``convlib.ops`` (house style, item 4).

Each twin is the textbook definition written as plain Python loops over output
(or input) positions, on Python floats, with no help from ``convlib`` or from
tensor primitives beyond reading values in and writing the result out. They are
slow, so the tests call them on small sizes only, and compare them both with
``convlib.ops`` and with PyTorch's built-ins.
"""

from __future__ import annotations

import itertools
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

__all__ = ["naive_convnd", "naive_conv_transpose2d", "naive_conv_matrix", "naive_channel_shuffle", "naive_deform_conv2d"]


def _tuple(value: Union[int, Sequence[int]], n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


def _get(nested: list, index: Sequence[int]) -> float:
    for i in index:
        nested = nested[i]
    return nested  # type: ignore[return-value]


def naive_convnd(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: Union[int, Sequence[int]] = 1,
    padding: Union[str, int, Sequence[int]] = 0,
    dilation: Union[int, Sequence[int]] = 1,
    groups: int = 1,
) -> Tensor:
    """Cross-correlation in any number of dims: one loop iteration per output value.

    ``y[b, o, *i] = bias[o] + Σ_{c in o's group, *u} w[o, c, *u] · x[b, c, *(s·i + d·u − p_before)]``,
    where reads outside the input are the zero padding.
    """
    n = input.dim() - 2
    size, kernel = input.shape[2:], weight.shape[2:]
    stride, dilation = _tuple(stride, n), _tuple(dilation, n)
    if padding == "valid":
        before, after = (0,) * n, (0,) * n
    elif padding == "same":
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        before = tuple(t // 2 for t in total)
        after = tuple(t - t // 2 for t in total)
    else:
        before = after = _tuple(padding, n)
    out = [
        (i + lo + hi - d * (k - 1) - 1) // s + 1
        for i, k, s, d, lo, hi in zip(size, kernel, stride, dilation, before, after)
    ]
    x, w = input.tolist(), weight.tolist()
    b = [0.0] * weight.shape[0] if bias is None else bias.tolist()
    batch, c_out, c_group = input.shape[0], weight.shape[0], weight.shape[1]
    per_group = c_out // groups
    result = torch.zeros(batch, c_out, *out, dtype=input.dtype)
    for nb, o in itertools.product(range(batch), range(c_out)):
        first_channel = (o // per_group) * c_group
        for position in itertools.product(*map(range, out)):
            total_value = b[o]
            for c in range(c_group):
                for tap in itertools.product(*map(range, kernel)):
                    where = [s * i + d * u - lo for i, u, s, d, lo in zip(position, tap, stride, dilation, before)]
                    if all(0 <= q < m for q, m in zip(where, size)):
                        total_value += _get(w[o][c], tap) * _get(x[nb][first_channel + c], where)
            result[(nb, o, *position)] = total_value
    return result


def naive_conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: Union[int, Sequence[int]] = 1,
    padding: Union[int, Sequence[int]] = 0,
    output_padding: Union[int, Sequence[int]] = 0,
    groups: int = 1,
    dilation: Union[int, Sequence[int]] = 1,
) -> Tensor:
    """Transposed convolution as a scatter: each input pixel adds a scaled kernel to the output.

    Input pixel ``(i, j)`` of channel ``c`` adds ``x · w[c, o, u, v]`` at output position
    ``(s·i + d·u − p, s·j + d·v − p)``; positions outside the output are dropped.
    """
    (s_h, s_w), (p_h, p_w) = _tuple(stride, 2), _tuple(padding, 2)
    (a_h, a_w), (d_h, d_w) = _tuple(output_padding, 2), _tuple(dilation, 2)
    batch, c_in, h, w_in = input.shape
    _, o_group, k_h, k_w = weight.shape
    c_out = o_group * groups
    out_h = s_h * (h - 1) - 2 * p_h + d_h * (k_h - 1) + a_h + 1
    out_w = s_w * (w_in - 1) - 2 * p_w + d_w * (k_w - 1) + a_w + 1
    x, w = input.tolist(), weight.tolist()
    b = [0.0] * c_out if bias is None else bias.tolist()
    out = [[[[b[o]] * out_w for _ in range(out_h)] for o in range(c_out)] for _ in range(batch)]
    per_group = c_in // groups
    for nb, c, i, j in itertools.product(range(batch), range(c_in), range(h), range(w_in)):
        value = x[nb][c][i][j]
        for o_local, u, v in itertools.product(range(o_group), range(k_h), range(k_w)):
            oi, oj = s_h * i + d_h * u - p_h, s_w * j + d_w * v - p_w
            if 0 <= oi < out_h and 0 <= oj < out_w:
                out[nb][(c // per_group) * o_group + o_local][oi][oj] += value * w[c][o_local][u][v]
    return torch.tensor(out, dtype=input.dtype).reshape(batch, c_out, out_h, out_w)


def naive_conv_matrix(
    weight: Tensor,
    input_size: Union[int, Sequence[int]],
    stride: Union[int, Sequence[int]] = 1,
    padding: Union[int, Sequence[int]] = 0,
    dilation: Union[int, Sequence[int]] = 1,
) -> Tensor:
    """Convolution matrix: row ``i·W_out + j`` gets tap ``w[u, v]`` at column ``r·W + c`` of the pixel it reads."""
    (h, w_in), (s_h, s_w) = _tuple(input_size, 2), _tuple(stride, 2)
    (p_h, p_w), (d_h, d_w) = _tuple(padding, 2), _tuple(dilation, 2)
    k_h, k_w = weight.shape
    out_h = (h + 2 * p_h - d_h * (k_h - 1) - 1) // s_h + 1
    out_w = (w_in + 2 * p_w - d_w * (k_w - 1) - 1) // s_w + 1
    taps = weight.tolist()
    matrix = [[0.0] * (h * w_in) for _ in range(out_h * out_w)]
    for i, j, u, v in itertools.product(range(out_h), range(out_w), range(k_h), range(k_w)):
        r, c = s_h * i + d_h * u - p_h, s_w * j + d_w * v - p_w
        if 0 <= r < h and 0 <= c < w_in:
            matrix[i * out_w + j][r * w_in + c] += taps[u][v]
    return torch.tensor(matrix, dtype=weight.dtype).reshape(out_h * out_w, h * w_in)


def naive_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Output channel ``k`` is input channel ``(k mod g)·(C/g) + ⌊k/g⌋``: one loop over channels."""
    channels = input.shape[1]
    per_group = channels // groups
    out = torch.empty_like(input)
    for k in range(channels):
        out[:, k] = input[:, (k % groups) * per_group + k // groups]
    return out


def naive_deform_conv2d(
    input: Tensor,
    offset: Tensor,
    weight: Tensor,
    bias: Optional[Tensor] = None,
    stride: Union[int, Sequence[int]] = 1,
    padding: Union[int, Sequence[int]] = 0,
    dilation: Union[int, Sequence[int]] = 1,
    mask: Optional[Tensor] = None,
) -> Tensor:
    """Deformable convolution, one loop iteration per output value and tap.

    Tap ``(i, j)`` of output ``(y, x)`` reads ``(y·s − p + i·d + dy, x·s − p + j·d + dx)`` by bilinear
    interpolation over the four neighbouring pixels, each pixel outside the image counting as 0, and
    a sample at or beyond one pixel outside reading 0 (torchvision's rule).
    """
    (sh, sw), (ph, pw), (dh, dw) = _tuple(stride, 2), _tuple(padding, 2), _tuple(dilation, 2)
    n, c_in, h, w_in = input.shape
    c_out, c_g, kh, kw = weight.shape
    out_h, out_w = offset.shape[2:]
    groups, offset_groups = c_in // c_g, offset.shape[1] // (2 * kh * kw)
    x, w, off = input.tolist(), weight.tolist(), offset.tolist()
    m = None if mask is None else mask.tolist()

    def sample(b: int, c: int, py: float, px: float) -> float:
        if py <= -1 or py >= h or px <= -1 or px >= w_in:
            return 0.0
        y0, x0 = int(py // 1), int(px // 1)
        total = 0.0
        for yy, xx, weight_ in ((y0, x0, (1 - (py - y0)) * (1 - (px - x0))), (y0, x0 + 1, (1 - (py - y0)) * (px - x0)),
                                (y0 + 1, x0, (py - y0) * (1 - (px - x0))), (y0 + 1, x0 + 1, (py - y0) * (px - x0))):
            if 0 <= yy < h and 0 <= xx < w_in:
                total += weight_ * x[b][c][yy][xx]
        return total

    out = [[[[0.0] * out_w for _ in range(out_h)] for _ in range(c_out)] for _ in range(n)]
    for b, o, oy, ox in itertools.product(range(n), range(c_out), range(out_h), range(out_w)):
        acc = 0.0 if bias is None else float(bias[o])
        group = o // (c_out // groups)
        for cg, i, j in itertools.product(range(c_g), range(kh), range(kw)):
            c = group * c_g + cg
            og, tap = c // (c_in // offset_groups), i * kw + j
            dy, dx = off[b][(og * kh * kw + tap) * 2][oy][ox], off[b][(og * kh * kw + tap) * 2 + 1][oy][ox]
            value = sample(b, c, oy * sh - ph + i * dh + dy, ox * sw - pw + j * dw + dx)
            scale = 1.0 if m is None else m[b][og * kh * kw + tap][oy][ox]
            acc += w[o][cg][i][j] * scale * value
        out[b][o][oy][ox] = acc
    return torch.tensor(out, dtype=input.dtype).reshape(n, c_out, out_h, out_w)
