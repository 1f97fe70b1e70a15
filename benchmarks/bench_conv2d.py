"""Time convlib.ops.conv2d against torch.nn.functional.conv2d on a ResNet-sized layer.

A script, not a test: ``python benchmarks/bench_conv2d.py [--out FILE] [--repeats R]``.
It times one (8, 64, 56, 56) input with a 64→64 3×3 kernel and padding 1 in
float32 on ``convlib.device()``, with torch's default thread count. Ours and the
built-in run alternately (after a warm-up) so that both see the same machine
load, and the median of each is reported. conv_transpose2d is timed the same
way for information. The report is printed and written, with the date, to
``benchmarks/results/conv2d-<device type>.txt``.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from convlib import device, ops

TARGET = 3.0  # ours may take at most 3× the built-in's time


def processor_name() -> str:
    """The CPU model from /proc/cpuinfo, or platform.processor() where that file does not exist."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def synchronize(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize()
    elif dev.type == "mps":
        torch.mps.synchronize()


def time_pair(ours: Callable[[], object], theirs: Callable[[], object], dev: torch.device, repeats: int) -> tuple[float, float]:
    """Median milliseconds of ``ours`` and ``theirs``, run alternately after three warm-up calls each."""
    for _ in range(3):
        ours(), theirs()
    times: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(repeats):
        for which, fn in enumerate((ours, theirs)):
            synchronize(dev)
            start = time.perf_counter()
            fn()
            synchronize(dev)
            times[which].append((time.perf_counter() - start) * 1e3)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    dev = device()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / f"conv2d-{dev.type}.txt")
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()

    torch.manual_seed(0)
    hardware = processor_name() if dev.type == "cpu" else torch.cuda.get_device_name() if dev.type == "cuda" else dev.type
    setting = f"{hardware}, torch {torch.__version__}, {torch.get_num_threads()} threads"
    lines = []
    with torch.no_grad():
        x = torch.randn(8, 64, 56, 56, device=dev)
        w = torch.randn(64, 64, 3, 3, device=dev)
        ours, theirs = time_pair(lambda: ops.conv2d(x, w, padding=1), lambda: F.conv2d(x, w, padding=1), dev, args.repeats)
        ratio = ours / theirs
        lines.append(
            f"conv2d {tuple(x.shape)} k3 p1 on {dev.type} [{setting}]: ours {ours:.1f} ms, F.conv2d {theirs:.1f} ms, "
            f"ratio {ratio:.2f}× (target ≤ {TARGET:g}×){'' if ratio <= TARGET else '  MISSED'}"
        )
        xt = torch.randn(8, 64, 28, 28, device=dev)
        wt = torch.randn(64, 32, 4, 4, device=dev)  # (C_in, C_out, kH, kW): upsampling 28 → 56
        geometry = dict(stride=2, padding=1)
        ours_t, theirs_t = time_pair(
            lambda: ops.conv_transpose2d(xt, wt, **geometry), lambda: F.conv_transpose2d(xt, wt, **geometry), dev, args.repeats
        )
        lines.append(
            f"conv_transpose2d {tuple(xt.shape)} k4 s2 p1 on {dev.type} (for information): ours {ours_t:.1f} ms, "
            f"F.conv_transpose2d {theirs_t:.1f} ms, ratio {ours_t / theirs_t:.2f}×"
        )
    report = "\n".join([f"# {datetime.datetime.now().isoformat(timespec='seconds')}, median of {args.repeats} alternating runs", *lines])
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
