"""Rank-1 kernels and the SVD: testing, splitting and approximating a kernel (chapter 07, "Spatially separable convolution").

A 2D kernel ``K`` (``kH × kW``) is *spatially separable* when it is the outer
product of a column and a row, ``K = c rᵀ``: then one ``kH × 1`` pass followed by
one ``1 × kW`` pass computes the same convolution with ``kH + kW`` weights
instead of ``kH · kW``. Such a kernel is a matrix of rank 1, and the singular
value decomposition ``K = Σ_i σ_i u_i v_iᵀ`` tells everything:

* ``K`` is separable exactly when ``σ_2 = 0`` (:func:`is_separable`), and then
  ``c = √σ_1 u_1``, ``r = √σ_1 v_1`` (:func:`separate`);
* the best rank-``k`` approximation keeps the first ``k`` terms
  (:func:`rank_k_approximation`; Eckart–Young), and its relative error is
  ``√(Σ_{i>k} σ_i²) / √(Σ_i σ_i²)`` (:func:`relative_error`).

The module also counts the multiplications of the two passes against one
full pass (:func:`separable_macs`, :func:`full_macs`, :func:`mac_ratio`) and
holds the example kernels of the chapter's figures (:func:`example_kernel`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Union

import torch
from torch import Tensor

from ._args import IntOrTuple, ntuple
from .arithmetic import conv_output_size
from .cost import conv_macs

__all__ = [
    "singular_values",
    "is_separable",
    "separate",
    "low_rank_factors",
    "rank_k_approximation",
    "relative_error",
    "energy",
    "separable_macs",
    "full_macs",
    "mac_ratio",
    "EXAMPLE_KERNELS",
    "example_kernel",
]

KernelLike = Union[Tensor, Sequence[Sequence[float]]]


def _matrix(kernel: KernelLike, name: str = "kernel") -> Tensor:
    """``kernel`` as a 2-D floating tensor, checked."""
    k = torch.as_tensor(kernel)
    if k.dim() != 2 or k.shape[0] < 1 or k.shape[1] < 1:
        raise ValueError(f"{name} must be a non-empty 2-D matrix (kH, kW), got shape {tuple(k.shape)}")
    if not k.is_floating_point():
        k = k.to(torch.get_default_dtype())
    if not torch.isfinite(k).all():
        raise ValueError(f"{name} must hold finite numbers only")
    return k


def singular_values(kernel: KernelLike) -> Tensor:
    """The singular values ``σ_1 ≥ σ_2 ≥ … ≥ 0`` of a 2-D kernel, in float64 (chapter 07).

    Args:
        kernel (Tensor[kH, kW]): any 2-D kernel.

    Returns:
        Tensor[min(kH, kW)]: in decreasing order. The number of non-zero ones is the rank.
    """
    return torch.linalg.svdvals(_matrix(kernel).detach().double().cpu())


def is_separable(kernel: KernelLike, tol: float = 1e-6) -> bool:
    """Whether ``kernel`` is (numerically) an outer product ``c rᵀ``: ``σ_2 ≤ tol · σ_1`` (chapter 07).

    A zero kernel counts as separable (``0 = 0 · 0ᵀ``); a ``1 × n`` or ``n × 1``
    kernel always is.

    Args:
        kernel (Tensor[kH, kW]): any 2-D kernel.
        tol: the largest ratio ``σ_2 / σ_1`` still read as rank 1 (round-off).
    """
    if not tol >= 0:
        raise ValueError(f"tol must be non-negative, got {tol!r}")
    s = singular_values(kernel)
    return len(s) < 2 or bool(s[1] <= tol * s[0])


def separate(kernel: KernelLike, tol: float = 1e-6) -> tuple[Tensor, Tensor]:
    """Split a rank-1 kernel into a column and a row with ``torch.outer(column, row) == kernel`` (chapter 07).

    The factors come from the first singular triple: ``column = √σ_1 u_1`` and
    ``row = √σ_1 v_1``, so both have the same norm; their sign is chosen so that
    the column's entry of largest magnitude is positive. Any other split is
    ``(a · column, row / a)``.

    Args:
        kernel (Tensor[kH, kW]): the kernel to split.
        tol: as :func:`is_separable`.

    Returns:
        ``(column (Tensor[kH]), row (Tensor[kW]))`` in the kernel's dtype.

    Raises:
        ValueError: if the kernel is not separable, with its ``σ_2 / σ_1``.
    """
    k = _matrix(kernel)
    u, s, vh = torch.linalg.svd(k.detach().double().cpu())
    if len(s) > 1 and not s[1] <= tol * s[0]:
        raise ValueError(
            f"kernel is not separable: σ2/σ1 = {float(s[1] / s[0]):.3g} > tol = {tol:g} (its rank is above 1)"
        )
    column, row = u[:, 0] * s[0].sqrt(), vh[0] * s[0].sqrt()
    if column[column.abs().argmax()] < 0:
        column, row = -column, -row
    return column.to(k.dtype).to(k.device), row.to(k.dtype).to(k.device)


def _check_rank(kernel: Tensor, k: int) -> None:
    full = min(kernel.shape)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= full:
        raise ValueError(f"k must be an int from 1 to {full} for a {kernel.shape[0]}×{kernel.shape[1]} kernel, got {k!r}")


def low_rank_factors(kernel: KernelLike, k: int) -> tuple[Tensor, Tensor]:
    """The best rank-``k`` approximation as a product ``columns @ rows`` (chapter 07).

    ``columns = U_k √Σ_k`` and ``rows = √Σ_k V_kᵀ``: ``k`` separable kernels
    ``columns[:, i] ⊗ rows[i]`` that add up to :func:`rank_k_approximation`. Each
    column's entry of largest magnitude is positive (the sign is flipped in its row).

    Returns:
        ``(columns (Tensor[kH, k]), rows (Tensor[k, kW]))`` in the kernel's dtype.

    Raises:
        ValueError: unless ``1 ≤ k ≤ min(kH, kW)``.
    """
    m = _matrix(kernel)
    _check_rank(m, k)
    u, s, vh = torch.linalg.svd(m.detach().double().cpu())
    u, vh = u[:, :k], vh[:k]
    flip = torch.where(u.gather(0, u.abs().argmax(0, keepdim=True)) < 0, -1.0, 1.0).to(u.dtype)  # (1, k)
    root = s[:k].sqrt()
    return (u * flip * root).to(m.dtype), (root[:, None] * flip.T * vh).to(m.dtype)


def rank_k_approximation(kernel: KernelLike, k: int) -> Tensor:
    """The rank-``k`` matrix closest to ``kernel`` (Frobenius norm; Eckart–Young), chapter 07.

    ``K_k = Σ_{i ≤ k} σ_i u_i v_iᵀ``: a sum of ``k`` separable kernels, so a
    convolution with it costs ``k`` pairs of 1-D passes.

    Raises:
        ValueError: unless ``1 ≤ k ≤ min(kH, kW)``.
    """
    columns, rows = low_rank_factors(kernel, k)
    return columns @ rows


def energy(kernel: KernelLike) -> Tensor:
    """Cumulative energy ``Σ_{i≤k} σ_i² / Σ_i σ_i²`` for ``k = 1, 2, …`` (chapter 07).

    The ``k``-th entry is the fraction of ``‖K‖_F²`` that the rank-``k``
    approximation keeps; the last entry is 1 (0 for a zero kernel).
    """
    s2 = singular_values(kernel) ** 2
    total = s2.sum()
    return s2.cumsum(0) / total if total > 0 else torch.zeros_like(s2)


def relative_error(kernel: KernelLike, k: int) -> float:
    """``‖K − K_k‖_F / ‖K‖_F`` of the rank-``k`` approximation, from the singular values (chapter 07).

    Raises:
        ValueError: unless ``1 ≤ k ≤ min(kH, kW)``.
    """
    m = _matrix(kernel)
    _check_rank(m, k)
    s2 = singular_values(m) ** 2
    total = float(s2.sum())
    return math.sqrt(max(0.0, float(s2[k:].sum())) / total) if total > 0 else 0.0


def _geometry(size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple, padding: IntOrTuple) -> tuple[tuple[int, ...], ...]:
    (ih, iw), (kh, kw) = ntuple(size, 2, "size"), ntuple(kernel_size, 2, "kernel_size")
    (sh, sw), (ph, pw) = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding")
    oh, ow = conv_output_size(ih, kh, sh, ph), conv_output_size(iw, kw, sw, pw)
    return (ih, iw), (kh, kw), (oh, ow)


def separable_macs(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    in_channels: int = 1,
    out_channels: int = 1,
    mid_channels: int | None = None,
) -> tuple[int, int]:
    """Multiplications of a ``kH × 1`` pass then a ``1 × kW`` pass, each by :func:`convlib.cost.conv_macs` (chapter 07).

    The column pass pads and strides only the height, so it produces
    ``H_out × W`` values (every column of the input); the row pass then pads and
    strides the width, producing ``H_out × W_out``. For a 5×5 image and a 3×3
    kernel that is ``3·5·3 = 45`` and ``3·3·3 = 27``.

    Args:
        size: input height and width, an int or ``(H, W)``.
        kernel_size: ``k`` or ``(kH, kW)``.
        stride, padding: as ``torch.nn.Conv2d`` (zeros; ints or pairs).
        in_channels, out_channels: of the whole pair.
        mid_channels: channels between the passes (default ``in_channels``).

    Returns:
        ``(column_pass, row_pass)`` multiply-adds of one sample.

    Raises:
        ValueError: naming the argument, for impossible sizes (see :func:`convlib.arithmetic.conv_output_size`).
    """
    (_, iw), (kh, kw), (oh, ow) = _geometry(size, kernel_size, stride, padding)
    mid = in_channels if mid_channels is None else mid_channels
    return (conv_macs(in_channels, mid, (kh, 1), (oh, iw)), conv_macs(mid, out_channels, (1, kw), (oh, ow)))


def full_macs(
    size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    in_channels: int = 1,
    out_channels: int = 1,
) -> int:
    """Multiplications of one full ``kH × kW`` convolution with the same geometry (chapter 07)."""
    _, (kh, kw), (oh, ow) = _geometry(size, kernel_size, stride, padding)
    return conv_macs(in_channels, out_channels, (kh, kw), (oh, ow))


def mac_ratio(size: int, kernel_size: int, padding: int = 0) -> float:
    """Separable over full multiplications for a square ``N × N`` image and ``m × m`` kernel, stride 1 (chapter 07).

    Without padding it is ``(2N − m + 1) / (m (N − m + 1))``, which tends to
    ``2/m`` as ``N`` grows (and is above 1 when the kernel nearly fills the image).
    """
    return sum(separable_macs(size, kernel_size, 1, padding)) / full_macs(size, kernel_size, 1, padding)


def _gaussian(size: int = 5, sigma: float = 1.0) -> Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return torch.outer(g, g)


def _disk(size: int = 5, radius: float = 2.5) -> Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    return ((x[:, None] ** 2 + x[None, :] ** 2) <= radius**2).double()


def _gabor(size: int = 5, theta: float = math.pi / 6, wavelength: float = 4.0, sigmas: tuple[float, float] = (1.6, 0.9)) -> Tensor:
    """An oriented Gabor patch: the shape of many learned first-layer kernels.

    ``theta`` is the direction *across* the stripes (along which the cosine varies), measured from
    the horizontal axis towards the rows below; the stripes themselves run along ``theta + 90°``. The
    default 30° thus gives stripes that run 30° from vertical, from the upper right to the lower left.
    """
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    yy, xx = torch.meshgrid(x, x, indexing="ij")
    u = xx * math.cos(theta) + yy * math.sin(theta)  # across the stripes
    v = -xx * math.sin(theta) + yy * math.cos(theta)  # along the stripes
    envelope = torch.exp(-(u**2) / (2 * sigmas[0] ** 2) - v**2 / (2 * sigmas[1] ** 2))
    return envelope * torch.cos(2 * math.pi * u / wavelength)


def _random(size: int = 5, seed: int = 7) -> Tensor:
    return torch.randn(size, size, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


#: The chapter's example kernels, by name; each is fixed (seeded), so every table and figure is deterministic.
EXAMPLE_KERNELS: tuple[str, ...] = ("sobel", "gaussian", "disk", "gabor", "random")


def example_kernel(name: str) -> Tensor:
    """One of the chapter's fixed example kernels, as a float64 tensor (chapter 07).

    * ``"sobel"``: the 3×3 Sobel x-derivative, ``[1, 2, 1]ᵀ · [1, 0, −1]`` (rank 1);
    * ``"gaussian"``: a 5×5 Gaussian, σ = 1, peak 1 (rank 1);
    * ``"disk"``: a 5×5 binary disk of radius 2.5 (rank 2);
    * ``"gabor"``: a 5×5 Gabor patch whose stripes run 30° from vertical (θ = 30° is the direction across them), like a learned edge detector (full rank, fast decay);
    * ``"random"``: a 5×5 standard-normal kernel, seed 7 (full rank, slow decay).
    """
    makers = {
        "sobel": lambda: torch.outer(torch.tensor([1.0, 2.0, 1.0]), torch.tensor([1.0, 0.0, -1.0])).double(),
        "gaussian": _gaussian,
        "disk": _disk,
        "gabor": _gabor,
        "random": _random,
    }
    if name not in makers:
        raise ValueError(f"name must be one of {', '.join(EXAMPLE_KERNELS)}, got {name!r}")
    return makers[name]()
