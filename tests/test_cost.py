"""Tests for convlib.cost: formulas against published figures, counting against FlopCounterMode."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from convlib.arithmetic import conv_output_size, conv_transpose_output_size
from convlib.cost import (
    Cost,
    LayerCost,
    conv_macs,
    conv_params,
    conv_transpose_macs,
    count,
    depthwise_separable_macs,
    depthwise_separable_params,
)
from convlib.models import mobilenet_v1  # chapter 10's MobileNet-V1 (torchvision has none)


def flop_counter_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """PyTorch's own count: FlopCounterMode reports 2 × multiply-adds."""
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(input_shape))
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return flops // 2


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- formulas
def test_conv_params_of_3x3_conv_16_to_32_is_4608_and_separable_is_656():
    # CURRICULUM chapter 10: 16→32 channels, 3×3 kernel, no bias.
    assert conv_params(16, 32, 3, bias=False) == 16 * 32 * 9 == 4_608
    assert depthwise_separable_params(16, 32, 3) == 16 * 9 + 16 * 32 == 656


def test_macs_of_128_filters_on_7x7x3_are_86400_and_separable_is_675_plus_9600():
    # CURRICULUM chapter 10: a valid 3×3 convolution takes the 7×7 input to 5×5.
    out = conv_output_size(7, 3)
    assert out == 5
    assert conv_macs(3, 128, 3, out) == 86_400
    depthwise = conv_macs(3, 3, 3, out, groups=3)
    pointwise = conv_macs(3, 128, 1, out)
    assert (depthwise, pointwise) == (675, 9_600)
    assert depthwise_separable_macs(3, 128, 3, out) == depthwise + pointwise == 10_275


def test_separable_cost_ratio_is_one_over_n_plus_one_over_k_squared():
    ratio = depthwise_separable_macs(32, 64, 3, 14) / conv_macs(32, 64, 3, 14)
    assert ratio == pytest.approx(1 / 64 + 1 / 9)


def test_resnext_32x4d_block_has_70144_params_against_resnet_bottleneck_69632():
    # Xie et al. 2017 (ResNeXt), Fig. 1: both blocks map 256-d to 256-d, no biases.
    resnet = conv_params(256, 64, 1, bias=False) + conv_params(64, 64, 3, bias=False) + conv_params(64, 256, 1, bias=False)
    resnext = (
        conv_params(256, 128, 1, bias=False)
        + conv_params(128, 128, 3, groups=32, bias=False)
        + conv_params(128, 256, 1, bias=False)
    )
    assert resnet == 256 * 64 + 3 * 3 * 64 * 64 + 64 * 256 == 69_632
    # The paper's template form: C · (256·d + 3·3·d·d + d·256) with C = 32, d = 4.
    assert resnext == 32 * (256 * 4 + 3 * 3 * 4 * 4 + 4 * 256) == 70_144


def test_grouped_conv_divides_weights_by_groups():
    for groups in (1, 2, 4, 8, 16):
        assert conv_params(16, 32, 3, groups=groups, bias=False) == 4_608 // groups
        assert conv_macs(16, 32, 3, 10, groups=groups) == 460_800 // groups


def test_int_sizes_mean_square_2d_and_tuples_set_the_dimension():
    assert conv_params(4, 8, 3, bias=False) == conv_params(4, 8, (3, 3), bias=False) == 4 * 8 * 9
    assert conv_params(4, 8, (3,), bias=False) == 4 * 8 * 3
    assert conv_params(4, 8, (3, 3, 3)) == 4 * 8 * 27 + 8
    assert conv_macs(4, 8, 3, (5, 7)) == 35 * 4 * 8 * 9
    assert conv_macs(4, 8, (3,), (10,)) == 10 * 4 * 8 * 3
    assert conv_macs(4, 8, (1, 3, 3), 4) == 64 * 4 * 8 * 9
    assert depthwise_separable_macs(4, 8, (5,), 10) == 10 * 4 * 5 + 10 * 4 * 8


@settings(max_examples=40, deadline=None)
@given(
    c_in=st.integers(1, 4),
    c_out=st.integers(1, 4),
    groups=st.sampled_from([1, 2, 3]),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    bias=st.booleans(),
    transposed=st.booleans(),
)
def test_conv_params_equals_numel_of_torch_conv_module(c_in, c_out, groups, kernel, bias, transposed):
    c_in, c_out = c_in * groups, c_out * groups
    cls = nn.ConvTranspose2d if transposed else nn.Conv2d
    layer = cls(c_in, c_out, kernel, groups=groups, bias=bias, device="meta")
    assert conv_params(c_in, c_out, kernel, groups=groups, bias=bias) == n_params(layer)


@settings(max_examples=40, deadline=None)
@given(
    c_in=st.integers(1, 3),
    c_out=st.integers(1, 3),
    groups=st.sampled_from([1, 2]),
    kernel=st.integers(1, 4),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 2),
    size=st.integers(8, 14),
)
def test_formulas_agree_with_counting_a_conv_and_a_transposed_conv(c_in, c_out, groups, kernel, stride, dilation, size):
    c_in, c_out = c_in * groups, c_out * groups
    conv = nn.Conv2d(c_in, c_out, kernel, stride, dilation=dilation, groups=groups)
    out = conv_output_size(size, kernel, stride, dilation=dilation)
    assert count(conv, (1, c_in, size, size)).macs == conv_macs(c_in, c_out, kernel, out, groups)
    up = nn.ConvTranspose2d(c_in, c_out, kernel, stride, dilation=dilation, groups=groups)
    assert conv_transpose_output_size(size, kernel, stride, dilation=dilation) == up(torch.zeros(1, c_in, size, size)).shape[-1]
    assert count(up, (1, c_in, size, size)).macs == conv_transpose_macs(c_in, c_out, kernel, size, groups)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: conv_params(0, 8, 3), "in_channels"),
        (lambda: conv_params(8, -1, 3), "out_channels"),
        (lambda: conv_params(8.0, 8, 3), "in_channels"),
        (lambda: conv_params(8, 8, 0), "kernel_size"),
        (lambda: conv_params(8, 8, (3, -3)), "kernel_size"),
        (lambda: conv_params(8, 8, ()), "kernel_size"),
        (lambda: conv_params(8, 8, 2.5), "kernel_size"),
        (lambda: conv_params(6, 8, 3, groups=4), "groups"),
        (lambda: conv_params(8, 6, 3, groups=4), "groups"),
        (lambda: conv_params(8, 8, 3, groups=0), "groups"),
        (lambda: conv_params(8, 8, 3, bias=1), "bias"),
        (lambda: conv_macs(8, 8, 3, 0), "output_size"),
        (lambda: conv_macs(8, 8, 3, (5, 5, 5, 0)), "output_size"),
        (lambda: conv_macs(8, 8, (3, 3), (5, 5, 5)), "kernel_size"),
        (lambda: conv_macs(8, 8, 0, 5), "kernel_size"),
        (lambda: conv_macs(8, 12, 3, 5, groups=3), "groups"),
        (lambda: conv_transpose_macs(8, 8, 3, 0), "input_size"),
        (lambda: depthwise_separable_params(0, 8, 3), "in_channels"),
        (lambda: depthwise_separable_macs(8, 8, 3, -2), "output_size"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        call()


# --------------------------------------------------------------------------- counting vs FlopCounterMode
class SharedConv(nn.Module):
    """One convolution called twice: each call is counted."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(self.conv(x))


class MyConv2d(nn.Conv2d):
    """A subclass, as convlib.ops' modules are: isinstance catches it."""


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )


MODELS = {
    "conv1d_groups_stride_dilation": (lambda: nn.Conv1d(6, 12, 5, stride=2, padding=3, dilation=2, groups=3), (2, 6, 31)),
    "conv2d_rect_kernel_groups": (
        lambda: nn.Conv2d(8, 16, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=4),
        (2, 8, 13, 17),
    ),
    "conv2d_depthwise_same": (lambda: nn.Conv2d(8, 8, 4, padding="same", dilation=2, groups=8), (1, 8, 12, 12)),
    "conv2d_reflect_padding": (lambda: nn.Conv2d(3, 5, 3, padding=2, padding_mode="reflect"), (1, 3, 9, 9)),
    "conv3d_groups_stride": (lambda: nn.Conv3d(4, 8, 3, stride=2, padding=1, groups=2), (2, 4, 7, 8, 9)),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(4, 6, 4, stride=2, padding=1), (3, 4, 10)),
    "conv_transpose2d_groups_output_padding": (
        lambda: nn.ConvTranspose2d(8, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
        (2, 8, 5, 7),
    ),
    "conv_transpose3d_dilation": (lambda: nn.ConvTranspose3d(2, 4, 3, stride=2, dilation=2), (1, 2, 3, 4, 5)),
    "linear_with_extra_leading_dims": (lambda: nn.Linear(7, 5), (2, 3, 4, 7)),
    "small_cnn_with_pooling_bn_relu": (small_cnn, (2, 3, 16, 16)),
    "shared_conv_called_twice": (SharedConv, (1, 4, 6, 6)),
    "conv_subclass": (lambda: MyConv2d(3, 6, 3), (1, 3, 8, 8)),
}


@pytest.mark.parametrize("name", MODELS)
def test_count_equals_flop_counter_mode_over_two_and_params_equal_numel(name):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    model = make()
    cost = count(model, shape)
    assert cost.macs == flop_counter_macs(model, shape) > 0
    assert cost.params == n_params(model)
    assert cost.macs == sum(layer.macs for layer in cost.layers)


def test_flop_counter_counts_transposed_conv_over_input_positions():
    # An input-position count and an output-position count differ here: the output is
    # 2·5−1 = 9 wide (stride 2, kernel 3, padding 1), the input 5.
    layer = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2)
    shape = (2, 4, 5, 5)
    per_input = 2 * 4 * 5 * 5 * (6 // 2) * 3 * 3
    per_output = 2 * 6 * 9 * 9 * (4 // 2) * 3 * 3
    assert per_input != per_output
    assert flop_counter_macs(layer, shape) == per_input == count(layer, shape).macs


class PredictedDeform(nn.Module):
    """Chapter 15's pattern: an ordinary conv predicts offsets (and a mask), a deformable conv uses them."""

    def __init__(self, deform: nn.Module, mask: bool) -> None:
        super().__init__()
        k2 = deform.kernel_size[0] * deform.kernel_size[1]
        self.k2, self.mask, self.deform = k2, mask, deform
        self.predict = nn.Conv2d(deform.in_channels, (3 if mask else 2) * k2, deform.kernel_size,
                                 stride=deform.stride, padding=deform.padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = self.predict(x)
        mask = torch.sigmoid(o[:, 2 * self.k2:]) if self.mask else None
        return self.deform(x, o[:, : 2 * self.k2], mask)


@pytest.mark.parametrize("library", ["convlib", "torchvision"])
def test_count_sees_a_deformable_conv_as_its_weights_and_its_predictor_as_a_conv(library):
    # 8 -> 16 channels, 3x3, stride 2, padding 1, 2 weight groups, on 2x8x10x10: a 5x5 output.
    import torchvision

    from convlib.ops import DeformConv2d

    make = DeformConv2d if library == "convlib" else torchvision.ops.DeformConv2d
    torch.manual_seed(0)
    model = PredictedDeform(make(8, 16, 3, stride=2, padding=1, groups=2), mask=library == "convlib")
    cost = count(model, (2, 8, 10, 10))
    channels = 27 if library == "convlib" else 18
    assert [(r.name, r.kind) for r in cost.layers] == [("predict", "Conv2d"), ("deform", "DeformConv2d")]
    assert cost.layers[0].macs == 2 * conv_macs(8, channels, 3, 5)
    assert cost.layers[1].macs == 2 * conv_macs(8, 16, 3, 5, groups=2)  # the weights only, no sampling
    assert cost.layers[1].params == conv_params(8, 16, 3, groups=2)
    assert cost.params == n_params(model) == conv_params(8, channels, 3) + conv_params(8, 16, 3, groups=2)
    if library == "convlib":  # FlopCounterMode sees convlib's matmuls, not torchvision's C++ kernel
        assert cost.macs == flop_counter_macs(model, (2, 8, 10, 10))


def test_bn_relu_pool_contribute_no_macs_and_are_not_listed():
    cost = count(small_cnn(), (2, 3, 16, 16))
    assert [layer.kind for layer in cost.layers] == ["Conv2d", "Conv2d", "Linear"]
    assert cost.layers[0] == LayerCost("0", "Conv2d", (2, 3, 16, 16), (2, 8, 16, 16), 8 * 27 + 8, 2 * 8 * 256 * 27)
    # The BatchNorm layers' parameters count in params, though not in any row.
    assert cost.params == sum(layer.params for layer in cost.layers) + 2 * (8 + 16)


def test_shared_layer_is_one_row_per_call_but_its_params_count_once():
    cost = count(SharedConv(), (1, 4, 6, 6))
    assert [layer.name for layer in cost.layers] == ["conv", "conv"]
    assert cost.params == 4 * 4 * 9 + 4


def test_macs_scale_with_the_batch():
    model = small_cnn()
    assert count(model, (6, 3, 16, 16)).macs == 3 * count(model, (2, 3, 16, 16)).macs


def test_count_leaves_training_mode_and_batchnorm_statistics_unchanged():
    model = small_cnn().train()
    model[1].running_mean.fill_(0.5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    count(model, (2, 3, 16, 16))
    assert model.training and all(m.training for m in model.modules())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_count_runs_on_the_models_device_and_dtype():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 36, 2)).double()
    assert count(model, (1, 3, 8, 8)).macs == 36 * 4 * 27 + 4 * 36 * 2
    with torch.device("meta"):
        meta = nn.Conv2d(3, 4, 3)
    assert count(meta, (1, 3, 8, 8)).macs == 36 * 4 * 27


def test_table_lists_every_layer_and_the_totals():
    cost = count(small_cnn(), (2, 3, 16, 16))
    text = str(cost)
    assert text == cost.table()
    lines = text.splitlines()
    assert lines[0].split() == ["layer", "kind", "input", "output", "params", "MACs"]
    assert len(lines) == 2 + len(cost.layers) + 2
    assert lines[2].split()[:4] == ["0", "Conv2d", "2×3×16×16", "2×8×16×16"]
    assert lines[-1].split() == ["total", f"{cost.params:,}", f"{cost.macs:,}"]


@pytest.mark.parametrize("shape", [(), 3, 3.0, (1, -3, 8, 8), (1, 3, 8.0, 8), None])
def test_count_rejects_bad_input_shape_naming_it(shape):
    with pytest.raises(ValueError, match="^input_shape"):
        count(nn.Conv2d(3, 3, 3), shape)


# --------------------------------------------------------------------------- published figures
# torchvision's own models are counted in tests/test_cost_torchvision.py; MobileNet-V1 is not among them.
IMAGENET = (1, 3, 224, 224)


def test_mobilenet_v1_has_569m_mult_adds_and_4_2m_params():
    # Howard et al. 2017 (MobileNets), Table 8: 1.0 MobileNet-224, 569 million mult-adds, 4.2 million params.
    cost = count(mobilenet_v1(), IMAGENET)
    assert round(cost.macs / 1e6) == 569
    assert round(cost.params / 1e6, 1) == 4.2
    # Table 2: 1×1 convolutions take 94.86% of the mult-adds, the fully connected layer 0.18%.
    pointwise = sum(r.macs for r in cost.layers if r.kind == "Conv2d" and r.params == r.input_shape[1] * r.output_shape[1])
    assert round(100 * pointwise / cost.macs, 2) == 94.86
    assert round(100 * cost.layers[-1].macs / cost.macs, 2) == 0.18


def test_mobilenet_v1_with_full_convolutions_has_4866m_mult_adds_and_29_3m_params():
    # Howard et al. 2017, Table 4: "Conv MobileNet", 4866 million mult-adds, 29.3 million params.
    # The paper's 4866M is the convolutions alone (4,866.3M); the 1.0M of the classifier
    # make 4,867.3M, whereas its 569M for the separable network includes the classifier.
    with torch.device("meta"):
        model = mobilenet_v1(separable=False)
    cost = count(model, IMAGENET)
    assert round(cost.params / 1e6, 1) == 29.3
    assert round(sum(r.macs for r in cost.layers if r.kind == "Conv2d") / 1e6) == 4866
    assert math.isclose(cost.macs, 4_866e6, rel_tol=1e-3)


def test_cost_is_a_frozen_dataclass_with_the_api_fields():
    cost = count(nn.Linear(3, 2), (4, 3))
    assert isinstance(cost, Cost)
    assert (cost.params, cost.macs, len(cost.layers)) == (8, 24, 1)
    with pytest.raises(AttributeError):
        cost.macs = 0  # type: ignore[misc]
