"""Rank-1 filters in three dimensions: fitting, error and cost (chapter 08, "Flattened convolution").

A ``C × kH × kW`` filter is *flattened* (Jin et al., 2014) when it is an outer
product ``W[c, i, j] = a[c] · v[i] · h[j]`` of a channel, a vertical and a
horizontal vector; the convolution with it is then a ``1 × 1``, a ``kH × 1`` and
a ``1 × kW`` step (``convlib.ops.flattened``). A sum of ``R`` such terms is a
CP (CANDECOMP/PARAFAC) decomposition of the volume.

* :func:`rank_one_factors`: the best single term (higher-order power method on chapter 07's SVD);
* :func:`cp_factors`, :func:`cp_fits`: ``R`` terms by alternating least squares;
* :func:`flatten_weight`: every filter of a layer, in :func:`convlib.ops.flattened_conv2d`'s layout;
* :func:`flattened_params`, :func:`flattened_macs`: the cost, with :mod:`convlib.cost`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from ._args import IntOrTuple, ntuple
from .arithmetic import conv_output_size
from .cost import conv_macs, conv_params
from .separable import _gabor, low_rank_factors

__all__ = [
    "max_rank",
    "cp_reconstruct",
    "rank_one_factors",
    "cp_factors",
    "cp_fits",
    "rank_errors",
    "relative_error",
    "flatten_weight",
    "flattened_params",
    "flattened_macs",
    "EXAMPLE_FILTERS",
    "example_filter",
]


def _volume(filter: Tensor, name: str = "filter") -> Tensor:
    """``filter`` as a checked 3-D float64 CPU tensor (detached)."""
    if not isinstance(filter, Tensor):
        filter = torch.as_tensor(filter)
    if filter.dim() != 3 or min(filter.shape) < 1:
        raise ValueError(f"{name} must be a non-empty 3-D tensor (C, kH, kW), got shape {tuple(filter.shape)}")
    if not torch.isfinite(filter).all():
        raise ValueError(f"{name} must hold finite numbers only")
    return filter.detach().to("cpu", torch.float64)


def max_rank(shape: tuple[int, int, int]) -> int:
    """The most rank-1 terms a ``C × kH × kW`` volume can need: ``min(C·min(kH,kW), kH·min(C,kW), kW·min(C,kH))`` (chapter 08).

    Every slice along one axis is a matrix of rank at most the smaller of its
    sides, and each of its rank-1 pieces is one term; so no volume of this
    shape needs more terms, and more are pointless.
    """
    c, h, w = shape
    return min(c * min(h, w), h * min(c, w), w * min(c, h))


def cp_reconstruct(channel: Tensor, vertical: Tensor, horizontal: Tensor) -> Tensor:
    """The volume ``Σ_r channel[:, r] ⊗ vertical[:, r] ⊗ horizontal[:, r]`` (chapter 08).

    Args:
        channel (Tensor[C] or Tensor[C, R]): channel vectors, one column per term.
        vertical (Tensor[kH] or Tensor[kH, R]): vertical vectors.
        horizontal (Tensor[kW] or Tensor[kW, R]): horizontal vectors.

    Returns:
        Tensor[C, kH, kW]
    """
    if channel.dim() == 1:
        return torch.einsum("c,h,w->chw", channel, vertical, horizontal)
    return torch.einsum("cr,hr,wr->chw", channel, vertical, horizontal)


def _balance(a: Tensor, b: Tensor, d: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Equal norms for the three vectors of each term, channel and vertical peaks positive."""
    la, lb, ld = a.norm(dim=0), b.norm(dim=0), d.norm(dim=0)
    scale = (la * lb * ld) ** (1 / 3)
    safe = lambda n: torch.where(n > 0, n, torch.ones_like(n))  # noqa: E731
    a, b, d = a / safe(la) * scale, b / safe(lb) * scale, d / safe(ld) * scale
    sa = torch.where(a.gather(0, a.abs().argmax(0, keepdim=True)) < 0, -1.0, 1.0).to(a.dtype)
    sb = torch.where(b.gather(0, b.abs().argmax(0, keepdim=True)) < 0, -1.0, 1.0).to(b.dtype)
    return a * sa, b * sb, d * sa * sb


def rank_one_factors(filter: Tensor, iterations: int = 200, tol: float = 1e-10) -> tuple[Tensor, Tensor, Tensor]:
    """The three vectors whose outer product is closest to ``filter`` (Frobenius norm), chapter 08.

    Start from the channel vector ``a`` that best explains all slices (the first
    left singular vector of the ``C × kH·kW`` unfolding), then repeat: split the
    ``a``-weighted sum of the slices into its best column ``v`` ⊗ row ``h`` with
    chapter 07's SVD, and set ``a`` to the projection of the filter onto ``v hᵀ``.
    No round moves away from the filter; a rank-1 filter is exact after one.

    Args:
        filter (Tensor[C, kH, kW]): the volume to flatten.
        iterations: the most rounds.
        tol: stop once the fitted norm grows by less than this, relatively.

    Returns:
        ``(channel (Tensor[C]), vertical (Tensor[kH]), horizontal (Tensor[kW]))`` in float64 on the
        CPU, of equal norms, the largest entries of ``channel`` and ``vertical`` positive.

    Raises:
        ValueError: unless ``filter`` is a finite, non-empty 3-D tensor.
    """
    x = _volume(filter)
    c, kh, kw = x.shape
    if float(x.norm()) == 0.0:
        return x.new_zeros(c), x.new_zeros(kh), x.new_zeros(kw)
    a = torch.linalg.svd(x.reshape(c, kh * kw), full_matrices=False)[0][:, 0]  # (C,) unit
    fit = 0.0
    for _ in range(max(1, iterations)):
        columns, rows = low_rank_factors(torch.einsum("c,cij->ij", a, x), 1)  # best rank-1 of the weighted slice sum
        v, h = columns[:, 0] / columns.norm(), rows[0] / rows.norm()  # (kH,), (kW,) unit
        a = torch.einsum("cij,i,j->c", x, v, h)  # (C,) the best channel vector for them
        new = float(a.norm())
        a = a / new
        if new - fit <= tol * new:
            break
        fit = new
    channel, vertical, horizontal = _balance((a * new)[:, None], v[:, None], h[:, None])
    return channel[:, 0], vertical[:, 0], horizontal[:, 0]


def _als(x: np.ndarray, a: np.ndarray, v: np.ndarray, h: np.ndarray, iterations: int,
         tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alternating least squares on ``x ≈ Σ_r a_r ⊗ v_r ⊗ h_r`` from the given start; returns the best seen."""
    c, kh, kw = x.shape
    x1 = x.reshape(c, kh * kw)  # channel unfolding (C, kH·kW)
    x2 = x.transpose(1, 0, 2).reshape(kh, c * kw)  # vertical unfolding (kH, C·kW)
    x3 = x.transpose(2, 0, 1).reshape(kw, c * kh)  # horizontal unfolding (kW, C·kH)
    norm = float(np.linalg.norm(x1))
    kr = lambda p, q: (p[:, None, :] * q[None, :, :]).reshape(-1, p.shape[1])  # noqa: E731  Khatri-Rao product
    error = lambda a, v, h: float(np.linalg.norm(x1 - a @ kr(v, h).T)) / norm  # noqa: E731
    ridge = 1e-12 * norm**2 * np.eye(a.shape[1])
    best, best_err = (a, v, h), error(a, v, h)
    for _ in range(iterations):
        a = np.linalg.solve((v.T @ v) * (h.T @ h) + ridge, (x1 @ kr(v, h)).T).T  # (C, R)
        v = np.linalg.solve((a.T @ a) * (h.T @ h) + ridge, (x2 @ kr(a, h)).T).T  # (kH, R)
        h = np.linalg.solve((a.T @ a) * (v.T @ v) + ridge, (x3 @ kr(a, v)).T).T  # (kW, R)
        err = error(a, v, h)
        improved, before = best_err - err, best_err
        if err < best_err:
            best, best_err = (a, v, h), err
        if improved <= tol * before or best_err < 1e-14:
            break
    return best


def _fits(x: Tensor, rank: int, iterations: int, tol: float) -> list[tuple[Tensor, Tensor, Tensor]]:
    """The fits with 1, 2, …, ``rank`` terms, each grown from the one before."""
    a, v, h = (t[:, None] for t in rank_one_factors(x))
    if float(x.norm()) == 0.0:
        return [(a.repeat(1, r), v.repeat(1, r), h.repeat(1, r)) for r in range(1, rank + 1)]
    fits = [(a, v, h)]
    for _ in range(1, rank):
        extra = rank_one_factors(x - cp_reconstruct(a, v, h))  # the best term of what is left, appended
        a, v, h = (torch.cat([m, t[:, None]], 1).numpy() for m, t in zip((a, v, h), extra))
        a, v, h = (torch.from_numpy(t) for t in _als(x.numpy(), a, v, h, iterations, tol))
        fits.append((a, v, h))
    return fits


def _check_rank(x: Tensor, rank: int) -> None:
    top = max_rank(tuple(x.shape))
    if not isinstance(rank, int) or isinstance(rank, bool) or not 1 <= rank <= top:
        raise ValueError(f"rank must be an int from 1 to {top} for a {'×'.join(map(str, x.shape))} filter "
                         f"(it never needs more terms), got {rank!r}")


def cp_factors(filter: Tensor, rank: int, iterations: int = 200, tol: float = 1e-7) -> tuple[Tensor, Tensor, Tensor]:
    """``rank`` rank-1 terms that add up to an approximation of ``filter`` (a CP decomposition), chapter 08.

    The ``R``-term fit starts from the ``(R − 1)``-term fit plus
    :func:`rank_one_factors` of what it leaves over, then alternating least
    squares solves for the channel, vertical and horizontal vectors in turn.
    The error therefore never grows with ``R``. Unlike the SVD of a matrix,
    the result is a good local optimum, not a certified best: for ``R ≥ 2`` a
    best rank-``R`` approximation of a volume need not even exist.

    Args:
        filter (Tensor[C, kH, kW]): the volume to approximate.
        rank: the number of terms ``R``, from 1 to :func:`max_rank` of the shape.
        iterations: the most sweeps of alternating least squares per rank.
        tol: stop a rank's sweeps once a sweep lowers the error by less than this fraction.

    Returns:
        ``(channel (Tensor[C, R]), vertical (Tensor[kH, R]), horizontal (Tensor[kW, R]))``
        in float64 on the CPU; column ``r`` holds term ``r``.

    Raises:
        ValueError: for a bad filter or a rank outside ``1 … max_rank``.
    """
    return cp_fits(filter, rank, iterations, tol)[-1]


def cp_fits(filter: Tensor, rank: int, iterations: int = 200, tol: float = 1e-7) -> list[tuple[Tensor, Tensor, Tensor]]:
    """The :func:`cp_factors` fits with ``1, 2, …, rank`` terms, computed in one pass (chapter 08).

    Entry ``R − 1`` is ``cp_factors(filter, R)``; each fit grows from the one before.
    """
    x = _volume(filter)
    _check_rank(x, rank)
    return [_balance(*f) for f in _fits(x, rank, iterations, tol)]


def rank_errors(filter: Tensor, rank: int) -> list[float]:
    """Relative errors ``‖W − W_R‖ / ‖W‖`` of the :func:`cp_factors` fits for ``R = 1 … rank`` (chapter 08).

    Never increasing, since each fit starts from the one before.
    """
    x = _volume(filter)
    norm = float(x.norm())
    return [float((x - cp_reconstruct(*f)).norm()) / norm if norm > 0 else 0.0 for f in cp_fits(x, rank)]


def relative_error(filter: Tensor, rank: int = 1) -> float:
    """``‖W − W_R‖ / ‖W‖`` of the :func:`cp_factors` fit with ``rank`` terms (0 for a zero filter), chapter 08."""
    return rank_errors(filter, rank)[-1]


def flatten_weight(weight: Tensor, rank: int = 1) -> tuple[Tensor, Tensor, Tensor]:
    """Fit ``rank`` flattened terms to every filter of a convolution weight (chapter 08).

    Args:
        weight (Tensor[C_out, C_in, kH, kW]): e.g. a trained ``nn.Conv2d``'s weight (groups 1).
        rank: terms per filter, as :func:`cp_factors`.

    Returns:
        ``(weight_channel (Tensor[C_out, R, C_in]), weight_vertical (Tensor[C_out, R, kH]),
        weight_horizontal (Tensor[C_out, R, kW]))`` in ``weight``'s dtype and device: the
        arguments of :func:`convlib.ops.flattened_conv2d`.

    Raises:
        ValueError: for a weight that is not 4-D, or a bad rank.
    """
    if not isinstance(weight, Tensor) or weight.dim() != 4:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(f"weight must be a 4-D tensor (C_out, C_in, kH, kW), got {shape}")
    parts = [cp_factors(f, rank) for f in weight]
    return tuple(torch.stack([p[i].T for p in parts]).to(weight.dtype).to(weight.device) for i in range(3))  # type: ignore[return-value]


def flattened_params(in_channels: int, out_channels: int, kernel_size: IntOrTuple, rank: int = 1, bias: bool = True) -> int:
    """Parameters of a flattened layer: ``C_out · R · (C_in + kH + kW)`` plus ``C_out`` biases (chapter 08).

    Counted as its three convolutions with :func:`convlib.cost.conv_params`: a ``1 × 1``
    from ``C_in`` to ``C_out·R`` channels, then a depthwise ``kH × 1`` and a depthwise
    ``1 × kW`` on those ``C_out·R`` channels. A full layer has ``C_out · C_in · kH · kW``.
    """
    kh, kw = ntuple(kernel_size, 2, "kernel_size")
    m = _maps(out_channels, rank)
    steps = (conv_params(in_channels, m, 1, bias=False) + conv_params(m, m, (kh, 1), groups=m, bias=False)
             + conv_params(m, m, (1, kw), groups=m, bias=False))
    return steps + (out_channels if bias else 0)


def _maps(out_channels: int, rank: int) -> int:
    """``C_out · R``, the maps between the channel step and the spatial steps."""
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        raise ValueError(f"rank must be a positive int, got {rank!r}")
    return out_channels * rank


def flattened_macs(
    in_channels: int,
    out_channels: int,
    kernel_size: IntOrTuple,
    input_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
    rank: int = 1,
) -> tuple[int, int, int]:
    """Multiply-adds of one sample, step by step, with :func:`convlib.cost.conv_macs` (chapter 08).

    The channel step runs at the input's ``H × W``; the vertical step pads,
    strides and dilates the height only (``H_out × W``); the horizontal step the
    width (``H_out × W_out``).

    Returns:
        ``(channel, vertical, horizontal)``: ``H·W·C_in·C_out·R``, ``H_out·W·C_out·R·kH``
        and ``H_out·W_out·C_out·R·kW``.

    Raises:
        ValueError: naming the argument, for impossible sizes.
    """
    (h, w), (kh, kw) = ntuple(input_size, 2, "input_size"), ntuple(kernel_size, 2, "kernel_size")
    (sh, sw), (ph, pw), (dh, dw) = ntuple(stride, 2, "stride"), ntuple(padding, 2, "padding"), ntuple(dilation, 2, "dilation")
    m = _maps(out_channels, rank)
    oh, ow = conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw)
    return (conv_macs(in_channels, m, 1, (h, w)), conv_macs(m, m, (kh, 1), (oh, w), groups=m),
            conv_macs(m, m, (1, kw), (oh, ow), groups=m))


#: The chapter's example filters (``C × k × k`` volumes, seeded): see :func:`example_filter`.
EXAMPLE_FILTERS: tuple[str, ...] = ("rank-1", "edges", "random")


def example_filter(name: str, in_channels: int = 3, kernel_size: int = 3) -> Tensor:
    """A fixed ``in_channels × kernel_size × kernel_size`` filter, float64 (chapter 08).

    * ``"rank-1"``: a Gaussian blur times channel weights ``1, −½, ¼, …``: flattened exactly;
    * ``"edges"``: one Gabor edge detector per channel, its orientation turning by 45° from
      channel to channel (slices of rank above 1 that differ between channels), like a
      learned colour-opponent filter;
    * ``"random"``: standard normal entries, seed 8 (no structure at all).

    Raises:
        ValueError: for an unknown name or non-positive sizes.
    """
    if name not in EXAMPLE_FILTERS:
        raise ValueError(f"name must be one of {', '.join(EXAMPLE_FILTERS)}, got {name!r}")
    for value, what in ((in_channels, "in_channels"), (kernel_size, "kernel_size")):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{what} must be a positive int, got {value!r}")
    c, k = in_channels, kernel_size
    if name == "random":
        return torch.randn(c, k, k, generator=torch.Generator().manual_seed(8), dtype=torch.float64)
    if name == "rank-1":
        x = torch.arange(k, dtype=torch.float64) - (k - 1) / 2
        g = torch.exp(-(x**2) / (2 * max(1.0, k / 4) ** 2))
        return cp_reconstruct((-0.5) ** torch.arange(c, dtype=torch.float64), g, g)
    return torch.stack([_gabor(k, theta=math.pi / 4 * i + math.pi / 8, wavelength=max(2.5, 0.9 * k),
                               sigmas=(0.45 * k, 0.3 * k)) * (1 if i % 2 == 0 else -0.7) for i in range(c)])
