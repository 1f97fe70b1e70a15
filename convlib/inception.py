"""Multi-scale convolution: the Inception block (chapter 13).

An Inception block runs several branches side by side on the same input and
concatenates their outputs along the channels. GoogLeNet's block has four:

1. a 1×1 convolution (``ch1x1`` channels);
2. a 1×1 *reduction* to ``ch3x3red`` channels, then a 3×3 convolution (``ch3x3``);
3. a 1×1 reduction to ``ch5x5red`` channels, then a 5×5 convolution (``ch5x5``);
4. a 3×3 max pooling with stride 1, then a 1×1 *projection* (``pool_proj``).

Every convolution keeps the height and width ("same" padding), so the branches
can be stacked along the channel axis. The arguments follow
``torchvision.models.googlenet.Inception``. The *naive* block
(``reduce=False``) has no 1×1 reductions: its 3×3 and 5×5 convolutions read all
the input channels, and its pooling branch passes the input's channels through.

Chapter 13 teaches it (Szegedy et al., 2015).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["BRANCHES", "inception_branch_costs", "inception_params", "inception_macs",
           "inception_out_channels", "concat_branches", "InceptionBlock"]

#: The four branches, in concatenation order.
BRANCHES: tuple[str, ...] = ("1x1", "3x3", "5x5", "pool")


def _check(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return value


def inception_branch_costs(in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                           pool_proj: int, size: int = 1, reduce: bool = True, large_kernel_size: int = 5,
                           bias: bool = True, batch_norm: bool = False) -> dict[str, dict[str, int]]:
    """Parameters, multiply-adds (one image) and output channels of each branch (chapter 13).

    A branch whose output width is 0 is absent and left out of the result. Without
    reduction (``reduce=False``) the widths ``ch3x3red`` and ``ch5x5red`` are ignored,
    and the pooling branch (on when ``pool_proj > 0``) outputs ``in_channels`` channels
    and costs nothing. Pooling is not counted, as in :func:`convlib.cost.count`.

    Args:
        in_channels: ``C_in`` of the input ``(N, C_in, size, size)``.
        ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj: the branch widths, as in
            torchvision's ``Inception``.
        size: the input's height and width; the output keeps them.
        reduce: whether the 3×3 and 5×5 branches start with a 1×1 reduction and the
            pooling branch ends with a 1×1 projection.
        large_kernel_size: the kernel of the "5×5" branch (torchvision's GoogLeNet uses 3).
        bias: whether each convolution has a bias.
        batch_norm: whether each convolution is followed by batch normalisation
            (2 parameters per channel), as in torchvision's ``BasicConv2d``.

    Returns:
        ``{branch: {"params", "macs", "out_channels"}}`` for the branches of :data:`BRANCHES` that are on.

    Raises:
        ValueError: naming the argument, for a negative or non-int width, ``in_channels`` or
            ``size`` below 1, an even or non-positive ``large_kernel_size``, or a reduction
            of 0 channels in a branch that is on.
    """
    for value, name in ((ch1x1, "ch1x1"), (ch3x3red, "ch3x3red"), (ch3x3, "ch3x3"), (ch5x5red, "ch5x5red"),
                        (ch5x5, "ch5x5"), (pool_proj, "pool_proj")):
        _check(value, name)
    if _check(in_channels, "in_channels") < 1:
        raise ValueError(f"in_channels must be at least 1, got {in_channels}")
    if _check(size, "size") < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    if _check(large_kernel_size, "large_kernel_size") < 1 or large_kernel_size % 2 == 0:
        raise ValueError(f"large_kernel_size must be a positive odd int (so that 'same' padding exists), "
                         f"got {large_kernel_size}")
    pixels = size * size

    def conv(c_in: int, c_out: int, k: int) -> tuple[int, int]:
        params = c_in * c_out * k * k + (c_out if bias else 0) + (2 * c_out if batch_norm else 0)
        return params, c_in * c_out * k * k * pixels

    def chain(*layers: tuple[int, int, int]) -> dict[str, int]:
        costs = [conv(*layer) for layer in layers]
        return {"params": sum(p for p, _ in costs), "macs": sum(m for _, m in costs), "out_channels": layers[-1][1]}

    out: dict[str, dict[str, int]] = {}
    if ch1x1:
        out["1x1"] = chain((in_channels, ch1x1, 1))
    for name, red, red_name, width, k in (("3x3", ch3x3red, "ch3x3red", ch3x3, 3),
                                          ("5x5", ch5x5red, "ch5x5red", ch5x5, large_kernel_size)):
        if not width:
            continue
        if not reduce:
            out[name] = chain((in_channels, width, k))
        elif red < 1:
            raise ValueError(f"{red_name} must be at least 1 when the {name} branch is on (a 1×1 reduction "
                             f"to 0 channels leaves the {name} convolution nothing to read)")
        else:
            out[name] = chain((in_channels, red, 1), (red, width, k))
    if pool_proj:
        out["pool"] = (chain((in_channels, pool_proj, 1)) if reduce
                       else {"params": 0, "macs": 0, "out_channels": in_channels})
    return out


def inception_params(*args: int, **kwargs: object) -> int:
    """Parameters of an Inception block: the sum over :func:`inception_branch_costs` (chapter 13)."""
    return sum(b["params"] for b in inception_branch_costs(*args, **kwargs).values())  # type: ignore[arg-type]


def inception_macs(*args: int, **kwargs: object) -> int:
    """Multiply-adds of an Inception block on one image (chapter 13); pass ``size`` as a keyword."""
    return sum(b["macs"] for b in inception_branch_costs(*args, **kwargs).values())  # type: ignore[arg-type]


def inception_out_channels(*args: int, **kwargs: object) -> int:
    """Output channels of an Inception block: the branches' widths added up (chapter 13)."""
    return sum(b["out_channels"] for b in inception_branch_costs(*args, **kwargs).values())  # type: ignore[arg-type]


def concat_branches(x: torch.Tensor, branches: Sequence[Callable[[torch.Tensor], torch.Tensor]]) -> torch.Tensor:
    """Run every branch on ``x`` and concatenate the results along the channels (chapter 13).

    Args:
        x (Tensor[N, C_in, H, W]): the block's input.
        branches: callables mapping ``x`` to ``(N, C_b, H, W)``.

    Returns:
        Tensor[N, Σ C_b, H, W].

    Raises:
        ValueError: if ``branches`` is empty, or if the branches' outputs differ in batch,
            height or width.
    """
    if len(branches) == 0:
        raise ValueError("branches must hold at least one branch: a block with no branch has no output")
    outputs = [branch(x) for branch in branches]  # each (N, C_b, H, W)
    shapes = {(y.shape[0],) + tuple(y.shape[2:]) for y in outputs}
    if len(shapes) != 1:
        raise ValueError(f"branches must keep the same batch, height and width to be concatenated, got "
                         f"{[tuple(y.shape) for y in outputs]}")
    return torch.cat(outputs, dim=1)  # (N, Σ C_b, H, W)


class _ConvReLU(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool, batch_norm: bool) -> None:
        layers: list[nn.Module] = [nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2,
                                             bias=bias)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(out_channels, eps=0.001))
        super().__init__(*layers, nn.ReLU(inplace=False))


class InceptionBlock(nn.Module):
    """GoogLeNet's Inception block, with or without 1×1 reductions (chapter 13).

    Each convolution is followed by a ReLU (and by batch normalisation first when
    ``batch_norm``). Branches of width 0 are left out; see
    :func:`inception_branch_costs` for the arguments, which this module validates the same way.

    Args:
        in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj: as torchvision's ``Inception``.
        reduce: 1×1 reductions and pooling projection (``True``), or the naive block.
        large_kernel_size: the kernel of the "5×5" branch.
        bias: convolution biases.
        batch_norm: batch normalisation after each convolution.

    Shape:
        input ``(N, in_channels, H, W)`` → output ``(N, out_channels, H, W)``.

    Raises:
        ValueError: as :func:`inception_branch_costs`, and when every branch has width 0.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int, reduce: bool = True, large_kernel_size: int = 5, bias: bool = True,
                 batch_norm: bool = False) -> None:
        super().__init__()
        costs = inception_branch_costs(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                                       reduce=reduce, large_kernel_size=large_kernel_size)
        if not costs:
            raise ValueError("ch1x1, ch3x3, ch5x5 and pool_proj are all 0: an Inception block needs at least one branch")
        self.out_channels = sum(b["out_channels"] for b in costs.values())

        def cr(c_in: int, c_out: int, k: int) -> nn.Module:
            return _ConvReLU(c_in, c_out, k, bias, batch_norm)

        self.branches = nn.ModuleDict()
        if "1x1" in costs:
            self.branches["1x1"] = cr(in_channels, ch1x1, 1)
        for name, red, width, k in (("3x3", ch3x3red, ch3x3, 3), ("5x5", ch5x5red, ch5x5, large_kernel_size)):
            if name in costs:
                self.branches[name] = (nn.Sequential(cr(in_channels, red, 1), cr(red, width, k)) if reduce
                                       else cr(in_channels, width, k))
        if "pool" in costs:
            pool = nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True)
            self.branches["pool"] = nn.Sequential(pool, cr(in_channels, pool_proj, 1)) if reduce else pool

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return concat_branches(x, list(self.branches.values()))  # (N, out_channels, H, W)
