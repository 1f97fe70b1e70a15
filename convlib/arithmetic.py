"""Shapes and receptive fields of convolutions (chapter 02, "Arithmetic").

The output-size formulas are PyTorch's (``torch.nn.Conv2d`` and
``torch.nn.ConvTranspose2d``), which are Dumoulin & Visin's relationships with
dilation added. Receptive fields follow Araujo et al. (2019): a stack of layers
has an effective kernel size, an effective stride and an effective padding.
"""

from __future__ import annotations

from typing import NamedTuple

from torch import nn

from ._args import check_non_negative, check_positive

__all__ = [
    "conv_output_size",
    "conv_transpose_output_size",
    "effective_kernel_size",
    "same_padding",
    "full_padding",
    "ReceptiveField",
    "receptive_field",
]


def _check_int(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int, got {value!r}")
    return value


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """Span of a dilated kernel along one dimension: ``d·(k−1) + 1`` (chapter 06).

    Raises:
        ValueError: if ``kernel_size`` or ``dilation`` is not positive.
    """
    check_positive((_check_int(kernel_size, "kernel_size"),), "kernel_size")
    check_positive((_check_int(dilation, "dilation"),), "dilation")
    return dilation * (kernel_size - 1) + 1


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length of a convolution along one spatial dimension (chapter 02).

    ``o = ⌊(i + 2p − d·(k−1) − 1) / s⌋ + 1``, exactly as ``torch.nn.Conv2d`` computes it.

    Args:
        size: input length ``i`` (at least 1).
        kernel_size: ``k`` (at least 1).
        stride: ``s`` (at least 1).
        padding: ``p`` zeros added on each side (at least 0).
        dilation: ``d``, the spacing between kernel taps (at least 1).

    Raises:
        ValueError: naming the argument, for a non-positive size, kernel, stride or
            dilation, a negative padding, or a kernel that does not fit the padded input.
    """
    for value, name in ((size, "size"), (kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"), (dilation, "dilation")):
        _check_int(value, name)
    check_positive((size,), "size")
    span = effective_kernel_size(kernel_size, dilation)
    check_positive((stride,), "stride")
    check_non_negative((padding,), "padding")
    padded = size + 2 * padding
    if span > padded:
        what = f"kernel {kernel_size} with dilation {dilation}" if dilation > 1 else f"kernel {kernel_size}"
        raise ValueError(
            f"kernel_size too large: {what} spans {span} pixels; the padded input has {padded}"
        )
    return (padded - span) // stride + 1


def conv_transpose_output_size(
    size: int, kernel_size: int, stride: int = 1, padding: int = 0, output_padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a transposed convolution along one dimension (chapter 05).

    ``o′ = s·(i′−1) − 2p + d·(k−1) + a + 1``, as ``torch.nn.ConvTranspose2d`` computes it,
    where ``a`` is ``output_padding``.

    Raises:
        ValueError: naming the argument, for bad sizes, or unless ``output_padding`` is
            smaller than the stride or the dilation, or for an empty output.
    """
    for value, name in ((size, "size"), (kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"), (output_padding, "output_padding"), (dilation, "dilation")):
        _check_int(value, name)
    check_positive((size,), "size")
    span = effective_kernel_size(kernel_size, dilation)
    check_positive((stride,), "stride")
    check_non_negative((padding,), "padding")
    check_non_negative((output_padding,), "output_padding")
    if output_padding >= stride and output_padding >= dilation:
        raise ValueError(
            f"output_padding must be smaller than the stride or the dilation, got output_padding={output_padding}, "
            f"stride={stride}, dilation={dilation}"
        )
    out = stride * (size - 1) - 2 * padding + span + output_padding
    if out < 1:
        raise ValueError(f"padding too large: padding {padding} removes the whole output (it would have {out} pixels)")
    return out


def same_padding(kernel_size: int, dilation: int = 1) -> tuple[int, int]:
    """Padding (before, after) that keeps the size at stride 1, as PyTorch's ``padding='same'``.

    An odd effective kernel pads equally; an even one puts the extra zero after (chapter 02).
    """
    total = effective_kernel_size(kernel_size, dilation) - 1
    return total // 2, total - total // 2


def full_padding(kernel_size: int, dilation: int = 1) -> int:
    """Padding for a 'full' convolution: every partial overlap counts, ``o = i + k′ − 1``."""
    return effective_kernel_size(kernel_size, dilation) - 1


class ReceptiveField(NamedTuple):
    """Receptive field of a stack (Araujo et al., 2019), along one dimension.

    Attributes:
        size: how many input pixels one output pixel sees, ``r₀``.
        stride: effective stride, the input distance between neighbouring outputs.
        padding: effective padding, how far the first receptive field hangs off the input.
    """

    size: int
    stride: int
    padding: int


_GEOMETRY = (nn.modules.conv._ConvNd, nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)


def _first(value: object) -> int:
    return int(value[0]) if isinstance(value, (tuple, list)) else int(value)  # type: ignore[index]


def receptive_field(layers: nn.Module) -> ReceptiveField:
    """Receptive field, effective stride and effective padding of a stack (chapter 02).

    Convolution and pooling layers of ``layers`` are taken in the order
    ``modules()`` visits them; layers that do not move pixels (activations,
    normalisation, dropout) are ignored. Sizes are read along the first spatial
    dimension. With ``L`` layers, ``r₀ = 1 + Σ_l (k′_l − 1)·Π_{i<l} s_i`` where
    ``k′ = d·(k−1)+1``; the effective padding is ``Σ_l p_l·Π_{i<l} s_i``.

    Raises:
        ValueError: if ``layers`` holds no convolution or pooling layer, or a transposed convolution.
    """
    size, stride, padding = 1, 1, 0
    found = False
    for module in layers.modules():
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            raise ValueError("layers must not contain transposed convolutions: their receptive field is not a window")
        if not isinstance(module, _GEOMETRY):
            continue
        found = True
        k = _first(module.kernel_size)
        s = _first(module.stride if module.stride is not None else k)
        p = module.padding
        if isinstance(p, str):
            p = 0 if p == "valid" else (effective_kernel_size(k, _first(getattr(module, "dilation", 1))) - 1) // 2
        d = _first(getattr(module, "dilation", 1))
        size += (effective_kernel_size(k, d) - 1) * stride
        padding += _first(p) * stride
        stride *= s
    if not found:
        raise ValueError("layers must contain at least one convolution or pooling layer")
    return ReceptiveField(size, stride, padding)
