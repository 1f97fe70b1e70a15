"""Measured run time, with the device that measured it (every chapter's "Cost" section).

Timings are medians over repetitions after a warm-up; CUDA work is
synchronised before the clock is read. They are for the reader's page and the
benchmarks in ``benchmarks/``, never for pass/fail tests.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["Timing", "measure", "device_name"]


def device_name(device: torch.device | str | None = None) -> str:
    """A readable name of the device that runs the timing, e.g. ``"cpu (x86_64, 2 threads)"``."""
    device = torch.device(device) if device is not None else torch.device("cpu")
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
        model = names[0] if names else model
    except OSError:
        pass
    threads = torch.get_num_threads()
    return f"cpu ({model}, {threads} thread{'s' if threads != 1 else ''})"


@dataclass(frozen=True)
class Timing:
    """Median and 95th-percentile time of one call, in milliseconds, and the device."""

    median_ms: float
    p95_ms: float
    repeats: int
    device: str

    def __str__(self) -> str:
        return f"{self.median_ms:.3g} ms (median of {self.repeats}, p95 {self.p95_ms:.3g} ms) on {self.device}"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def measure(fn: Callable[..., Any], *args: Any, repeat: int = 20, warmup: int = 3,
            device: torch.device | str | None = None, **kwargs: Any) -> Timing:
    """Time ``fn(*args, **kwargs)``.

    Args:
        fn: the function to time.
        repeat: timed calls (at least 1).
        warmup: untimed calls first.
        device: where the work runs; taken from the first tensor argument if omitted.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    if device is None:
        device = next((a.device for a in args if isinstance(a, torch.Tensor)), torch.device("cpu"))
    device = torch.device(device)
    for _ in range(warmup):
        fn(*args, **kwargs)
    _sync(device)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        _sync(device)
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return Timing(statistics.median(times), p95, repeat, device_name(device))
