"""How fast lesson 4's playground trains while it redraws, as a learner sees it in JupyterLab.

    .venv/bin/python benchmarks/playground.py [--seconds 5] [--rounds 5]

Each round presses play on a fresh `Playground` (the notebook's settings), lets its
background thread train and redraw for `--seconds`, presses pause, and counts the steps
taken and the PNGs sent (each is one redraw: boundary, curves and numbers). For reference
it also times training alone (`LiveTrainer.run`, no drawing) and one redraw alone. Reports
the median of the rounds. The lesson's goal on a 2-core CPU: at least 200 steps per second
while redrawing at least 10 times per second. Run it on an idle machine.
"""
import argparse
import statistics
import time

import torch

from lessonkit.core.training import one_thread
from lessonkit.lessons.playground.train import LiveTrainer
from lessonkit.lessons.playground.widgets import Playground

GOAL_STEPS, GOAL_REDRAWS = 200, 10


def live_round(seconds: float) -> tuple[float, float]:
    """(steps per second, redraws per second) of one playground playing for `seconds`."""
    playground = Playground(seed=0)
    redraws = []
    playground.image.observe(lambda _: redraws.append(time.perf_counter()), names="value")
    try:
        playground.play()
        start, first_step = time.perf_counter(), playground.trainer.steps
        time.sleep(seconds)
        playground.pause()
        elapsed = time.perf_counter() - start
        steps = playground.trainer.steps - first_step
    finally:
        playground.close()
    sent = sum(1 for t in redraws if start < t <= start + elapsed)
    return steps / elapsed, sent / elapsed


def training_alone(steps: int = 1000) -> float:
    trainer = LiveTrainer(seed=0)
    start = time.perf_counter()
    trainer.run(steps)
    return steps / (time.perf_counter() - start)


def redraw_alone(times: int = 20) -> float:
    playground = Playground(seed=0).run(500)
    try:
        with one_thread():
            start = time.perf_counter()
            for _ in range(times):
                playground.update()
            return (time.perf_counter() - start) / times * 1000
    finally:
        playground.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of play per round (default 5)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the median is reported (default 5)")
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.rounds} rounds of {args.seconds:g} s")
    live, alone, draws = [], [], []
    for i in range(args.rounds):
        live.append(live_round(args.seconds))
        alone.append(training_alone())
        draws.append(redraw_alone())
        print(f"  round {i + 1}: {live[-1][0]:6.0f} steps/s while redrawing {live[-1][1]:5.1f} times/s; "
              f"alone: {alone[-1]:6.0f} steps/s, {draws[-1]:5.1f} ms per redraw")
    steps, redraws = statistics.median(s for s, _ in live), statistics.median(r for _, r in live)
    print()
    print("| playing (median) | steps/s | redraws/s | training alone, steps/s | one redraw alone, ms |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| lesson 4 playground | {steps:.0f} | {redraws:.1f} | {statistics.median(alone):.0f} "
          f"| {statistics.median(draws):.1f} |")
    met = steps >= GOAL_STEPS and redraws >= GOAL_REDRAWS
    print(f"\ngoal (>= {GOAL_STEPS} steps/s while redrawing >= {GOAL_REDRAWS} times/s): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
