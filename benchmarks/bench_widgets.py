"""p95 latency of every widget's render function on the CPU (target: at most 100 ms).

    .venv/bin/python benchmarks/bench_widgets.py [--repeat 200]

Each render function in ``convlib.widgets.RENDERS`` is called on random
states of its controls (what a reader in JupyterLab does by moving sliders);
the p95 of those calls is printed and written to
``benchmarks/results/widgets-cpu.txt`` with the machine named.
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import random
import time

import torch

from convlib.timing import device_name
from convlib.widgets import RENDERS, safe_render

TARGET_MS = 100.0
OUT = pathlib.Path(__file__).parent / "results" / "widgets-cpu.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(0)
    lines = [f"# widget render latency, {datetime.date.today()}, {device_name('cpu')}, torch {torch.__version__}"]
    worst = 0.0
    for name, (render, controls) in sorted(RENDERS.items()):
        times = []
        for _ in range(args.repeat):
            values = {c["name"]: rng.choice(c["options"]) for c in controls}
            start = time.perf_counter()
            safe_render(render, values)
            times.append((time.perf_counter() - start) * 1e3)
        times.sort()
        p95 = times[round(0.95 * (len(times) - 1))]
        worst = max(worst, p95)
        lines.append(f"{name}: p95 {p95:.2f} ms, median {times[len(times) // 2]:.2f} ms over {len(times)} random states "
                     f"(target <= {TARGET_MS:.0f} ms)")
    lines.append(f"worst p95 {worst:.2f} ms: {'meets' if worst <= TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)


if __name__ == "__main__":
    main()
