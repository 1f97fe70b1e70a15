"""Parameters and multiply-adds, by formula and by counting (chapter 02 onwards; the zoo in chapter 17).

Every chapter has a *Cost* section that computes a layer's cost twice: once by
formula (:func:`conv_params`, :func:`conv_macs` and friends) and once by running
a model and counting (:func:`count`). The two must agree.

Multiply-adds (MACs) follow torchvision's published ``_ops`` figures (the
"GFLOPS" column of its model docs), which count multiplications only:

* convolution: ``out.numel() · (C_in / groups) · Π kernel``, every output position;
* transposed convolution: ``in.numel() · (C_out / groups) · Π kernel``, every *input*
  position, since each input pixel scatters one kernel-sized patch;
* linear: ``rows · in_features · out_features``;
* deformable convolution (chapter 15): its weights only, as a convolution of the same
  shape, ``out.numel() · (C_in / groups) · Π kernel``; the bilinear sampling is not counted
  (the offset predictor is an ordinary convolution and counted as one);
* normalisation, activations and pooling: not counted.

``torch.utils.flop_counter.FlopCounterMode`` counts 2 × these numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from ._args import IntOrTuple, check_groups, check_non_negative, check_positive, ntuple

__all__ = [
    "conv_params",
    "conv_macs",
    "conv_transpose_macs",
    "depthwise_separable_params",
    "depthwise_separable_macs",
    "LayerCost",
    "Cost",
    "count",
]


def _check_channels(value: int, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _ndim(kernel_size: IntOrTuple, size: IntOrTuple | None = None, size_name: str = "output_size") -> int:
    """Number of spatial dimensions: the length of a tuple argument, else 2 (as ``torch.nn.Conv2d``)."""
    lengths = [len(s) for s in (kernel_size, size) if isinstance(s, (tuple, list))]
    for value, name in ((kernel_size, "kernel_size"), (size, size_name)):
        if isinstance(value, (tuple, list)) and not value:
            raise ValueError(f"{name} must have at least one dimension, got {value!r}")
    if len(lengths) == 2 and lengths[0] != lengths[1]:
        raise ValueError(
            f"kernel_size and {size_name} must have the same number of dimensions, got {kernel_size!r} and {size!r}"
        )
    return lengths[0] if lengths else 2


def _sizes(value: IntOrTuple, n: int, name: str) -> tuple[int, ...]:
    sizes = ntuple(value, n, name)
    check_positive(sizes, name)
    return sizes


def conv_params(
    in_channels: int, out_channels: int, kernel_size: IntOrTuple, groups: int = 1, bias: bool = True
) -> int:
    """Learnable parameters of a convolution: ``C_out · (C_in / groups) · Π k (+ C_out)``.

    Taught in chapter 02 onwards (depthwise in 09, grouped in 11; the zoo in chapter 17).
    The same count holds for a transposed convolution with the same arguments.

    Args:
        in_channels: ``C_in``, at least 1.
        out_channels: ``C_out``, at least 1.
        kernel_size: an int (a square 2D kernel, as ``torch.nn.Conv2d``) or a tuple with
            one entry per spatial dimension, e.g. ``(3,)`` for 1D or ``(3, 3, 3)`` for 3D.
        groups: how many groups the channels split into; must divide both channel counts.
        bias: whether the layer has one bias per output channel.

    Raises:
        ValueError: naming the argument, for non-positive channels or kernel sizes, or
            ``groups`` that does not divide the channels.
    """
    _check_channels(in_channels, "in_channels")
    _check_channels(out_channels, "out_channels")
    check_groups(in_channels, out_channels, groups)
    kernel = _sizes(kernel_size, _ndim(kernel_size), "kernel_size")
    if not isinstance(bias, bool):
        raise ValueError(f"bias must be True or False, got {bias!r}")
    return out_channels * (in_channels // groups) * math.prod(kernel) + (out_channels if bias else 0)


def conv_macs(
    in_channels: int, out_channels: int, kernel_size: IntOrTuple, output_size: IntOrTuple, groups: int = 1
) -> int:
    """Multiply-accumulates of one sample: ``Π out · C_out · (C_in / groups) · Π k`` (chapter 02 onwards; the zoo in chapter 17).

    Args:
        in_channels: ``C_in``, at least 1.
        out_channels: ``C_out``, at least 1.
        kernel_size: an int (square) or a tuple with one entry per spatial dimension.
        output_size: the output's spatial size, an int (square) or ``(h, w)`` (any length
            matching ``kernel_size``); see :func:`convlib.arithmetic.conv_output_size`.
        groups: must divide both channel counts.

    Raises:
        ValueError: naming the argument, for non-positive channels, kernel or output sizes,
            mismatched dimensions, or ``groups`` that does not divide the channels.
    """
    _check_channels(in_channels, "in_channels")
    _check_channels(out_channels, "out_channels")
    check_groups(in_channels, out_channels, groups)
    n = _ndim(kernel_size, output_size)
    kernel = _sizes(kernel_size, n, "kernel_size")
    out = _sizes(output_size, n, "output_size")
    return math.prod(out) * out_channels * (in_channels // groups) * math.prod(kernel)


def conv_transpose_macs(
    in_channels: int, out_channels: int, kernel_size: IntOrTuple, input_size: IntOrTuple, groups: int = 1
) -> int:
    """Multiply-accumulates of one sample of a transposed convolution (chapter 05).

    Counted over the *input* positions, as torchvision and ``FlopCounterMode`` do:
    each input pixel multiplies a ``(C_out / groups) · Π k`` patch of weights.

    Args:
        in_channels, out_channels, kernel_size, groups: as :func:`conv_params`.
        input_size: the input's spatial size, an int (square) or a tuple.

    Raises:
        ValueError: naming the argument, as :func:`conv_macs`.
    """
    _check_channels(in_channels, "in_channels")
    _check_channels(out_channels, "out_channels")
    check_groups(in_channels, out_channels, groups)
    n = _ndim(kernel_size, input_size, "input_size")
    kernel = _sizes(kernel_size, n, "kernel_size")
    size = _sizes(input_size, n, "input_size")
    return math.prod(size) * in_channels * (out_channels // groups) * math.prod(kernel)


def _pointwise(kernel_size: IntOrTuple) -> tuple[int, ...]:
    return (1,) * _ndim(kernel_size)


def depthwise_separable_params(in_channels: int, out_channels: int, kernel_size: IntOrTuple, bias: bool = False) -> int:
    """Parameters of a depthwise ``k×k`` (groups = C_in) then pointwise ``1×1`` convolution (chapter 10).

    ``C_in · Π k + C_in · C_out``, plus ``C_in + C_out`` biases when ``bias`` is true.
    Arguments as :func:`conv_params`.
    """
    depthwise = conv_params(in_channels, in_channels, kernel_size, groups=in_channels, bias=bias)
    return depthwise + conv_params(in_channels, out_channels, _pointwise(kernel_size), bias=bias)


def depthwise_separable_macs(
    in_channels: int, out_channels: int, kernel_size: IntOrTuple, output_size: IntOrTuple
) -> int:
    """Multiply-adds of one sample of a depthwise-separable convolution (chapter 10).

    ``Π out · C_in · (Π k + C_out)``: the depthwise part, then the pointwise part,
    both at the output resolution. Arguments as :func:`conv_macs`.
    """
    depthwise = conv_macs(in_channels, in_channels, kernel_size, output_size, groups=in_channels)
    n = _ndim(kernel_size, output_size)
    return depthwise + conv_macs(in_channels, out_channels, (1,) * n, ntuple(output_size, n, "output_size"))


@dataclass(frozen=True)
class LayerCost:
    """One counted call of a layer, a row of :meth:`Cost.table`.

    Attributes:
        name: the module's qualified name in the model (``"layer1.0.conv1"``).
        kind: the module's class name (``"Conv2d"``).
        input_shape: the shape of the tensor the layer received.
        output_shape: the shape of the tensor it returned.
        params: the layer's own parameters.
        macs: its multiply-adds for the whole batch.
    """

    name: str
    kind: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    macs: int


@dataclass(frozen=True)
class Cost:
    """What :func:`count` found: total parameters, total multiply-adds and one row per layer call.

    Attributes:
        params: every parameter of the model (shared ones once), counted or not.
        macs: multiply-adds of the whole batch, summed over ``layers``.
        layers: the counted convolution, transposed-convolution, deformable-convolution and
            linear calls, in call order.
    """

    params: int
    macs: int
    layers: tuple[LayerCost, ...]

    def table(self) -> str:
        """A plain-text table of the layers and a total row, as printed in the book."""
        header = ("layer", "kind", "input", "output", "params", "MACs")
        rows = [
            (r.name or "(model)", r.kind, _shape(r.input_shape), _shape(r.output_shape), f"{r.params:,}", f"{r.macs:,}")
            for r in self.layers
        ]
        total = ("total", "", "", "", f"{self.params:,}", f"{self.macs:,}")
        widths = [max(len(row[i]) for row in [header, *rows, total]) for i in range(len(header))]

        def line(row: tuple[str, ...]) -> str:
            cells = [c.ljust(w) if i < 4 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
            return "  ".join(cells).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(header), rule, *map(line, rows), rule, line(total)])

    def __str__(self) -> str:
        return self.table()


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(map(str, shape))


def _deform_types() -> tuple[type, ...]:
    """The deformable-convolution modules :func:`count` sees: convlib's and, if installed, torchvision's."""
    from .ops.deform import DeformConv2d  # here, not at the top: convlib.ops imports nothing from cost

    try:
        from torchvision.ops import DeformConv2d as TorchvisionDeformConv2d
    except ImportError:  # pragma: no cover - torchvision is a dependency of the book
        return (DeformConv2d,)
    return (DeformConv2d, TorchvisionDeformConv2d)


def _layer_macs(module: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    if isinstance(module, _deform_types()):  # the weights' product only; the sampling is not counted
        return y.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        return x.numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.modules.conv._ConvNd):
        return y.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    return y.numel() * module.in_features  # nn.Linear: rows · out_features · in_features


def count(model: nn.Module, input_shape: tuple[int, ...]) -> Cost:
    """Count parameters and multiply-adds by running ``model`` once (chapter 02 onwards; the zoo in chapter 17).

    The model runs on ``torch.zeros(input_shape)`` in evaluation mode under
    ``torch.no_grad()``, on its own device and dtype; its training flags are restored
    afterwards. Forward hooks record every call of a convolution (``nn.Conv1d/2d/3d``,
    any subclass of them such as ``convlib.ops``' modules), a transposed convolution,
    ``nn.Linear``, or a deformable convolution (``convlib.ops.DeformConv2d`` or
    torchvision's), whose row holds its weights' multiply-adds but not its bilinear
    sampling. Convolutions called through ``torch.nn.functional`` are not seen.

    Args:
        model: any ``nn.Module`` taking one tensor.
        input_shape: the input's full shape, batch first, e.g. ``(1, 3, 224, 224)``.

    Returns:
        A :class:`Cost`; ``str(cost)`` is a table of the layers.

    Raises:
        ValueError: if ``input_shape`` is not a tuple of non-negative ints.
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
    if not isinstance(input_shape, (tuple, list)) or not input_shape:
        raise ValueError(f"input_shape must be a non-empty tuple of ints, batch first, got {input_shape!r}")
    shape = ntuple(input_shape, len(input_shape), "input_shape")
    check_non_negative(shape, "input_shape")

    names = {module: name for name, module in model.named_modules()}
    rows: list[LayerCost] = []

    def hook(module: nn.Module, args: tuple, kwargs: dict, output: torch.Tensor) -> None:
        x = args[0] if args else kwargs["input"]
        params = sum(p.numel() for p in module.parameters())
        macs = _layer_macs(module, x, output)
        rows.append(LayerCost(names[module], type(module).__name__, tuple(x.shape), tuple(output.shape), params, macs))

    counted = (nn.modules.conv._ConvNd, nn.Linear, *_deform_types())
    handles = [m.register_forward_hook(hook, with_kwargs=True) for m in model.modules() if isinstance(m, counted)]
    modes = {m: m.training for m in model.modules()}
    first = next(iter(model.parameters()), None)
    first = first if first is not None else next(iter(model.buffers()), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.get_default_dtype()
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(shape, device=device, dtype=dtype))
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes.items():
            module.training = mode
    params = sum(p.numel() for p in model.parameters())
    return Cost(params=params, macs=sum(r.macs for r in rows), layers=tuple(rows))
