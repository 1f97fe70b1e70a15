"""Time convlib.ops.deform_conv2d against torchvision.ops.deform_conv2d (and F.conv2d for reference).

A script, not a test: ``python benchmarks/bench_deform.py [--out FILE] [--repeats R]``.
It times one (8, 64, 56, 56) float32 input with a 64→64 3×3 kernel, padding 1,
and random fractional offsets (standard normal, so most samples fall between
pixels) on ``convlib.device()`` with torch's default thread count: the forward
pass, then forward + backward (gradients for input, offset and weight). The
three run in turn after a warm-up so that they see the same machine load; the
median of each is reported, with the ratios. The report is printed and written,
with the date and the machine, to ``benchmarks/results/deform-<device type>.txt``.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
import torchvision.ops

from bench_conv2d import processor_name, synchronize
from convlib import device, ops

TARGET = 1.0  # ours may take at most the time of torchvision's kernel


def time_all(fns: Sequence[Callable[[], object]], dev: torch.device, repeats: int) -> list[float]:
    """Median milliseconds of each of ``fns``, run in turn after one warm-up call each."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for which, fn in enumerate(fns):
            synchronize(dev)
            start = time.perf_counter()
            fn()
            synchronize(dev)
            times[which].append((time.perf_counter() - start) * 1e3)
    return [statistics.median(t) for t in times]


def backward(fn: Callable[..., torch.Tensor], *tensors: torch.Tensor) -> Callable[[], None]:
    """A closure running ``fn(*leaves)`` forward and backward with fresh leaves that require gradients."""
    def run() -> None:
        leaves = [t.detach().requires_grad_() for t in tensors]
        fn(*leaves).sum().backward()
    return run


def main() -> None:
    dev = device()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / f"deform-{dev.type}.txt")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    torch.manual_seed(0)
    hardware = processor_name() if dev.type == "cpu" else torch.cuda.get_device_name() if dev.type == "cuda" else dev.type
    setting = f"{hardware}, torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.get_num_threads()} threads"
    x = torch.randn(8, 64, 56, 56, device=dev)
    w = torch.randn(64, 64, 3, 3, device=dev)
    offset = torch.randn(8, 2 * 9, 56, 56, device=dev)  # (N, 2·kH·kW, H_out, W_out), fractional
    ours_fn = lambda x, o, w: ops.deform_conv2d(x, o, w, padding=1)  # noqa: E731
    theirs_fn = lambda x, o, w: torchvision.ops.deform_conv2d(x, o, w, padding=1)  # noqa: E731
    conv_fn = lambda x, w: F.conv2d(x, w, padding=1)  # noqa: E731
    lines = []
    with torch.no_grad():
        fwd = time_all([lambda: ours_fn(x, offset, w), lambda: theirs_fn(x, offset, w), lambda: conv_fn(x, w)], dev, args.repeats)
    both = time_all([backward(ours_fn, x, offset, w), backward(theirs_fn, x, offset, w), backward(conv_fn, x, w)], dev, args.repeats)
    for what, (ours, theirs, conv) in (("forward", fwd), ("forward+backward", both)):
        ratio = ours / theirs
        lines.append(
            f"deform_conv2d {what} {tuple(x.shape)} k3 p1 on {dev.type}: ours {ours:.1f} ms, torchvision {theirs:.1f} ms, "
            f"F.conv2d {conv:.1f} ms; ours/torchvision {ratio:.2f}× (target ≤ {TARGET:g}×){'' if ratio <= TARGET else '  MISSED'}, "
            f"torchvision/F.conv2d {theirs / conv:.1f}×, ours/F.conv2d {ours / conv:.1f}×"
        )
    if dev.type == "cpu":  # for information: on a loaded machine, threads wait for each other
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        with torch.no_grad():
            ours, theirs = time_all([lambda: ours_fn(x, offset, w), lambda: theirs_fn(x, offset, w)], dev, args.repeats)
        torch.set_num_threads(threads)
        lines.append(f"deform_conv2d forward, 1 thread (for information): ours {ours:.1f} ms, torchvision {theirs:.1f} ms; "
                     f"ours/torchvision {ours / theirs:.2f}×")
    report = "\n".join(
        [f"# {datetime.datetime.now().isoformat(timespec='seconds')}, median of {args.repeats} runs taken in turn", f"# {setting}", *lines]
    )
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report + "\n")


if __name__ == "__main__":
    main()
