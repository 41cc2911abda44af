"""Lesson 5's many small runs: trained side by side (stacked) against one after the other.

    .venv/bin/python benchmarks/mnist_stacked.py [--runs 5] [--steps 200] [--device cpu|cuda] [--repeat 3]

Both ways train the same runs (the lab's network on 1,000 images, the ablation's five
dropout settings, one seed) with `lessonkit.lessons.mnist.experiments.train_runs`: once
with all runs in one stack of `lessonkit.core.stacked` (`group=runs`), once one run at a time (`group=1`). They end with
the same numbers (the script checks it); only the time differs. Prints the median wall
time of each over `--repeat` rounds, alternating the two, and their ratio.
Run it on an idle machine.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lessonkit.core.device import flush_denormals, pick_device  # noqa: E402
from lessonkit.core.mnist_data import mnist_tensors  # noqa: E402
from lessonkit.lessons.mnist.experiments import Arm, train_runs  # noqa: E402

SETTINGS = [Arm("no dropout"), Arm("hidden only", 0.5), Arm("input only", 0.0, 0.5),
            Arm("both", 0.5, 0.5), Arm("paper", 0.5, 0.2)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs (default 5; settings repeat with new seeds)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--size", type=int, default=1_000)
    parser.add_argument("--device", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    flush_denormals()
    device = pick_device(args.device, verbose=False)
    data = mnist_tensors(device)
    runs = [(SETTINGS[k % len(SETTINGS)], 777 + k // len(SETTINGS)) for k in range(args.runs)]
    common = dict(data=data, size=args.size, steps=args.steps, show_progress=False)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def stacked():
        return train_runs(runs, group=len(runs), **common)

    def one_at_a_time():
        return train_runs(runs, group=1, **common)

    times = {"stacked": [], "one at a time": []}
    answers = {}
    for _ in range(args.repeat):
        for name, how in (("stacked", stacked), ("one at a time", one_at_a_time)):
            sync()
            start = time.perf_counter()
            answers[name] = how()
            sync()
            times[name].append(time.perf_counter() - start)
    gap = max(abs(x["accuracy"] - y["accuracy"]) for a, b in zip(answers["stacked"], answers["one at a time"])
              for x, y in zip(a, b))
    print(f"device {device}, {torch.get_num_threads()} threads; {args.runs} runs x {args.steps} steps on "
          f"{args.size:,} images (+ scoring 20,000 images per run), {args.repeat} rounds")
    for name, values in times.items():
        per_step = statistics.median(values) / (args.runs * args.steps) * 1e3
        print(f"{name:>14}: median {statistics.median(values):6.1f} s   ({per_step:.2f} ms per run-step)   "
              f"rounds: {', '.join(f'{v:.1f}' for v in values)}")
    ratio = statistics.median(times["one at a time"]) / statistics.median(times["stacked"])
    print(f"stacked is {ratio:.2f}x as fast as one at a time; largest test-accuracy difference between "
          f"the two: {gap:.2e} (the same runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
