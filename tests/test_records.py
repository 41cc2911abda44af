"""The records in records/ are what the runner wrote: every run the experiment asks for is
there, each row carries its provenance and a commit of this repository, and a few recorded runs,
trained again here, land on their records."""
import statistics
import subprocess

import pytest
import torch

import conftest
import lessonkit.experiments as runner
from lessonkit.core.records import RECORDS, load_record, processor_name

NAMES = sorted(runner.EXPERIMENTS)


@pytest.mark.parametrize("name", NAMES)
def test_each_experiment_is_recorded_whole_with_provenance(name):
    rows = load_record(name)  # refuses a row without provenance
    experiment = runner.EXPERIMENTS[name]
    held = runner.done_runs(rows)
    if isinstance(experiment, runner.Contest):
        assert {seed for _, seed, _ in held} >= set(experiment.seeds)
    else:
        assert {(arm.name, seed, size) for arm, seed, size in experiment.runs()} <= held
    commits = {row["lessonkit_commit"].removesuffix("+changes") for row in rows}
    for commit in commits:
        known = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=RECORDS.parent,
                               capture_output=True)
        assert known.returncode == 0, f"{name}: lessonkit commit {commit} is not in this repository's history"


def check_against_record(recorded, new, spread):
    """Tight (1e-5) when this processor and torch version made the record; else within three
    standard deviations of the recorded seeds (`spread(row)`). Returns which rule it applied."""
    same_machine = recorded[0]["processor"] == processor_name() and recorded[0]["torch"] == torch.__version__
    rule = "tight: same processor and torch" if same_machine else "within the recorded seeds' spread"
    for old, now in zip(recorded, new):
        tolerance = 1e-5 if same_machine else 3 * spread(old) + 1e-9
        assert abs(old["loss"] - now["loss"]) <= tolerance, (rule, old, now)
    print(f"checked {len(new)} numbers against the record ({rule})")
    return rule


@pytest.mark.skipif(conftest.mnist_archives() is None, reason="needs the offline MNIST archives")
def test_a_recorded_mnist_run_trained_again_lands_on_its_record():
    name, arm, seed = "mnist-ablation", "both", 0
    rows = load_record(name)
    recorded, new = runner.rerun(name, arm, seed, device="cpu")
    others = [r for r in rows if r["arm"] == arm]
    def spread(row):  # over the arm's seeds, at the same step of the same split
        return statistics.stdev(r["loss"] for r in others if (r["split"], r["step"]) == (row["split"], row["step"]))

    assert [(r["step"], r["split"]) for r in recorded] == [(r["step"], r["split"]) for r in new]
    check_against_record(recorded, new, spread)


def test_a_recorded_contest_sample_trained_again_lands_on_its_record():
    name, seed = "taming-contest", 0
    rows = load_record(name)
    recorded, new = runner.rerun(name, None, seed)
    def spread(row):  # over the samples, for the same setting and split
        return statistics.stdev(r["loss"] for r in rows if (r["arm"], r["split"]) == (row["arm"], row["split"]))

    assert [(r["arm"], r["split"]) for r in recorded] == [(r["arm"], r["split"]) for r in new]
    check_against_record(recorded, new, spread)
