"""Argument normalisation and validation shared by every convlib module.

Every public function accepts sizes the way PyTorch does: an ``int`` or a
tuple with one entry per spatial dimension. These helpers turn either form
into a tuple and raise ``ValueError`` messages that name the argument and the
rule it broke, so that a reader (or a widget) can show the message as-is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

__all__ = ["IntOrTuple", "ntuple", "check_positive", "check_non_negative", "check_groups"]

IntOrTuple = Union[int, Sequence[int]]


def ntuple(value: IntOrTuple, n: int, name: str) -> tuple[int, ...]:
    """Return ``value`` as an ``n``-tuple of ints, as PyTorch's ``_ntuple`` does.

    Raises:
        ValueError: if ``value`` is a sequence of the wrong length or holds non-integers.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    try:
        items = tuple(value)
    except TypeError:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return items


def check_positive(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` unless every entry of ``values`` is at least 1."""
    if any(v < 1 for v in values):
        raise ValueError(f"{name} must be positive (at least 1), got {_show(values)}")


def check_non_negative(values: tuple[int, ...], name: str) -> None:
    """Raise ``ValueError`` if any entry of ``values`` is negative."""
    if any(v < 0 for v in values):
        raise ValueError(f"{name} must be non-negative, got {_show(values)}")


def check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    """Raise ``ValueError`` unless ``groups`` divides both channel counts."""
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"groups must be a positive int, got {groups!r}")
    if in_channels % groups:
        raise ValueError(f"groups must divide in_channels: {in_channels} channel{'s do' if in_channels != 1 else ' does'} not split into {groups} groups")
    if out_channels % groups:
        raise ValueError(f"groups must divide out_channels: {out_channels} channel{'s do' if out_channels != 1 else ' does'} not split into {groups} groups")


def _show(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)
