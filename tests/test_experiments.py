"""The experiment runner: it trains only what a record lacks, writes every row with its
provenance, and reruns any recorded run exactly (on fake data, in seconds)."""
import functools
import subprocess
import sys

import pytest
import torch

import conftest
import lessonkit.experiments as runner
from lessonkit.core.records import PROVENANCE, describe_provenance, load_record, record_path, rows_of
from lessonkit.lessons.mnist import experiments as mnist_experiments
from lessonkit.lessons.mnist.experiments import Arm, SettledExperiment
from lessonkit.lessons.taming import experiments as taming_experiments
from lessonkit.lessons.taming import train as taming_train
from lessonkit.lessons.taming.experiments import ContestExperiment


def fake_mnist(device=None):  # noqa: ARG001 - the runner passes the device
    return conftest.fake_mnist(n_train=500, n_test=200)


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(mnist_experiments, "mnist_tensors", fake_mnist)
    monkeypatch.setattr(mnist_experiments, "VALIDATION", 200)
    monkeypatch.setitem(runner.EXPERIMENTS, "mnist-settled", SettledExperiment(
        "mnist-settled", "test", (Arm("no dropout"), Arm("both", 0.5, 0.5)), (0, 1), (200,), 2, 4, 20,
        float32_arms=(Arm("both, float32", 0.5, 0.5),)))
    monkeypatch.setattr(taming_experiments, "contest_sample",
                        functools.partial(taming_train.contest_sample, epochs=5, hidden=8))
    monkeypatch.setitem(runner.EXPERIMENTS, "taming-contest", ContestExperiment("taming-contest", "test", (0, 1)))


def test_a_run_is_trained_once_and_recorded_with_its_provenance(small, tmp_path):
    path = tmp_path / "mnist-settled.csv"
    assert runner.run_experiment("mnist-settled", "cpu", path, show_progress=False) == 6
    assert runner.run_experiment("mnist-settled", "cpu", path, show_progress=False) == 0  # nothing left to train
    rows = rows_of(load_record("mnist-settled", path))
    assert {(r["arm"], r["seed"]) for r in rows} == {(a, s) for a in ("no dropout", "both", "both, float32")
                                                     for s in (0, 1)}
    assert all(r[key] not in ("", None) for r in rows for key in PROVENANCE)
    assert rows[0]["device"] == "cpu" and rows[0]["torch"] == torch.__version__
    assert "6 runs of mnist-settled" in describe_provenance(rows) and "s per run" in describe_provenance(rows)


def test_a_rerun_of_a_recorded_run_gives_its_numbers_again(small, tmp_path):
    path = tmp_path / "mnist-settled.csv"
    runner.run_experiment("mnist-settled", "cpu", path, show_progress=False)
    recorded, new = runner.rerun("mnist-settled", "both", 1, device="cpu", path=path)
    assert [(r["step"], r["split"], r["loss"], r["accuracy"]) for r in recorded] == \
        [(r["step"], r["split"], r["loss"], r["accuracy"]) for r in new]


def test_the_contest_records_each_sample_once_and_reruns_it(small, tmp_path):
    path = tmp_path / "taming-contest.csv"
    assert runner.run_experiment("taming-contest", path=path) == 2
    assert runner.run_experiment("taming-contest", path=path) == 0
    assert "2 samples of taming-contest" in describe_provenance(load_record("taming-contest", path))
    recorded, new = runner.rerun("taming-contest", None, 1, path=path)
    assert [(r["arm"], r["split"], r["loss"]) for r in recorded] == [(r["arm"], r["split"], r["loss"]) for r in new]


def test_a_record_without_provenance_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("experiment,arm,seed,step,split,loss,accuracy,seconds_per_run,device,processor,torch,"
                    "lessonkit_commit,date\nx,none,0,1,test,0.5,0.9,1.0,cpu,,2.14.0,abc,2026-12-04\n")
    with pytest.raises(ValueError, match=r"lacks its provenance \['processor'\]"):
        load_record("x", path)


def test_a_missing_record_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m lessonkit.experiments run nothing"):
        load_record("nothing", tmp_path / "nothing.csv")


def test_settled_runs_are_shared_by_workers_without_repeats_and_carry_their_dtype(small, tmp_path):
    path = tmp_path / "mnist-settled.csv"
    assert runner.run_experiment("mnist-settled", "cpu", path, show_progress=False, worker=(1, 2)) == 3
    assert runner.run_experiment("mnist-settled", "cpu", path, show_progress=False, worker=(0, 2)) == 3
    assert runner.run_experiment("mnist-settled", "cpu", path, show_progress=False) == 0
    rows = rows_of(load_record("mnist-settled", path))
    runs = {(r["arm"], r["seed"]): r["dtype"] for r in rows}
    assert len(runs) == 6 and len(rows) == len({(r["arm"], r["seed"], r["step"], r["split"]) for r in rows})
    assert runs[("both, float32", 0)] == "float32"
    recorded, new = runner.rerun("mnist-settled", "both", 1, device="cpu", path=path)
    assert [(r["step"], r["loss"]) for r in recorded] == [(r["step"], r["loss"]) for r in new]


@pytest.mark.parametrize("name", sorted(runner.EXPERIMENTS))
def test_list_counts_the_runs_each_record_holds(name):
    experiment = runner.EXPERIMENTS[name]
    path = record_path(name)
    keys = {experiment.key(row) for row in rows_of(load_record(name))} if path.exists() else set()
    assert keys <= set(experiment.runs()), "a record holds a run its experiment does not declare"
    assert len(runner.recorded_runs(experiment) & set(experiment.runs())) == len(keys)


@pytest.mark.parametrize("args, message", [
    (["rerun", "mnist-1k-settled", "--arm", "bogus", "--seed", "1"], "--arm must be one of 'no dropout', "),
    (["rerun", "mnist-1k-settled", "--arm", "both", "--seed", "-1"], "--seed must be one of this experiment's seeds, "
                                                                    "0 to 9, got -1"),
    (["rerun", "mnist-1k-settled", "--arm", "both", "--seed", "99"], "--seed must be one of this experiment's seeds"),
    (["rerun", "taming-contest", "--seed", "3", "--arm", "both"], "give --seed only"),
    (["run", "mnist-1k-settled", "--worker", "2/2"], "--worker must be k/n with 0 <= k < n, got '2/2'"),
])
def test_bad_input_is_one_line_and_exit_2_before_any_training(args, message, capsys, monkeypatch):
    def no_training(*_, **__):
        raise AssertionError("training started")

    for experiment in runner.EXPERIMENTS.values():  # each kind of experiment trains through these two
        monkeypatch.setattr(type(experiment), "train", no_training)
        monkeypatch.setattr(type(experiment), "rerun", no_training)
    try:
        code = runner.main(args)
    except SystemExit as exit_:  # argparse's errors
        code = exit_.code
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_bad_input_as_a_program_is_one_line_without_a_traceback():
    result = subprocess.run([sys.executable, "-m", "lessonkit.experiments", "rerun", "mnist-1k-settled", "--arm",
                             "bogus", "--seed", "1"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "--arm must be one of" in result.stderr
    assert "Traceback" not in result.stderr
