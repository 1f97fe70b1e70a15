"""Tests for convlib.arithmetic: output sizes against PyTorch, receptive fields against brute force."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch import nn

from convlib.arithmetic import (
    ReceptiveField,
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel_size,
    full_padding,
    receptive_field,
    same_padding,
)

# One spatial dimension's configuration: (size, kernel_size, stride, padding, dilation).
dims = st.tuples(st.integers(1, 16), st.integers(1, 6), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3))


# --------------------------------------------------------------------------- conv_output_size
@settings(max_examples=250, deadline=None)
@given(h=dims, w=dims)
def test_conv_output_size_equals_conv2d_output_shape_or_raises_naming_kernel_size(h, w):
    (hi, hk, hs, hp, hd), (wi, wk, ws, wp, wd) = h, w
    layer = nn.Conv2d(1, 1, (hk, wk), (hs, ws), (hp, wp), (hd, wd), bias=False)
    try:
        shape = tuple(layer(torch.zeros(1, 1, hi, wi)).shape[2:])
    except RuntimeError:  # the (dilated) kernel does not fit the padded input in some dimension
        shape = None
    sizes = []
    for config in (h, w):
        try:
            sizes.append(conv_output_size(*config))
        except ValueError as error:
            assert str(error).startswith("kernel_size")
            sizes.append(None)
    if shape is None:
        assert None in sizes
    else:
        assert tuple(sizes) == shape


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Dumoulin & Visin 2016, "A guide to convolution arithmetic", Relationships 1-6 and 15.
        (dict(size=4, kernel_size=3), 2),  # no padding, unit strides
        (dict(size=5, kernel_size=4, padding=2), 6),  # arbitrary padding, unit strides
        (dict(size=5, kernel_size=3, padding=1), 5),  # half (same) padding
        (dict(size=5, kernel_size=3, padding=2), 7),  # full padding
        (dict(size=5, kernel_size=3, stride=2), 2),  # no padding, non-unit strides
        (dict(size=5, kernel_size=3, stride=2, padding=1), 3),  # padding and strides
        (dict(size=6, kernel_size=3, stride=2, padding=1), 3),  # ... the odd case
        (dict(size=7, kernel_size=3, dilation=2), 3),  # dilated
    ],
)
def test_conv_output_size_reproduces_dumoulin_and_visin_examples(args, expected):
    assert conv_output_size(**args) == expected


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (dict(size=0, kernel_size=3), "size"),
        (dict(size=5, kernel_size=0), "kernel_size"),
        (dict(size=5, kernel_size=3, stride=0), "stride"),
        (dict(size=5, kernel_size=3, dilation=0), "dilation"),
        (dict(size=5, kernel_size=3, padding=-1), "padding"),
        (dict(size=5, kernel_size=6), "kernel_size"),
        (dict(size=5, kernel_size=3, dilation=3), "kernel_size"),
        (dict(size=5.0, kernel_size=3), "size"),
        (dict(size=5, kernel_size=True), "kernel_size"),
        (dict(size=5, kernel_size=3, stride=1.5), "stride"),
    ],
)
def test_conv_output_size_raises_value_error_naming_the_bad_argument(args, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        conv_output_size(**args)


def test_effective_kernel_size_is_k_plus_k_minus_1_times_d_minus_1():
    for k in range(1, 8):
        for d in range(1, 5):
            assert effective_kernel_size(k, d) == k + (k - 1) * (d - 1)
    with pytest.raises(ValueError, match="^dilation"):
        effective_kernel_size(3, 0)


def test_full_padding_gives_i_plus_k_prime_minus_1_outputs():
    for i in range(1, 10):
        for k in range(1, 6):
            for d in range(1, 4):
                k_eff = effective_kernel_size(k, d)
                assert conv_output_size(i, k, padding=full_padding(k, d), dilation=d) == i + k_eff - 1


# --------------------------------------------------------------------------- conv_transpose_output_size
@settings(max_examples=250, deadline=None)
@given(
    size=st.integers(1, 10),
    kernel=st.integers(1, 5),
    stride=st.integers(1, 4),
    padding=st.integers(0, 4),
    output_padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
)
def test_conv_transpose_output_size_equals_conv_transpose2d_shape_or_raises(size, kernel, stride, padding, output_padding, dilation):
    layer = nn.ConvTranspose2d(1, 1, kernel, stride, padding, output_padding, dilation=dilation, bias=False)
    try:
        expected = layer(torch.zeros(1, 1, size, size)).shape[-1]
    except RuntimeError:  # output_padding too large, or a negative output size
        expected = None
    args = (size, kernel, stride, padding, output_padding, dilation)
    if not expected:  # PyTorch also returns an empty tensor for a size-0 output; convlib refuses it
        with pytest.raises(ValueError, match="^(output_padding|padding)"):
            conv_transpose_output_size(*args)
    else:
        assert conv_transpose_output_size(*args) == expected
        # Dumoulin & Visin's o′ = s(i′−1) + a + k − 2p, with the dilated kernel's span for k.
        assert expected == stride * (size - 1) + output_padding + effective_kernel_size(kernel, dilation) - 2 * padding


@pytest.mark.parametrize(("stride", "dilation", "output_padding"), [(1, 1, 1), (2, 1, 2), (2, 2, 2), (3, 2, 3), (1, 3, 3)])
def test_output_padding_not_below_stride_or_dilation_raises_as_pytorch_does(stride, dilation, output_padding):
    layer = nn.ConvTranspose2d(1, 1, 3, stride, output_padding=output_padding, dilation=dilation)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        layer(torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="^output_padding"):
        conv_transpose_output_size(4, 3, stride, output_padding=output_padding, dilation=dilation)


@pytest.mark.parametrize(("stride", "dilation", "output_padding"), [(2, 1, 1), (1, 2, 1), (3, 1, 2), (1, 4, 3)])
def test_output_padding_below_stride_or_dilation_is_allowed(stride, dilation, output_padding):
    layer = nn.ConvTranspose2d(1, 1, 3, stride, output_padding=output_padding, dilation=dilation)
    shape = layer(torch.zeros(1, 1, 4, 4)).shape[-1]
    assert conv_transpose_output_size(4, 3, stride, output_padding=output_padding, dilation=dilation) == shape


@settings(max_examples=200, deadline=None)
@given(config=dims)
def test_transposed_conv_with_output_padding_restores_the_input_size(config):
    # Dumoulin & Visin, Relationship 14: a = (i + 2p − k′) mod s recovers i exactly.
    size, kernel, stride, padding, dilation = config
    assume(effective_kernel_size(kernel, dilation) <= size + 2 * padding)
    out = conv_output_size(size, kernel, stride, padding, dilation)
    a = (size + 2 * padding - effective_kernel_size(kernel, dilation)) % stride
    assert conv_transpose_output_size(out, kernel, stride, padding, a, dilation) == size


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Dumoulin & Visin's transposed examples, each the transpose of a convolution above.
        ((2, 3), 4),  # of i=4, k=3
        ((6, 4, 1, 2), 5),  # of i=5, k=4, p=2
        ((5, 3, 1, 1), 5),  # half padding
        ((7, 3, 1, 2), 5),  # full padding
        ((2, 3, 2), 5),  # of i=5, k=3, s=2
        ((3, 3, 2, 1), 5),  # of i=5, k=3, s=2, p=1
        ((3, 3, 2, 1, 1), 6),  # of i=6, k=3, s=2, p=1, with a = 1
    ],
)
def test_conv_transpose_output_size_reproduces_dumoulin_and_visin_examples(args, expected):
    assert conv_transpose_output_size(*args) == expected


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((0, 3), "size"),
        ((3, 0), "kernel_size"),
        ((3, 3, 0), "stride"),
        ((3, 3, 1, -1), "padding"),
        ((3, 3, 2, 0, -1), "output_padding"),
        ((3, 3, 1, 0, 0, 0), "dilation"),
        ((1, 1, 1, 2), "padding"),  # the padding crops away the whole output
    ],
)
def test_conv_transpose_output_size_raises_value_error_naming_the_bad_argument(args, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        conv_transpose_output_size(*args)


# --------------------------------------------------------------------------- same_padding
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("dilation", [1, 2, 3])
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_same_padding_reproduces_pytorchs_padding_same(kernel, dilation):
    torch.manual_seed(0)
    layer = nn.Conv2d(2, 3, kernel, padding="same", dilation=dilation)
    x = torch.randn(1, 2, 9, 10)
    before, after = same_padding(kernel, dilation)
    assert before + after == full_padding(kernel, dilation)
    padded = F.pad(x, (before, after, before, after))
    manual = F.conv2d(padded, layer.weight, layer.bias, dilation=dilation)
    expected = layer(x)
    assert expected.shape[2:] == manual.shape[2:] == x.shape[2:]
    torch.testing.assert_close(manual, expected)  # same size, and the extra zero on the same side


# --------------------------------------------------------------------------- receptive_field
def vgg16_features() -> nn.Sequential:
    """VGG-16's convolutional part up to pool5 (configuration D of Simonyan & Zisserman)."""
    layers, c_in = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU()]
            c_in = v
    return nn.Sequential(*layers)


def test_vgg16_pool5_has_receptive_field_212_stride_32_padding_90():
    # Araujo, Norris & Sim 2019, "Computing receptive fields of convolutional neural networks", Table 1.
    with torch.device("meta"):
        features = vgg16_features()
    assert receptive_field(features) == ReceptiveField(size=212, stride=32, padding=90)


def test_dilations_1_2_4_8_grow_the_receptive_field_3_7_15_31():
    # Yu & Koltun 2016: exponential growth of the receptive field, linear growth of parameters.
    sizes = [receptive_field(nn.Sequential(*[nn.Conv2d(1, 1, 3, dilation=2**j) for j in range(n)])).size for n in range(1, 5)]
    assert sizes == [3, 7, 15, 31]


def test_receptive_field_ignores_activations_and_normalisation():
    plain = nn.Sequential(nn.Conv2d(1, 2, 3, 2), nn.MaxPool2d(2), nn.Conv2d(2, 2, 5, padding=2))
    decorated = nn.Sequential(plain[0], nn.BatchNorm2d(2), nn.ReLU(), plain[1], nn.Dropout(), plain[2], nn.Sigmoid())
    assert receptive_field(decorated) == receptive_field(plain) == ReceptiveField(1 + 2 + 1 * 2 + 4 * 4, 4, 2 * 4)


@pytest.mark.parametrize("layers", [nn.Sequential(), nn.Sequential(nn.ReLU(), nn.BatchNorm2d(3))])
def test_receptive_field_of_a_stack_without_geometry_raises(layers):
    with pytest.raises(ValueError, match="^layers"):
        receptive_field(layers)


def test_receptive_field_rejects_transposed_convolutions():
    with pytest.raises(ValueError, match="^layers"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.ConvTranspose2d(1, 1, 3, 2)))


@st.composite
def stacks(draw) -> nn.Sequential:
    """1-3 convolution or average-pooling layers; each pads at most (k′−1)//2 like real networks."""
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        kernel, stride = draw(st.integers(1, 4)), draw(st.integers(1, 2))
        if draw(st.booleans()):
            dilation = draw(st.integers(1, 3))
            padding = draw(st.integers(0, (effective_kernel_size(kernel, dilation) - 1) // 2))
            layers.append(nn.Conv2d(1, 1, kernel, stride, padding, dilation, bias=False))
            layers.append(nn.ReLU())
        else:
            layers.append(nn.AvgPool2d(kernel, stride, draw(st.integers(0, (kernel - 1) // 2))))
    model = nn.Sequential(*layers)
    for p in model.parameters():
        nn.init.ones_(p)
    return model


def influenced_rows(model: nn.Module, n: int, row: int) -> list[int]:
    """Input rows whose pixels change output pixel (row, row): non-zero gradient, all-ones weights."""
    x = torch.ones(1, 1, n, n, requires_grad=True)
    y = model(x)
    y[0, 0, row, row].backward()
    return torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten().tolist()


@settings(max_examples=60, deadline=None)
@given(model=stacks())
def test_receptive_field_matches_brute_force_gradient_support(model):
    rf = receptive_field(model)
    n = rf.size + 2 * rf.padding + 2 * rf.stride  # big enough that an interior output is not clipped
    # An interior output o sees input rows [o·S − P, o·S − P + r₀ − 1]: its span is r₀.
    o = -(-rf.padding // rf.stride)  # the first output whose field starts inside the input
    rows = influenced_rows(model, n, o)
    assert rows[0] == o * rf.stride - rf.padding
    assert rows[-1] - rows[0] + 1 == rf.size
    # Its neighbour's field is shifted by the effective stride.
    assert influenced_rows(model, n, o + 1)[0] == rows[0] + rf.stride
    # The first output's field hangs P pixels off the input: it ends at row r₀ − P − 1.
    # (Only its ends are sure to be taps; a dilated field has holes.)
    assert influenced_rows(model, n, 0)[-1] == rf.size - rf.padding - 1
