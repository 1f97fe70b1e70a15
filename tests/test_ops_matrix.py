"""conv_matrix: C @ x is conv2d, C.T @ y is conv_transpose2d, checked against PyTorch and the naive twin."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_conv_matrix

from convlib import ops


pytestmark = pytest.mark.usefixtures("one_thread")


@st.composite
def matrix_configs(draw):
    """A random single-channel convolution: non-square kernel, stride, padding, dilation, input size."""
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(2))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(2))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    size = tuple(draw(st.integers(max(1, sp - 2 * p), max(1, sp - 2 * p) + 6)) for sp, p in zip(spans, padding))
    return dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation, size=size, seed=draw(st.integers(0, 2**31 - 1)))


@settings(max_examples=200, deadline=None)
@given(matrix_configs())
def test_conv_matrix_times_input_is_conv2d_and_its_transpose_is_conv_transpose2d(cfg):
    gen = torch.Generator().manual_seed(cfg["seed"])
    geometry = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    weight = torch.randn(cfg["kernel"], dtype=torch.float64, generator=gen, requires_grad=True)
    x = torch.randn(cfg["size"], dtype=torch.float64, generator=gen)
    matrix = ops.conv_matrix(weight, cfg["size"], **geometry)
    conv = F.conv2d(x[None, None], weight[None, None], **geometry)[0, 0]  # (H_out, W_out)
    assert matrix.shape == (conv.numel(), x.numel())
    torch.testing.assert_close(matrix @ x.flatten(), conv.flatten())
    # The transposed convolution lands on the input size when output_padding takes up what the stride dropped.
    spans = [d * (k - 1) + 1 for k, d in zip(cfg["kernel"], cfg["dilation"])]
    leftover = tuple((i + 2 * p - sp) % s for i, p, sp, s in zip(cfg["size"], cfg["padding"], spans, cfg["stride"]))
    y = torch.randn(conv.shape, dtype=torch.float64, generator=gen)
    back = F.conv_transpose2d(y[None, None], weight[None, None], output_padding=leftover, **geometry)[0, 0]
    torch.testing.assert_close(matrix.T @ y.flatten(), back.flatten())
    # And the matrix is differentiable in the kernel: d<C x, y>/dw equals d<conv2d(x), y>/dw.
    (grad_matrix,) = torch.autograd.grad(matrix @ x.flatten() @ y.flatten(), weight)
    (grad_conv,) = torch.autograd.grad((conv * y).sum(), weight)
    torch.testing.assert_close(grad_matrix, grad_conv)


@settings(max_examples=50, deadline=None)
@given(matrix_configs())
def test_naive_matrix_twin_equals_ours(cfg):
    weight = torch.randn(cfg["kernel"], dtype=torch.float64, generator=torch.Generator().manual_seed(cfg["seed"]))
    geometry = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"])
    torch.testing.assert_close(ops.conv_matrix(weight, cfg["size"], **geometry), naive_conv_matrix(weight, cfg["size"], **geometry))


def test_conv_matrix_of_a_3x3_kernel_on_a_4x4_input_is_4_by_16_with_the_kernel_rows_in_place():
    weight = torch.arange(1.0, 10.0).view(3, 3)
    matrix = ops.conv_matrix(weight, 4)
    assert matrix.shape == (4, 16)
    expected_first_row = torch.tensor([1.0, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 0, 0, 0, 0])
    torch.testing.assert_close(matrix[0], expected_first_row)
    torch.testing.assert_close(matrix[3], expected_first_row.roll(5))  # output (1, 1) starts at input (1, 1)
    torch.testing.assert_close(matrix, naive_conv_matrix(weight, 4))


@pytest.mark.parametrize("geometry", [dict(), dict(stride=2, padding=1), dict(padding=(2, 0), dilation=(1, 2))])
def test_naive_matrix_twin_ours_and_torch_agree_on_chosen_configurations(geometry):
    gen = torch.Generator().manual_seed(0)
    weight, x = torch.randn(3, 2, dtype=torch.float64, generator=gen), torch.randn(5, 6, dtype=torch.float64, generator=gen)
    naive = naive_conv_matrix(weight, (5, 6), **geometry)
    torch.testing.assert_close(ops.conv_matrix(weight, (5, 6), **geometry), naive)
    torch.testing.assert_close(naive @ x.flatten(), F.conv2d(x[None, None], weight[None, None], **geometry).flatten())


def test_conv_matrix_accepts_a_conv2d_weight_of_shape_1_1_kh_kw():
    weight = torch.randn(1, 1, 2, 3)
    torch.testing.assert_close(ops.conv_matrix(weight, (4, 5), stride=2), ops.conv_matrix(weight[0, 0], (4, 5), stride=2))


def test_conv_matrix_passes_gradcheck_in_float64():
    weight = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w: ops.conv_matrix(w, (4, 5), stride=(1, 2), padding=1, dilation=(2, 1)), (weight,))
