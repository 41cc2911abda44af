"""The experiment runner's training step beside its floor, the same matrix products alone, in one run.

    .venv/bin/python benchmarks/runner.py [--steps 300] [--repeat 3] [--threads N]

For each arm of lesson 5's full-data experiment (no dropout, the lab's p = 0.3, the paper's
setting) it times `lessonkit.lessons.mnist.experiments.training_step` as the runner calls it
(fused Adam; bf16 autocast where `training_dtype` says the processor multiplies bf16 natively,
else float32) on batches of 100, and the floor: the 14 matrix products of one step of the
784-512-512-512-512-10 network (5 forward, 4 for the input gradients, 5 for the weight gradients)
in the same dtype, with nothing else. Beside them, the least this computation costs when written with
torch's own pieces: the same products plus the work the runner's recipe adds to them, fused Adam's update
of the float32 weights and, in bf16, autocast's copies of the weights to bf16 and of their gradients back
to float32 (a kernel of one's own could fuse those copies into Adam; torch has none). Prints ms
per step, the floor, the least cost and their ratios to the floor, the median of `--repeat` rounds,
alternating the three. Run it on an idle machine.
"""
import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lessonkit.core.device import cpu_flags, flush_denormals, training_dtype  # noqa: E402
from lessonkit.lessons.mnist.experiments import LAB, NONE, PAPER, training_step  # noqa: E402
from lessonkit.lessons.mnist.train import LAYER_SIZES, LR  # noqa: E402

BATCH = 100


def floor_ms(dtype, steps: int, with_update: bool = False) -> float:
    """ms for the step's 14 matrix products alone, in `dtype`; with_update adds what the runner cannot
    skip around them: the weights kept in float32 and updated by fused Adam, copied to `dtype` before
    the products and their gradients copied back (autocast's copies, none in float32)."""
    generator = torch.Generator().manual_seed(0)
    master = [torch.randn(n_in, n_out, generator=generator) for n_in, n_out in zip(LAYER_SIZES, LAYER_SIZES[1:])]
    master += [torch.zeros(n) for n in LAYER_SIZES[1:]]  # the biases, which Adam updates too
    master = [torch.nn.Parameter(w) for w in master]
    optimizer = torch.optim.Adam(master, lr=1e-9, fused=True)
    weights = [w.detach().to(dtype) for w in master[:len(LAYER_SIZES) - 1]]
    x = torch.randn(BATCH, LAYER_SIZES[0], generator=generator).to(dtype)
    grad_out = torch.randn(BATCH, LAYER_SIZES[-1], generator=generator).to(dtype)

    def step():
        if with_update:
            weights[:] = [w.detach().to(dtype) for w in master[:len(weights)]]
        activations = [x]
        for w in weights:
            activations.append(activations[-1] @ w)
        grad = grad_out
        for k in range(len(weights) - 1, -1, -1):
            weight_grad = activations[k].T @ grad  # the weight's gradient
            if with_update:
                master[k].grad = weight_grad.to(torch.float32)
                master[len(weights) + k].grad = grad.sum(0, dtype=torch.float32)
            if k:
                grad = grad @ weights[k].T  # the input's gradient
        if with_update:
            optimizer.step()
    for _ in range(20):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return 1000 * (time.perf_counter() - start) / steps


def runner_ms(arm, dtype, steps: int) -> float:
    """ms per step of the runner's own training step, for `arm`, in `dtype`."""
    torch.manual_seed(0)
    model = arm.model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, fused=True)
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(50 * BATCH, LAYER_SIZES[0], generator=generator)
    y = torch.randint(0, 10, (50 * BATCH,), generator=generator)
    autocast = (lambda: torch.autocast("cpu", dtype=dtype)) if dtype != torch.float32 else contextlib.nullcontext
    for i in range(20):
        training_step(model, optimizer, x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH], autocast)
    start = time.perf_counter()
    for i in range(steps):
        j = i % 50
        training_step(model, optimizer, x[j * BATCH:(j + 1) * BATCH], y[j * BATCH:(j + 1) * BATCH], autocast)
    return 1000 * (time.perf_counter() - start) / steps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="timed steps per measurement (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported (default 3)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own)")
    args = parser.parse_args(argv)
    flush_denormals()
    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = training_dtype(torch.device("cpu"))
    features = sorted(cpu_flags() & {"avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "avx2"})
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, processor features {features}, "
          f"runner dtype {str(dtype).removeprefix('torch.')}")
    print(f"{'arm':>12} {'dtype':>9} {'runner ms/step':>15} {'floor ms/step':>14} {'ratio':>6} "
          f"{'least cost (products, Adam, casts)':>35} {'ratio':>6}")
    for arm in (NONE, LAB, PAPER):
        for kind in dict.fromkeys((dtype, torch.float32)):
            runs = [(runner_ms(arm, kind, args.steps), floor_ms(kind, args.steps),
                     floor_ms(kind, args.steps, with_update=True)) for _ in range(args.repeat)]
            runner, floor, least = (statistics.median(run[k] for run in runs) for k in range(3))
            print(f"{arm.name:>12} {str(kind).removeprefix('torch.'):>9} {runner:>15.2f} {floor:>14.2f} "
                  f"{runner / floor:>5.2f}x {least:>35.2f} {least / floor:>5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
