"""Chapter 10: the depthwise-separable operator against PyTorch, its costs, MobileNet-V1, scenes and widgets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from convlib import cost
from convlib.models import mobilenet_v1
from convlib.ops import DepthwiseSeparableConv2d, depthwise_separable_conv2d
from convlib.viz.depthwise_separable import depthwise_separable_scene, separable_ratio_scene


def reference(x, dw, pw, dw_bias=None, pw_bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(F.conv2d(x, dw, dw_bias, stride, padding, dilation, groups=dw.shape[0]), pw, pw_bias)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.booleans(), st.integers(0, 2**31 - 1))
def test_equals_depthwise_then_pointwise_f_conv2d_with_gradients(c_in, c_out, k, stride, padding, dilation, bias, seed):
    gen = torch.Generator().manual_seed(seed)
    size = dilation * (k - 1) + 1 + int(torch.randint(0, 5, (1,), generator=gen))
    x = torch.randn(2, c_in, size, size + 1, generator=gen, requires_grad=True)
    dw = torch.randn(c_in, 1, k, k, generator=gen, requires_grad=True)
    pw = torch.randn(c_out, c_in, 1, 1, generator=gen, requires_grad=True)
    biases = (torch.randn(c_in, generator=gen), torch.randn(c_out, generator=gen)) if bias else (None, None)
    ours = depthwise_separable_conv2d(x, dw, pw, *biases, stride=stride, padding=padding, dilation=dilation)
    ref = reference(x, dw, pw, *biases, stride=stride, padding=padding, dilation=dilation)
    torch.testing.assert_close(ours, ref, atol=1e-4, rtol=1e-4)
    for a, b in zip(torch.autograd.grad(ours.square().sum(), (x, dw, pw)), torch.autograd.grad(ref.square().sum(), (x, dw, pw))):
        torch.testing.assert_close(a, b, atol=1e-3, rtol=1e-3)


def test_gradcheck_in_float64():
    x = torch.randn(1, 2, 5, 4, dtype=torch.float64, requires_grad=True)
    dw = torch.randn(2, 1, 3, 3, dtype=torch.float64, requires_grad=True)
    pw = torch.randn(3, 2, 1, 1, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, c: depthwise_separable_conv2d(a, b, c, padding=1), (x, dw, pw))


def test_batch_size_zero_and_non_contiguous_input():
    dw, pw = torch.randn(3, 1, 3, 3), torch.randn(4, 3, 1, 1)
    assert depthwise_separable_conv2d(torch.zeros(0, 3, 6, 6), dw, pw).shape == (0, 4, 4, 4)
    x = torch.randn(2, 6, 7, 3).permute(0, 3, 1, 2)  # (2, 3, 6, 7), not contiguous
    assert not x.is_contiguous()
    torch.testing.assert_close(depthwise_separable_conv2d(x, dw, pw), reference(x, dw, pw))


def test_module_matches_the_nn_sequential_with_copied_weights_and_is_counted_in_two_layers():
    layer = DepthwiseSeparableConv2d(4, 6, 3, stride=2, padding=1)
    seq = nn.Sequential(nn.Conv2d(4, 4, 3, 2, 1, groups=4), nn.Conv2d(4, 6, 1))
    seq.load_state_dict({"0.weight": layer.depthwise.weight, "0.bias": layer.depthwise.bias,
                         "1.weight": layer.pointwise.weight, "1.bias": layer.pointwise.bias})
    x = torch.randn(2, 4, 9, 9)
    torch.testing.assert_close(layer(x), seq(x))
    counted = cost.count(DepthwiseSeparableConv2d(16, 32, 3, bias=False), (1, 16, 7, 7))
    assert counted.params == cost.depthwise_separable_params(16, 32, 3) == 656
    assert counted.macs == cost.depthwise_separable_macs(16, 32, 3, 5)


@pytest.mark.parametrize("call, name", [
    (lambda: depthwise_separable_conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(3, 3, 3), torch.zeros(4, 3, 1, 1)), "depthwise_weight"),
    (lambda: depthwise_separable_conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(3, 2, 3, 3), torch.zeros(4, 3, 1, 1)), "depthwise_weight"),
    (lambda: depthwise_separable_conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(3, 1, 3, 3), torch.zeros(4, 3, 3, 3)), "pointwise_weight"),
    (lambda: depthwise_separable_conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(3, 1, 3, 3), torch.zeros(4, 2, 1, 1)), "pointwise_weight"),
    (lambda: depthwise_separable_conv2d(torch.zeros(1, 2, 5, 5), torch.zeros(3, 1, 3, 3), torch.zeros(4, 3, 1, 1)), "input"),
])
def test_bad_shapes_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"^{name}"):
        call()


def test_source_example_costs_86400_against_675_plus_9600():
    assert cost.conv_macs(3, 128, 3, 5) == 86_400
    assert cost.conv_macs(3, 3, 3, 5, groups=3) == 675 and cost.conv_macs(3, 128, 1, 5) == 9_600
    assert cost.depthwise_separable_macs(3, 128, 3, 5) == 10_275
    assert cost.conv_params(16, 32, 3, bias=False) == 4_608 and cost.depthwise_separable_params(16, 32, 3) == 656


def test_mobilenet_v1_maps_224_images_to_1000_classes_and_rejects_bad_classes():
    with torch.device("meta"):
        assert mobilenet_v1()(torch.zeros(2, 3, 224, 224)).shape == (2, 1000)
    with pytest.raises(ValueError, match="^num_classes"):
        mobilenet_v1(num_classes=0)


def test_scene_counts_match_the_cost_formulas_and_impossible_kernel_is_one_line():
    scene = depthwise_separable_scene(size=7, in_channels=3, out_channels=2, kernel_size=3)
    assert "= 675 multiplications" in scene.lines[0] and scene.grid("y1").rows == 5
    with pytest.raises(ValueError, match="^kernel_size 5 does not fit"):
        depthwise_separable_scene(size=3, kernel_size=5)
    ratio = separable_ratio_scene(16, 32, 3)
    assert "4,608" in ratio.lines[0] and "656" in ratio.lines[1]
    assert "more than full" in separable_ratio_scene(3, 1, 1).lines[2]
