"""Squeeze-and-excitation: re-weighting channels from global context (chapter 16).

A squeeze-and-excitation (SE) block takes a feature map ``U`` of shape
``(N, C, H, W)`` and

1. *squeezes* it by global average pooling to ``z`` of shape ``(N, C)``;
2. *excites*: ``s = sigmoid(W2 · relu(W1 · z + b1) + b2)``, two fully connected
   layers with ``C // reduction`` hidden units, ``s`` of shape ``(N, C)`` in ``(0, 1)``;
3. *scales*: every channel ``c`` of ``U`` is multiplied by ``s[:, c]``.

Chapter 16 teaches it (Hu et al., 2018).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["se_hidden", "se_params", "se_macs", "squeeze_excitation", "SqueezeExcitation"]


def se_hidden(channels: int, reduction: int = 16) -> int:
    """The number of hidden units ``channels // reduction`` of an SE block (chapter 16).

    Raises:
        ValueError: if ``channels`` or ``reduction`` is not a positive int, or if the
            reduction leaves 0 hidden units.
    """
    for value, name in ((channels, "channels"), (reduction, "reduction")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    hidden = channels // reduction
    if hidden < 1:
        raise ValueError(f"reduction {reduction} leaves 0 hidden units for {channels} channels (need reduction ≤ channels)")
    return hidden


def se_params(channels: int, reduction: int = 16, bias: bool = True) -> int:
    """Parameters of an SE block: ``2·C·(C//r)`` weights, plus ``C//r + C`` biases (chapter 16)."""
    hidden = se_hidden(channels, reduction)
    return 2 * channels * hidden + ((hidden + channels) if bias else 0)


def se_macs(channels: int, reduction: int = 16, size: int | tuple[int, int] = 1) -> dict[str, int]:
    """Multiply-adds of one SE block on one image, part by part (chapter 16).

    Args:
        channels: ``C``.
        reduction: ``r``.
        size: the feature map's ``H × W`` (an int for a square map).

    Returns:
        ``{"fc": 2·C·(C//r), "squeeze": C·H·W, "scale": C·H·W}``: the two fully connected
        layers (what :func:`convlib.cost.count` counts), the additions of the average
        pooling and the multiplications of the rescaling.
    """
    hidden = se_hidden(channels, reduction)
    h, w = (size, size) if isinstance(size, int) else size
    if h < 1 or w < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return {"fc": 2 * channels * hidden, "squeeze": channels * h * w, "scale": channels * h * w}


def squeeze_excitation(x: torch.Tensor, fc1_weight: torch.Tensor, fc1_bias: torch.Tensor | None,
                       fc2_weight: torch.Tensor, fc2_bias: torch.Tensor | None) -> torch.Tensor:
    """The SE block as a function: squeeze, excite, scale (chapter 16).

    Args:
        x (Tensor[N, C, H, W]): the feature map ``U``.
        fc1_weight (Tensor[C_hidden, C]): the reducing layer's weight.
        fc1_bias (Tensor[C_hidden] or None): the reducing layer's bias.
        fc2_weight (Tensor[C, C_hidden]): the expanding layer's weight.
        fc2_bias (Tensor[C] or None): the expanding layer's bias.

    Returns:
        Tensor[N, C, H, W]: ``x`` with channel ``c`` multiplied by its weight ``s[:, c]``.

    Raises:
        ValueError: if the shapes do not fit together.
    """
    if x.dim() != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got {x.dim()}-D")
    channels = x.shape[1]
    if fc1_weight.dim() != 2 or fc1_weight.shape[1] != channels:
        raise ValueError(f"fc1_weight must have shape (C_hidden, {channels}), got {tuple(fc1_weight.shape)}")
    hidden = fc1_weight.shape[0]
    if fc2_weight.shape != (channels, hidden):
        raise ValueError(f"fc2_weight must have shape ({channels}, {hidden}), got {tuple(fc2_weight.shape)}")
    z = x.mean(dim=(2, 3))  # (N, C): squeeze
    h = torch.relu(nn.functional.linear(z, fc1_weight, fc1_bias))  # (N, C_hidden)
    s = torch.sigmoid(nn.functional.linear(h, fc2_weight, fc2_bias))  # (N, C): excite
    return x * s[:, :, None, None]  # (N, C, H, W): scale


class SqueezeExcitation(nn.Module):
    """A squeeze-and-excitation block with ``channels // reduction`` hidden units (chapter 16).

    ``fc1`` and ``fc2`` are ``nn.Linear`` layers, as in the paper; torchvision's
    ``torchvision.ops.SqueezeExcitation`` holds the same numbers in 1×1 convolutions.

    Args:
        channels: ``C``, the channels of the feature map it re-weights.
        reduction: ``r``; the hidden layer has ``C // r`` units (at least 1).
        bias: whether the two layers have biases (they do in the paper and in torchvision).

    Shape:
        input (Tensor[N, C, H, W]) -> output (Tensor[N, C, H, W]).
    """

    def __init__(self, channels: int, reduction: int = 16, bias: bool = True) -> None:
        super().__init__()
        hidden = se_hidden(channels, reduction)
        self.channels, self.reduction = channels, reduction
        self.fc1 = nn.Linear(channels, hidden, bias=bias)
        self.fc2 = nn.Linear(hidden, channels, bias=bias)

    def excitation(self, x: torch.Tensor) -> torch.Tensor:
        """The channel weights ``s`` (Tensor[N, C], in (0, 1)) for a feature map ``x``."""
        z = x.mean(dim=(2, 3))  # (N, C)
        return torch.sigmoid(self.fc2(torch.relu(self.fc1(z))))  # (N, C)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.channels:
            raise ValueError(f"x must have shape (N, {self.channels}, H, W), got {tuple(x.shape)}")
        return x * self.excitation(x)[:, :, None, None]  # (N, C, H, W)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, reduction={self.reduction}"
