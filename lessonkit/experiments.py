"""The experiments behind lessons 3 and 5, run once at full power and kept as records.

    python -m lessonkit.experiments list                 # the experiments, their runs and estimated time
    python -m lessonkit.experiments run mnist-ablation   # train what records/mnist-ablation.csv lacks
    python -m lessonkit.experiments rerun mnist-ablation --arm both --seed 3   # one run again, beside its record

`run` trains every run of an experiment that its record does not hold yet (a finished run is
never trained again), with the stacked trainer, on the GPU when there is one, and appends
each finished run to `records/<experiment>.csv`: one row per measurement (experiment, arm,
p, input_p or weight_decay, seed, size, steps, step, split, loss, accuracy) with its
provenance (seconds per run, device, processor, torch version, lessonkit commit, date).
Lesson 5's experiments are MNIST runs (`lessonkit.lessons.mnist.experiments`); lesson 3's
contest is one run per data sample (`lessonkit.lessons.taming.many_samples.contest_sample`).
The lessons read these files; `load_record` is how.
"""
import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from lessonkit.core.device import flush_denormals, pick_device
from lessonkit.core.mnist_data import mnist_tensors
from lessonkit.core.progress import progress
from lessonkit.core.records import PROVENANCE, append_rows, load_record, provenance, record_path
from lessonkit.lessons.mnist.experiments import Arm, SettledExperiment, train_runs, train_until_settled
from lessonkit.lessons.taming.many_samples import contest_sample

COLUMNS = ["experiment", "arm", "p", "input_p", "seed", "size", "steps", "step", "split", "loss", "accuracy",
           *PROVENANCE]
CONTEST_COLUMNS = ["experiment", "arm", "p", "weight_decay", "seed", "step", "split", "loss", *PROVENANCE]

NONE = Arm("no dropout")
PAPER = Arm("paper", p=0.5, input_p=0.2)  # the paper's MNIST setting: keep 0.8 of the pixels, 0.5 of the units
BOTH = Arm("both", p=0.5, input_p=0.5)
LAB = Arm("lab p = 0.3", p=0.3)
HIDDEN, INPUT = Arm("hidden only", p=0.5), Arm("input only", input_p=0.5)
P_SWEEP = tuple(Arm(f"p = {p}", p=p, input_p=p) for p in (0.1, 0.3, 0.7))


@dataclass(frozen=True)
class Experiment:
    """A grid of arms x seeds (x sizes), each run trained for `steps[size]` steps."""

    name: str
    about: str
    arms: tuple
    seeds: tuple
    steps: dict  # training images -> steps of 100 images
    eval_every: int
    seconds_per_step: float = 0.017  # this course's 2-core CPU, for the estimate only

    def runs(self):
        return [(arm, seed, size) for size in self.steps for arm in self.arms for seed in self.seeds]


@dataclass(frozen=True)
class Contest:
    """Lesson 3's contest: one run per data sample (seed), every knob chosen by K-fold CV."""

    name: str
    about: str
    seeds: tuple
    folds: int = 5
    seconds_per_sample: float = 40.0  # this course's 2-core CPU, for the estimate only


EXPERIMENTS = {e.name: e for e in [
    Experiment("mnist-ablation", "which dropout pays on 1,000 images: none, hidden only, input only, both, the paper's",
               (NONE, HIDDEN, INPUT, BOTH, PAPER),
               tuple(range(10)), {1_000: 1_000}, 100),
    Experiment("mnist-p-sweep", "p on the input and the hidden layers, chosen on validation (with the ablation's "
               "p = 0 and p = 0.5)", P_SWEEP,
               tuple(range(10)), {1_000: 1_000}, 100),
    Experiment("mnist-size", "the paper's setting against none as the training set grows (with the ablation's 1,000)",
               (NONE, PAPER), tuple(range(5)), {100: 1_000, 500: 1_000, 5_000: 2_000}, 100),
    Experiment("mnist-full", "the lab's p = 0.3 against none on 50,000 images, 15 epochs (the last 10,000 validate)",
               (NONE, Arm("lab p = 0.3", p=0.3)), tuple(range(5)), {50_000: 7_500}, 500, 0.019),
    SettledExperiment("mnist-full-settled", "none, the lab's p = 0.3 and the paper's setting on 50,000 images, each "
                      "run trained until its validation accuracy settled (the last 10,000 validate)",
                      (NONE, LAB, PAPER), tuple(range(10)), (50_000,), 500, 7_500, 40_000),
    SettledExperiment("mnist-1k-settled", "the ablation and the p sweep on 1,000 images, each run trained until its "
                      "validation accuracy settled; `both` also in float32",
                      (NONE, HIDDEN, INPUT, BOTH, PAPER, *P_SWEEP), tuple(range(10)), (1_000,), 200, 1_000, 10_000,
                      float32_arms=(Arm("both, float32", p=0.5, input_p=0.5),)),
    SettledExperiment("mnist-size-settled", "the paper's setting against none at 100, 500 and 5,000 images, each run "
                      "trained until its validation accuracy settled", (NONE, PAPER), tuple(range(10)),
                      (100, 500, 5_000), 200, 1_000, 20_000),
    Contest("taming-contest", "lesson 3: none, dropout, L2 and early stopping on 50 samples, knobs by 5-fold CV",
            tuple(range(50))),
]}


def done_runs(rows) -> set:
    """(arm, seed, size) of every run a record holds (size None for the contest)."""
    return {(row["arm"], row["seed"], row.get("size")) for row in rows}


def run_rows(experiment: Experiment, arm: Arm, seed: int, size: int, rows: list[dict], seconds: float,
             where: dict) -> list[dict]:
    return [{"experiment": experiment.name, "arm": arm.name, "p": arm.p, "input_p": arm.input_p, "seed": seed,
             "size": size, "steps": experiment.steps[size], **row, "seconds_per_run": round(seconds, 2), **where}
            for row in rows]


def run(name: str, device=None, path: Path | None = None, show_progress: bool = True, worker=(0, 1)) -> int:
    """Train the runs of experiment `name` that its record lacks; returns how many were trained.
    worker (k, n): train only every n-th of them from the k-th (n processes share the work)."""
    experiment = EXPERIMENTS[name]
    path = path or record_path(name)
    if isinstance(experiment, Contest):
        return _run_contest(experiment, path)
    if isinstance(experiment, SettledExperiment):
        return _run_settled(experiment, path, device, show_progress, worker)
    done = done_runs(load_record(name, path)) if path.exists() else set()
    todo = [(arm, seed, size) for arm, seed, size in experiment.runs() if (arm.name, seed, size) not in done]
    steps = sum(experiment.steps[size] for _, _, size in todo)
    print(f"{name}: {len(experiment.runs()) - len(todo)} runs recorded, {len(todo)} to train "
          f"(about {steps * experiment.seconds_per_step / 60:.0f} min on this course's 2-core CPU)")
    if not todo:
        return 0
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    flush_denormals()  # faster on a CPU; `rerun` does the same, so a rerun repeats the record
    data = mnist_tensors(device)
    where = provenance(device)
    for size in experiment.steps:
        runs = [(arm, seed) for arm, seed, s in todo if s == size]
        if runs:
            train_runs(runs, data=data, size=size, steps=experiment.steps[size], eval_every=experiment.eval_every,
                       show_progress=show_progress, desc=f"{name}, {size:,} images",
                       on_done=lambda arm, seed, rows, seconds, size=size: append_rows(
                           path, run_rows(experiment, arm, seed, size, rows, seconds, where), COLUMNS))
    return len(todo)


def _run_settled(experiment: SettledExperiment, path: Path, device, show_progress: bool, worker) -> int:
    done = done_runs(load_record(experiment.name, path)) if path.exists() else set()
    k, n = worker  # each worker's share is fixed by the experiment, not by what is done yet
    todo = [(arm, seed, size) for i, (arm, seed, size) in enumerate(experiment.runs())
            if i % n == k and (arm.name, seed, size) not in done]
    print(f"{experiment.name}: {len(experiment.runs()) - len(todo)} runs recorded or left to other workers, "
          f"{len(todo)} to train (each until it settles: {experiment.min_steps:,} to {experiment.max_steps:,} steps)")
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    flush_denormals()
    data = mnist_tensors(device)
    for arm, seed, size in todo:
        dtype = experiment.dtype(arm, device)
        with progress(total=experiment.max_steps, desc=f"{arm.name}, seed {seed}, {size:,} images", unit="step",
                      disable=not show_progress) as bar:
            def on_eval(step, accuracy, bar=bar):
                bar.update(step - bar.n)
                bar.set_postfix(val_acc=f"{accuracy:.2%}", refresh=False)

            start = time.perf_counter()
            rows = train_until_settled(arm, seed, data=data, size=size, eval_every=experiment.eval_every,
                                       min_steps=experiment.min_steps, max_steps=experiment.max_steps, dtype=dtype,
                                       on_eval=on_eval)
            seconds = time.perf_counter() - start
        append_rows(path, [{"experiment": experiment.name, "arm": arm.name, "p": arm.p, "input_p": arm.input_p,
                            "seed": seed, "size": size, "steps": rows[-1]["step"], **row,
                            "seconds_per_run": round(seconds, 2), **provenance(device, dtype)} for row in rows],
                    COLUMNS)
    return len(todo)


def _run_contest(contest: Contest, path: Path) -> int:
    done = {seed for _, seed, _ in done_runs(load_record(contest.name, path))} if path.exists() else set()
    todo = [seed for seed in contest.seeds if seed not in done]
    print(f"{contest.name}: {len(contest.seeds) - len(todo)} samples recorded, {len(todo)} to train "
          f"(about {len(todo) * contest.seconds_per_sample / 60:.0f} min on this course's 2-core CPU)")
    where = provenance(torch.device("cpu"))  # tiny networks: the CPU, one thread
    with progress(total=len(todo), desc=contest.name, unit="sample") as bar:
        for seed in todo:
            start = time.perf_counter()
            rows = contest_sample(seed, folds=contest.folds)
            seconds = round(time.perf_counter() - start, 2)
            append_rows(path, [{"experiment": contest.name, "seed": seed, **row, "seconds_per_run": seconds, **where}
                           for row in rows], CONTEST_COLUMNS)
            bar.update(1)
    return len(todo)


def rerun(name: str, arm_name: str, seed: int, size: int | None = None, device="cpu", path: Path | None = None):
    """Train one recorded run again, exactly as the runner did; returns (recorded rows, new rows)."""
    experiment = EXPERIMENTS[name]
    if isinstance(experiment, Contest):
        recorded = [row for row in load_record(name, path) if row["seed"] == seed]
        return recorded, [{**row, "seed": seed} for row in contest_sample(seed, folds=experiment.folds)]
    arms = {arm.name: arm for arm in experiment.arms}
    if arm_name not in arms:
        raise ValueError(f"arm must be one of {sorted(arms)}, got {arm_name!r}")
    size = size if size is not None else next(iter(experiment.steps))
    if size not in experiment.steps:
        raise ValueError(f"size must be one of {sorted(experiment.steps)}, got {size}")
    recorded = [row for row in load_record(name, path) if (row["arm"], row["seed"], row["size"]) == (arm_name, seed,
                                                                                                   size)]
    device = pick_device(device, verbose=False) if isinstance(device, str) else device
    flush_denormals()
    new, = train_runs([(arms[arm_name], seed)], data=mnist_tensors(device), size=size, steps=experiment.steps[size],
                      eval_every=experiment.eval_every, show_progress=False)
    return recorded, new


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lessonkit.experiments", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="the experiments and what their records hold")
    go = commands.add_parser("run", help="train the runs a record lacks")
    go.add_argument("name", choices=sorted(EXPERIMENTS))
    go.add_argument("--device", default=None, help="cpu, cuda or mps (default: the GPU when there is one)")
    go.add_argument("--worker", default="0/1", help="k/n: train every n-th missing run from the k-th, so that n "
                                                    "processes (one thread each on a CPU) share an experiment")
    again = commands.add_parser("rerun", help="train one recorded run again and print it beside its record")
    again.add_argument("name", choices=sorted(EXPERIMENTS))
    again.add_argument("--arm", default=None, help="the arm (lesson 5's experiments)")
    again.add_argument("--seed", type=int, required=True)
    again.add_argument("--size", type=int, default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        for experiment in EXPERIMENTS.values():
            path = record_path(experiment.name)
            held = len({run[:2] for run in done_runs(load_record(experiment.name))}) if path.exists() else 0
            total = len(experiment.seeds) if isinstance(experiment, Contest) else len(experiment.runs())
            print(f"{experiment.name}: {experiment.about}; {held} of {total} runs recorded")
    elif args.command == "run":
        k, n = (int(part) for part in args.worker.split("/"))
        run(args.name, args.device, worker=(k, n))
    else:
        recorded, new = rerun(args.name, args.arm, args.seed, args.size)
        print(f"{'step':>6} {'split':>10}  {'recorded loss, accuracy':>24}  {'now':>18}")
        for old, now in zip(recorded, new):
            print(f"{now['step']:>6} {now['split']:>10}  {old['loss']:>10.4f} {old['accuracy']:>12.2%}  "
                  f"{now['loss']:>8.4f} {now['accuracy']:>9.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
