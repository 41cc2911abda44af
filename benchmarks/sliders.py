"""How fast each lesson's figure redraws when a learner moves a slider.

    .venv/bin/python benchmarks/sliders.py [--moves 60]

A move is `control.value = v` from Python: the widget's callback recomputes and
re-renders the PNG synchronously, which is the work the kernel does for a browser move.
Reports the median and 95th percentile over the moves; the lessons aim for a median
under 100 ms on a 2-core CPU. Run it on an idle machine.
"""
import argparse
import statistics
import time

import torch

# Each case builds a lesson's widget in its default state and returns
# (widget, control, values): `values` are visited in turn, wrapping around.
CASES = {}


def case(name):
    def register(factory):
        CASES[name] = factory
        return factory

    return register


# --- lesson cases: each lesson registers its sliders below ----------------------------


@case("lesson 1: degree")
def lesson1_degree():
    from lessonkit.lessons.overfitting.widgets import PolyExplorer
    widget = PolyExplorer()
    return widget, widget.degree, [15, 3, 8, 20, 1, 12]


@case("lesson 1: points")
def lesson1_points():
    from lessonkit.lessons.overfitting.widgets import PolyExplorer
    widget = PolyExplorer(degree=15)
    return widget, widget.points, [30, 20, 60, 16, 100]


@case("lesson 1: noise")
def lesson1_noise():
    from lessonkit.lessons.overfitting.widgets import PolyExplorer
    widget = PolyExplorer(degree=15)
    return widget, widget.noise, [0.3, 0.1, 0.5, 0.2, 0.0]


@case("lesson 1: ridge λ")
def lesson1_ridge():
    from lessonkit.lessons.overfitting.widgets import RidgeExplorer
    widget = RidgeExplorer()
    return widget, widget.ridge, [1e-4, 1e-1, 1.0, 1e-6, 10.0]


@case("lesson 2: walk-through p")
def lesson2_walkthrough_p():
    from lessonkit.lessons.dropout.widgets import DropoutWalkthrough
    widget = DropoutWalkthrough()
    return widget, widget.p_slider, [0.3, 0.7, 0.1, 0.9, 0.5]


@case("lesson 2: walk-through step")
def lesson2_walkthrough_step():
    from lessonkit.lessons.dropout.widgets import DropoutWalkthrough
    widget = DropoutWalkthrough()
    return widget, widget.step_slider, [1, 5, 9, 3, 10, 6]


@case("lesson 2: 1/(1-p) histograms p")
def lesson2_scaling_p():
    from lessonkit.lessons.dropout.widgets import ScalingExplorer
    widget = ScalingExplorer()
    return widget, widget.p_slider, [0.3, 0.7, 0.1, 0.9, 0.5]


@case("lesson 3: p explorer")
def lesson3_p_explorer():
    from lessonkit.lessons.overfitting.data import make_regression_data
    from lessonkit.lessons.taming.model import p_grid
    from lessonkit.lessons.taming.train import train_p_grid
    from lessonkit.lessons.taming.widgets import PExplorer

    # short trainings: a move only swaps precomputed curves, whatever the training length
    data = make_regression_data()
    widget = PExplorer(data, train_p_grid(data, p_grid(0.8, 0.1), epochs=20), p=0.3)
    return widget, widget.slider, [0.0, 0.5, 0.8, 0.1, 0.3, 0.6]


@case("lesson 5: curves of each p")
def lesson5_p_sweep():
    from lessonkit.lessons.mnist.analysis import Runs
    from lessonkit.lessons.mnist.widgets import RunCurvesBrowser

    ps = {f"p = {p}": p for p in (0.0, 0.2, 0.5, 0.7)}
    # made-up records of 1,000 steps, ten seeds: no training here
    rows = [dict(arm=name, seed=seed, size=1000, step=step, split="validation",
                 loss=0.3 + p * step / 1000 + seed / 100, accuracy=0.9 - p / 10)
            for name, p in ps.items() for seed in range(10) for step in range(100, 1001, 100)]
    widget = RunCurvesBrowser(Runs(rows), ps)
    return widget, widget.slider, [0.5, 0.7, 0.0, 0.2]


def time_moves(control, values, moves: int) -> list[float]:
    times = []
    for i in range(moves):
        value = values[i % len(values)]
        if value == control.value:  # a non-change fires no callback: nothing would be timed
            value = values[(i + 1) % len(values)]
        start = time.perf_counter()
        control.value = value
        times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=60, help="slider moves per case (at least 50 for the report)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    args = parser.parse_args(argv)
    if args.moves < 1:
        parser.error(f"--moves must be at least 1, got {args.moves}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.moves} moves per slider")
    print(f"{'slider':<44} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}  under 100 ms?")
    for name, factory in CASES.items():
        if args.only not in name:
            continue
        widget, control, values = factory()
        time_moves(control, values, 3)  # warm-up: first draws build font caches
        times = sorted(time_moves(control, values, args.moves))
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        verdict = "yes" if median < 100 else "NO"
        print(f"{name:<44} {median:>10.1f} {p95:>8.1f} {times[-1]:>8.1f}  {verdict}")


if __name__ == "__main__":
    main()
