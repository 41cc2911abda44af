"""The experiment runner: each lesson declares its experiments (`EXPERIMENTS` in its package's
`experiments` module); this command trains them once, at full power, and keeps them as records.

    python -m lessonkit.experiments list                 # the experiments and how many runs their records hold
    python -m lessonkit.experiments run mnist-1k-settled   # train what records/mnist-1k-settled.csv lacks
    python -m lessonkit.experiments rerun mnist-1k-settled --arm both --seed 3   # one run again, beside its record

`run` trains every run of an experiment that its record does not hold yet (a finished run is
never trained again) and appends each finished run to `records/<experiment>.csv`: one row per
measurement with its provenance (seconds per run, device, processor, dtype, torch version,
lessonkit commit, date). `--worker k/n` lets n processes share the work. The lessons read
these files with `lessonkit.core.records.load_record`.

An experiment is any object with `name`, `about`, `runs()` (the keys of its runs), `key(row)`
(the run a record row belongs to), `run_key(arm, seed, size)` (a key checked against the
experiment, ValueError naming the valid values), `train(todo, path, device, show_progress)`
and `rerun(key, device)` (the rows of one run, trained again).
"""
import functools
import sys
from pathlib import Path

from lessonkit.core.cli import OneLineParser
from lessonkit.core.records import load_record, record_path, rows_of
from lessonkit.lessons.mnist.experiments import EXPERIMENTS as MNIST
from lessonkit.lessons.taming.experiments import EXPERIMENTS as TAMING

EXPERIMENTS = {e.name: e for e in [*TAMING, *MNIST]}
PROG = "python -m lessonkit.experiments"


def recorded_runs(experiment, path: Path | None = None) -> set:
    """The keys of the experiment's runs that its record holds."""
    path = path or record_path(experiment.name)
    return {experiment.key(row) for row in rows_of(load_record(experiment.name, path))} if path.exists() else set()


def run_experiment(name: str, device=None, path: Path | None = None, show_progress: bool = True, worker=(0, 1)) -> int:
    """Train the runs of experiment `name` that its record lacks; returns how many were trained.
    worker (k, n): only the runs at positions k, k + n, k + 2n, ... of the experiment's list
    (n processes, each one thread on a CPU, share the work without repeating a run)."""
    experiment = EXPERIMENTS[name]
    path = path or record_path(name)
    done, (k, n) = recorded_runs(experiment, path), worker
    todo = [key for i, key in enumerate(experiment.runs()) if i % n == k and key not in done]
    print(f"{name}: {len(done & set(experiment.runs()))} of {len(experiment.runs())} runs recorded; "
          f"{len(todo)} to train{f' by worker {k}/{n}' if n > 1 else ''}")
    if todo:
        experiment.train(todo, path, device, show_progress)
    return len(todo)


def rerun(name: str, arm: str | None, seed: int, size: int | None = None, device="cpu", path: Path | None = None):
    """Train one recorded run again, exactly as the runner did; returns (recorded rows, new rows).
    A run the experiment does not have, or its record does not hold, is refused before training."""
    experiment = EXPERIMENTS[name]
    key = experiment.run_key(arm, seed, size)
    recorded = [row for row in rows_of(load_record(name, path)) if experiment.key(row) == key]
    if not recorded:
        raise ValueError(f"the record of {name} holds no run {key} yet: `{PROG} run {name}` trains it")
    return recorded, experiment.rerun(key, device)


def main(argv=None) -> int:
    parser = OneLineParser(prog=PROG, description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True,
                                     parser_class=functools.partial(OneLineParser, error_prefix=PROG))
    commands.add_parser("list", help="the experiments and what their records hold")
    go = commands.add_parser("run", help="train the runs a record lacks")
    go.add_argument("name", choices=sorted(EXPERIMENTS))
    go.add_argument("--device", default=None, help="cpu, cuda or mps (default: the GPU when there is one)")
    go.add_argument("--worker", default="0/1", help="k/n: this process trains runs k, k + n, ... of the experiment, "
                                                    "so that n processes (one thread each on a CPU) share it")
    again = commands.add_parser("rerun", help="train one recorded run again and print it beside its record")
    again.add_argument("name", choices=sorted(EXPERIMENTS))
    again.add_argument("--arm", default=None, help="the arm (lesson 5's experiments)")
    again.add_argument("--seed", type=int, required=True)
    again.add_argument("--size", type=int, default=None)
    args = parser.parse_args(argv)
    if args.command == "list":
        for experiment in EXPERIMENTS.values():
            held = len(recorded_runs(experiment) & set(experiment.runs()))
            print(f"{experiment.name}: {experiment.about}; {held} of {len(experiment.runs())} runs recorded")
    elif args.command == "run":
        try:
            k, n = (int(part) for part in args.worker.split("/"))
            if not 0 <= k < n:
                raise ValueError
        except ValueError:
            parser.error(f"--worker must be k/n with 0 <= k < n, got {args.worker!r}")
        run_experiment(args.name, args.device, worker=(k, n))
    else:
        try:
            recorded, new = rerun(args.name, args.arm, args.seed, args.size)
        except (ValueError, FileNotFoundError) as err:
            parser.error(str(err))
        print(f"{'step':>6} {'split':>10}  {'recorded loss, accuracy':>24}  {'now':>18}")
        for old, now in zip(recorded, new):
            accuracy = (f"{old['accuracy']:>12.2%}", f"{now['accuracy']:>9.2%}") if "accuracy" in now else ("", "")
            print(f"{now['step']:>6} {now['split']:>10}  {old['loss']:>10.4f} {accuracy[0]}  "
                  f"{now['loss']:>8.4f} {accuracy[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
