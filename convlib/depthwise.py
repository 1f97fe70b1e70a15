"""Bytes, arithmetic intensity and per-layer time: why depthwise convolution is not as fast as its multiply-adds (chapter 09).

* :func:`conv_min_bytes`: the least traffic a convolution can have, one read of
  its input and weight and one write of its output;
* :func:`arithmetic_intensity`: multiply-adds per byte of that traffic;
* :func:`is_depthwise`: whether a module is a depthwise convolution (``groups = C_in > 1``);
* :func:`layer_times`: the median time of every convolution inside a whole forward pass.

The operator itself is :func:`convlib.ops.depthwise_conv2d`.
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn

from ._args import IntOrTuple, ntuple
from .cost import conv_macs, conv_params

__all__ = ["conv_min_bytes", "arithmetic_intensity", "is_depthwise", "layer_times"]


def conv_min_bytes(in_channels: int, out_channels: int, kernel_size: IntOrTuple, input_size: IntOrTuple,
                   output_size: IntOrTuple, groups: int = 1, batch: int = 1, bytes_per_value: int = 4) -> int:
    """Bytes a 2D convolution must move at least: read input and weight once, write output once (chapter 09).

    ``bytes_per_value · (N·C_in·H·W + C_out·(C_in/groups)·kH·kW + N·C_out·H_out·W_out)``; the bias is ignored.

    Args:
        in_channels, out_channels, kernel_size, groups: as :func:`convlib.cost.conv_params`.
        input_size: ``H`` or ``(H, W)``.
        output_size: ``H_out`` or ``(H_out, W_out)``.
        batch: ``N``.
        bytes_per_value: 4 for float32, 2 for float16.

    Raises:
        ValueError: naming the argument, for non-positive sizes or ``groups`` that does not divide the channels.
    """
    weights = conv_params(in_channels, out_channels, kernel_size, groups, bias=False)
    (h, w), (ho, wo) = ntuple(input_size, 2, "input_size"), ntuple(output_size, 2, "output_size")
    for value, name in ((h * w, "input_size"), (ho * wo, "output_size"), (batch, "batch"), (bytes_per_value, "bytes_per_value")):
        if value < 1:
            raise ValueError(f"{name} must be positive, got {value}")
    return bytes_per_value * (batch * in_channels * h * w + weights + batch * out_channels * ho * wo)


def arithmetic_intensity(in_channels: int, out_channels: int, kernel_size: IntOrTuple, input_size: IntOrTuple,
                         output_size: IntOrTuple, groups: int = 1, batch: int = 1, bytes_per_value: int = 4) -> float:
    """Multiply-adds per byte of the least traffic, ``N · MACs / conv_min_bytes`` (chapter 09).

    Twice this is the FLOP-per-byte intensity of the roofline model (a multiply-add is two FLOPs).
    Arguments as :func:`conv_min_bytes`.
    """
    macs = batch * conv_macs(in_channels, out_channels, kernel_size, output_size, groups)
    return macs / conv_min_bytes(in_channels, out_channels, kernel_size, input_size, output_size, groups, batch,
                                 bytes_per_value)


def is_depthwise(module: nn.Module) -> bool:
    """Whether ``module`` is a depthwise convolution: an ``nn.Conv2d`` with ``groups = in_channels > 1`` (chapter 09)."""
    return isinstance(module, nn.Conv2d) and module.groups == module.in_channels > 1


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@torch.no_grad()
def layer_times(model: nn.Module, input: torch.Tensor, repeat: int = 10, warmup: int = 2) -> dict[str, float]:
    """Median milliseconds of every ``nn.Conv2d`` call inside whole forward passes of ``model`` (chapter 09).

    Hooks read the clock just before and just after each convolution (synchronising a
    GPU first), so every layer is timed where it really runs: after the layers before
    it, with the caches they left. The model runs in evaluation mode.

    Args:
        model: any ``nn.Module`` taking ``input``.
        input: the batch, on the model's device.
        repeat: timed forward passes (at least 1); ``warmup`` untimed ones come first.

    Returns:
        ``{qualified layer name: median ms}``, in call order.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    names = {m: name for name, m in model.named_modules()}
    samples: dict[str, list[float]] = {}
    starts: dict[nn.Module, float] = {}
    timing = [False]

    def before(module: nn.Module, args: tuple) -> None:
        if timing[0]:
            _sync(input.device)
            starts[module] = time.perf_counter()

    def after(module: nn.Module, args: tuple, output: torch.Tensor) -> None:
        if timing[0]:
            _sync(input.device)
            samples.setdefault(names[module], []).append((time.perf_counter() - starts[module]) * 1e3)

    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    handles = [h for m in convs for h in (m.register_forward_pre_hook(before), m.register_forward_hook(after))]
    was_training = model.training
    try:
        model.eval()
        for _ in range(warmup):
            model(input)
        timing[0] = True
        for _ in range(repeat):
            model(input)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {name: statistics.median(times) for name, times in samples.items()}
