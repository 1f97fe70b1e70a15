"""Every bad argument to convlib.ops raises ValueError, and the message names the argument and the rule."""

from __future__ import annotations

import pytest
import torch

from convlib import ops

X2, W2 = torch.randn(1, 4, 6, 6), torch.randn(6, 2, 3, 3)  # conv2d with groups=2 is valid on these
XT, WT = torch.randn(1, 4, 5, 5), torch.randn(4, 3, 3, 3)  # conv_transpose2d weight: (C_in, C_out/groups, kH, kW)


def conv2d(**overrides):
    kwargs = dict(input=X2, weight=W2, bias=None, stride=1, padding=0, dilation=1, groups=2) | overrides
    return lambda: ops.conv2d(**kwargs)


def conv_transpose2d(**overrides):
    kwargs = dict(input=XT, weight=WT, bias=None, stride=2, padding=0, output_padding=0, groups=1, dilation=1) | overrides
    return lambda: ops.conv_transpose2d(**kwargs)


def conv_matrix(**overrides):
    kwargs = dict(weight=torch.randn(3, 3), input_size=(4, 5), stride=1, padding=0, dilation=1) | overrides
    return lambda: ops.conv_matrix(**kwargs)


CASES = {
    "conv2d stride 0": (conv2d(stride=0), r"stride must be positive \(at least 1\), got 0"),
    "conv2d stride with 3 entries": (conv2d(stride=(1, 2, 3)), r"stride must be an int or a tuple of 2 ints"),
    "conv2d negative padding": (conv2d(padding=(1, -1)), r"padding must be non-negative, got \(1, -1\)"),
    "conv2d unknown padding string": (conv2d(padding="full"), r"padding must be 'same', 'valid'"),
    "conv2d same padding with stride 2": (conv2d(padding="same", stride=2), r"padding='same' needs stride 1.*stride=\(2, 2\)"),
    "conv2d dilation 0": (conv2d(dilation=(1, 0)), r"dilation must be positive"),
    "conv2d groups 0": (conv2d(groups=0), r"groups must be a positive int, got 0"),
    "conv2d groups not dividing in_channels": (conv2d(groups=3, weight=torch.randn(6, 1, 3, 3)), r"groups must divide in_channels"),
    "conv2d groups not dividing out_channels": (conv2d(weight=torch.randn(5, 2, 3, 3)), r"groups must divide out_channels"),
    "conv2d weight with wrong input channels": (conv2d(weight=torch.randn(6, 3, 3, 3)), r"weight must have in_channels/groups = 2 input channels.*got 3"),
    "conv2d 2-D input": (conv2d(input=torch.randn(3, 5)), r"input must be a 4-D tensor \(N, C_in, H, W\).*got shape \(3, 5\)"),
    "conv2d empty spatial input": (conv2d(input=torch.randn(1, 4, 0, 6)), r"input must have positive spatial sizes"),
    "conv2d 3-D weight": (conv2d(weight=torch.randn(6, 2, 3)), r"weight must be a 4-D tensor \(C_out, C_in/groups, kH, kW\)"),
    "conv2d kernel larger than padded input": (conv2d(weight=torch.randn(6, 2, 9, 3), padding=1), r"kernel_size too large"),
    "conv2d dilated kernel larger than input": (conv2d(dilation=3), r"kernel_size too large: kernel 3 with dilation 3"),
    "conv2d bias of wrong length": (conv2d(bias=torch.randn(5)), r"bias must have out_channels = 6 entries, got 5"),
    "conv2d 2-D bias": (conv2d(bias=torch.randn(6, 1)), r"bias must be a 1-D tensor"),
    "conv2d weight of another dtype": (conv2d(weight=W2.double()), r"weight must have the same dtype as input \(torch.float32\)"),
    "conv2d bias of another dtype": (conv2d(bias=torch.randn(6, dtype=torch.float64)), r"bias must have the same dtype"),
    "conv2d weight on another device": (conv2d(weight=W2.to("meta")), r"weight must be on the same device as input"),
    "conv2d input not a tensor": (conv2d(input=[[1.0]]), r"input must be a torch.Tensor"),
    "conv1d 4-D input": (lambda: ops.conv1d(X2, torch.randn(2, 4, 3)), r"input must be a 3-D tensor \(N, C_in, L\)"),
    "conv3d 4-D weight": (lambda: ops.conv3d(torch.randn(1, 2, 4, 4, 4), torch.randn(2, 2, 3, 3)), r"weight must be a 5-D tensor"),
    "conv3d stride 0": (lambda: ops.conv3d(torch.randn(1, 2, 4, 4, 4), torch.randn(2, 2, 3, 3, 3), stride=(1, 1, 0)), r"stride must be positive"),
    "conv_transpose2d output_padding not below stride or dilation": (conv_transpose2d(output_padding=2), r"output_padding must be smaller than the stride or the dilation"),
    "conv_transpose2d negative output_padding": (conv_transpose2d(output_padding=-1), r"output_padding must be non-negative"),
    "conv_transpose2d stride 0": (conv_transpose2d(stride=0), r"stride must be positive"),
    "conv_transpose2d negative padding": (conv_transpose2d(padding=-1), r"padding must be non-negative"),
    "conv_transpose2d padding removing the output": (conv_transpose2d(stride=1, padding=4), r"padding too large"),
    "conv_transpose2d dilation 0": (conv_transpose2d(dilation=0), r"dilation must be positive"),
    "conv_transpose2d weight with wrong in_channels": (conv_transpose2d(weight=torch.randn(3, 3, 3, 3)), r"weight must have in_channels = 4"),
    "conv_transpose2d groups not dividing in_channels": (conv_transpose2d(groups=3, weight=torch.randn(4, 1, 3, 3)), r"groups must divide in_channels"),
    "conv_transpose2d 3-D input": (conv_transpose2d(input=torch.randn(1, 4)), r"input must be a 4-D tensor"),
    "conv_transpose2d bias of wrong length": (conv_transpose2d(bias=torch.randn(4)), r"bias must have out_channels = 3 entries, got 4"),
    "conv_matrix 3-D weight": (conv_matrix(weight=torch.randn(2, 3, 3)), r"weight must be a \(kH, kW\) kernel or a \(1, 1, kH, kW\) tensor"),
    "conv_matrix input_size 0": (conv_matrix(input_size=(0, 4)), r"input_size must be positive"),
    "conv_matrix input_size with 3 entries": (conv_matrix(input_size=(4, 4, 4)), r"input_size must be an int or a tuple of 2 ints"),
    "conv_matrix kernel larger than input": (conv_matrix(input_size=2), r"kernel_size too large"),
    "conv_matrix stride 0": (conv_matrix(stride=0), r"stride must be positive"),
    "conv_matrix negative padding": (conv_matrix(padding=-2), r"padding must be non-negative"),
    "conv_matrix dilation 0": (conv_matrix(dilation=0), r"dilation must be positive"),
    "channel_shuffle groups not dividing channels": (lambda: ops.channel_shuffle(torch.randn(1, 6, 2), 4), r"groups must divide the number of channels: 6 channels"),
    "channel_shuffle groups 0": (lambda: ops.channel_shuffle(torch.randn(1, 6, 2), 0), r"groups must be a positive int"),
    "channel_shuffle 2-D input": (lambda: ops.channel_shuffle(torch.randn(2, 6), 3), r"input must have at least 3 dimensions"),
}


@pytest.mark.parametrize("call, message", CASES.values(), ids=CASES.keys())
def test_bad_argument_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_valid_baseline_arguments_do_not_raise():
    """The error cases above differ from these calls in one argument only, so that argument is the cause."""
    assert ops.conv2d(X2, W2, groups=2).shape == (1, 6, 4, 4)
    assert ops.conv_transpose2d(XT, WT, stride=2).shape == (1, 3, 11, 11)
    assert ops.conv_matrix(torch.randn(3, 3), (4, 5)).shape == (6, 20)
    assert ops.channel_shuffle(torch.randn(1, 6, 2), 3).shape == (1, 6, 2)

