"""Small re-definitions of published networks that torchvision lacks (chapter 10).

``torchvision`` ships MobileNet-V2 and V3 but not the original MobileNet
(Howard et al., 2017), so :func:`mobilenet_v1` builds it from Table 1 of the
paper, in torchvision's layout (convolution without bias, batch norm, ReLU).
``separable=False`` gives the paper's "Conv MobileNet", the same network with a
full ``3×3`` convolution in place of every depthwise-separable pair.
"""

from __future__ import annotations

from torch import nn

__all__ = ["MOBILENET_V1", "conv_bn", "mobilenet_v1"]

#: Howard et al. 2017, Table 1: (output channels, stride) of each depthwise-separable block.
MOBILENET_V1: list[tuple[int, int]] = [
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1),
]


def conv_bn(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, groups: int = 1,
            activation: type[nn.Module] | None = nn.ReLU) -> nn.Sequential:
    """``Conv2d`` (no bias, ``(k−1)/2`` zeros of padding), ``BatchNorm2d``, then ``activation`` if given (chapter 10)."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(out_channels),
    ]
    if activation is not None:
        layers.append(activation(inplace=True))
    return nn.Sequential(*layers)


def mobilenet_v1(separable: bool = True, num_classes: int = 1000) -> nn.Sequential:
    """MobileNet-V1 at width 1.0 for ``224×224`` inputs (chapter 10, "Depthwise-separable convolution").

    A full ``3×3`` stride-2 convolution to 32 channels, the 13 blocks of
    :data:`MOBILENET_V1`, global average pooling and a linear classifier.

    Args:
        separable: each block is a depthwise ``3×3`` (BN, ReLU) then a pointwise ``1×1``
            (BN, ReLU) when true, one full ``3×3`` convolution (BN, ReLU) when false.
        num_classes: outputs of the classifier.

    Returns:
        nn.Sequential: input ``(N, 3, 224, 224)``, output ``(N, num_classes)``.
    """
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
    layers: list[nn.Module] = [conv_bn(3, 32, 3, 2)]
    c_in = 32
    for c_out, stride in MOBILENET_V1:
        if separable:
            layers += [conv_bn(c_in, c_in, 3, stride, groups=c_in), conv_bn(c_in, c_out, 1)]
        else:
            layers.append(conv_bn(c_in, c_out, 3, stride))
        c_in = c_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, num_classes))
