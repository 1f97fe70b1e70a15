"""Residual and dense blocks: the basic block, the bottleneck and the dense layer (chapter 14).

* :class:`BasicBlock`: two ``3×3`` convolutions, each followed by batch
  normalisation, and the block's input added to their output (He et al., 2016),
  as in ResNet-18 and ResNet-34.
* :class:`Bottleneck`: ``1×1`` reduce, ``3×3``, ``1×1`` expand, then the
  addition, as in ResNet-50 and deeper.
* :class:`DenseLayer` and :class:`DenseBlock`: DenseNet's layers, whose outputs
  are *concatenated* to their inputs, not added (Huang et al., 2017).

When the input and output shapes differ (a stride or a change of channels), the
shortcut is a *projection*: a ``1×1`` convolution with that stride, then batch
normalisation. The layouts follow torchvision's, so parameter and multiply-add
counts agree with ``torchvision.models.resnet18``, ``resnet50`` and
``densenet121``. The cost functions count convolution weights and batch-norm
parameters (2 per channel) and, like :func:`convlib.cost.count`, the
multiply-adds of convolutions only. Chapter 14 teaches them.
"""

from __future__ import annotations

import torch
from torch import nn

from .arithmetic import conv_output_size
from .cost import conv_macs, conv_params

__all__ = [
    "BasicBlock", "Bottleneck", "DenseLayer", "DenseBlock",
    "basic_block_cost", "bottleneck_cost", "dense_layer_cost", "dense_channels",
]


def _positive(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _stride(stride: int) -> int:
    if stride not in (1, 2) or isinstance(stride, bool):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")
    return stride


def _conv_bn(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(out_channels)]


def _projection(in_channels: int, out_channels: int, stride: int, shortcut: bool) -> nn.Module | None:
    """The shortcut: ``None`` (no shortcut), identity, or ``1×1`` conv + BN when shapes change."""
    if not shortcut:
        return None
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(*_conv_bn(in_channels, out_channels, 1, stride))


class BasicBlock(nn.Module):
    """ResNet's basic block: ``relu(bn(conv3×3(relu(bn(conv3×3(x))))) + shortcut(x))`` (chapter 14).

    Args:
        in_channels: channels of the input ``x`` (Tensor[N, in_channels, H, W]).
        out_channels: channels of both convolutions and of the output.
        stride: 1, or 2 to halve the map (on the first ``3×3`` and on the projection).
        shortcut: ``False`` gives the same two layers with no addition (a "plain" block).

    Output: Tensor[N, out_channels, H_out, W_out], ``H_out = ⌊(H − 1)/stride⌋ + 1``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, shortcut: bool = True) -> None:
        super().__init__()
        _positive(in_channels, "in_channels"), _positive(out_channels, "out_channels"), _stride(stride)
        self.body = nn.Sequential(*_conv_bn(in_channels, out_channels, 3, stride), nn.ReLU(inplace=True),
                                  *_conv_bn(out_channels, out_channels, 3))
        self.shortcut = _projection(in_channels, out_channels, stride, shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)                                    # (N, C_out, H_out, W_out): F(x)
        if self.shortcut is not None:
            y = y + self.shortcut(x)                        # (N, C_out, H_out, W_out): F(x) + x
        return torch.relu(y)


class Bottleneck(nn.Module):
    """ResNet's bottleneck block: ``1×1`` to ``width``, ``3×3``, ``1×1`` to ``out_channels``, plus the shortcut (chapter 14).

    The stride sits on the ``3×3``, as in torchvision ("ResNet v1.5").

    Args:
        in_channels: channels of the input (Tensor[N, in_channels, H, W]).
        width: channels of the narrow middle (``out_channels / 4`` in ResNet-50).
        out_channels: channels of the output.
        stride: 1 or 2.
        shortcut: ``False`` gives the three layers with no addition.
    """

    def __init__(self, in_channels: int, width: int, out_channels: int, stride: int = 1,
                 shortcut: bool = True) -> None:
        super().__init__()
        for value, name in ((in_channels, "in_channels"), (width, "width"), (out_channels, "out_channels")):
            _positive(value, name)
        _stride(stride)
        self.body = nn.Sequential(*_conv_bn(in_channels, width, 1), nn.ReLU(inplace=True),
                                  *_conv_bn(width, width, 3, stride), nn.ReLU(inplace=True),
                                  *_conv_bn(width, out_channels, 1))
        self.shortcut = _projection(in_channels, out_channels, stride, shortcut)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)                                    # (N, C_out, H_out, W_out)
        if self.shortcut is not None:
            y = y + self.shortcut(x)
        return torch.relu(y)


class DenseLayer(nn.Module):
    """One DenseNet-BC layer: BN, ReLU, ``1×1`` to ``bn_size·k``, BN, ReLU, ``3×3`` to ``k`` (chapter 14).

    Its output is the input with ``k = growth_rate`` new channels concatenated.

    Args:
        in_channels: channels of the input (Tensor[N, in_channels, H, W]).
        growth_rate: ``k``, the channels each layer adds.
        bn_size: the ``1×1`` bottleneck has ``bn_size·k`` channels (4 in DenseNet-121).

    Output: Tensor[N, in_channels + growth_rate, H, W].
    """

    def __init__(self, in_channels: int, growth_rate: int, bn_size: int = 4) -> None:
        super().__init__()
        for value, name in ((in_channels, "in_channels"), (growth_rate, "growth_rate"), (bn_size, "bn_size")):
            _positive(value, name)
        mid = bn_size * growth_rate
        self.body = nn.Sequential(nn.BatchNorm2d(in_channels), nn.ReLU(inplace=True),
                                  nn.Conv2d(in_channels, mid, 1, bias=False),
                                  nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                                  nn.Conv2d(mid, growth_rate, 3, padding=1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, self.body(x)], dim=1)          # (N, C_in + k, H, W)


class DenseBlock(nn.Sequential):
    """``num_layers`` dense layers: the channels grow from ``k0`` to ``k0 + num_layers·k`` (chapter 14).

    Args:
        num_layers: how many :class:`DenseLayer` s.
        in_channels: ``k0``, channels of the input (Tensor[N, k0, H, W]).
        growth_rate: ``k``.
        bn_size: as in :class:`DenseLayer`.
    """

    def __init__(self, num_layers: int, in_channels: int, growth_rate: int, bn_size: int = 4) -> None:
        _positive(num_layers, "num_layers")
        super().__init__(*(DenseLayer(dense_channels(in_channels, growth_rate, i), growth_rate, bn_size)
                           for i in range(num_layers)))


def dense_channels(in_channels: int, growth_rate: int, layers: int) -> int:
    """Channels after ``layers`` dense layers: ``k0 + layers·k`` (chapter 14)."""
    _positive(in_channels, "in_channels"), _positive(growth_rate, "growth_rate")
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 0:
        raise ValueError(f"layers must be a non-negative int, got {layers!r}")
    return in_channels + layers * growth_rate


def _shortcut_cost(in_channels: int, out_channels: int, out: int, stride: int) -> tuple[int, int]:
    if stride == 1 and in_channels == out_channels:
        return 0, 0
    return conv_params(in_channels, out_channels, 1, bias=False) + 2 * out_channels, \
        conv_macs(in_channels, out_channels, 1, out)


def basic_block_cost(in_channels: int, out_channels: int, size: int, stride: int = 1,
                     shortcut: bool = True) -> tuple[int, int]:
    """``(parameters, multiply-adds)`` of one :class:`BasicBlock` on a ``size × size`` input (chapter 14).

    Parameters: ``9·C_in·C_out + 9·C_out²`` weights, 2 per channel for each batch
    norm, and the projection's ``C_in·C_out + 2·C_out`` when shapes change.
    """
    _positive(in_channels, "in_channels"), _positive(out_channels, "out_channels"), _positive(size, "size")
    out = conv_output_size(size, 3, _stride(stride), 1)
    params = conv_params(in_channels, out_channels, 3, bias=False) + conv_params(out_channels, out_channels, 3,
                                                                                  bias=False) + 4 * out_channels
    macs = conv_macs(in_channels, out_channels, 3, out) + conv_macs(out_channels, out_channels, 3, out)
    if shortcut:
        p, m = _shortcut_cost(in_channels, out_channels, out, stride)
        params, macs = params + p, macs + m
    return params, macs


def bottleneck_cost(in_channels: int, width: int, out_channels: int, size: int, stride: int = 1,
                    shortcut: bool = True) -> tuple[int, int]:
    """``(parameters, multiply-adds)`` of one :class:`Bottleneck` on a ``size × size`` input (chapter 14).

    Weights ``C_in·w + 9·w² + w·C_out``, batch norms ``2·(2w + C_out)``, and the
    projection when shapes change; the first ``1×1`` runs at the input size.
    """
    for value, name in ((in_channels, "in_channels"), (width, "width"), (out_channels, "out_channels"),
                        (size, "size")):
        _positive(value, name)
    out = conv_output_size(size, 3, _stride(stride), 1)
    params = (conv_params(in_channels, width, 1, bias=False) + conv_params(width, width, 3, bias=False)
              + conv_params(width, out_channels, 1, bias=False) + 2 * (2 * width + out_channels))
    macs = (conv_macs(in_channels, width, 1, size) + conv_macs(width, width, 3, out)
            + conv_macs(width, out_channels, 1, out))
    if shortcut:
        p, m = _shortcut_cost(in_channels, out_channels, out, stride)
        params, macs = params + p, macs + m
    return params, macs


def dense_layer_cost(in_channels: int, growth_rate: int, size: int, bn_size: int = 4) -> tuple[int, int]:
    """``(parameters, multiply-adds)`` of one :class:`DenseLayer` (chapter 14).

    Weights ``C_in·b·k + 9·b·k·k`` with ``b = bn_size``, batch norms ``2·C_in + 2·b·k``.
    """
    for value, name in ((in_channels, "in_channels"), (growth_rate, "growth_rate"), (size, "size"),
                        (bn_size, "bn_size")):
        _positive(value, name)
    mid = bn_size * growth_rate
    params = (conv_params(in_channels, mid, 1, bias=False) + conv_params(mid, growth_rate, 3, bias=False)
              + 2 * in_channels + 2 * mid)
    macs = conv_macs(in_channels, mid, 1, size) + conv_macs(mid, growth_rate, 3, size)
    return params, macs
