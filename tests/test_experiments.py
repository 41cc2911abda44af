"""The experiment runner: it trains only what a record lacks, writes every row with its
provenance, and reruns any recorded run exactly (on fake data, in seconds)."""
import functools

import pytest
import torch

import conftest
import lessonkit.experiments as runner
from lessonkit.core.records import PROVENANCE, describe_provenance, load_record
from lessonkit.lessons.mnist.experiments import Arm
from lessonkit.lessons.taming import many_samples


def fake_mnist(device=None):  # noqa: ARG001 - the runner passes the device
    return conftest.fake_mnist(n_train=500, n_test=200)


@pytest.fixture
def small(monkeypatch):
    monkeypatch.setattr(runner, "mnist_tensors", fake_mnist)
    monkeypatch.setattr("lessonkit.lessons.mnist.experiments.VALIDATION", 200)
    monkeypatch.setitem(runner.EXPERIMENTS, "mnist-ablation", runner.Experiment(
        "mnist-ablation", "test", (Arm("no dropout"), Arm("both", 0.5, 0.5)), (0, 1), {200: 6}, 3))
    monkeypatch.setattr(runner, "contest_sample", functools.partial(many_samples.contest_sample, epochs=5, hidden=8))
    monkeypatch.setitem(runner.EXPERIMENTS, "taming-contest", runner.Contest("taming-contest", "test", (0, 1)))


def test_a_run_is_trained_once_and_recorded_with_its_provenance(small, tmp_path):
    path = tmp_path / "mnist-ablation.csv"
    assert runner.run("mnist-ablation", "cpu", path, show_progress=False) == 4
    assert runner.run("mnist-ablation", "cpu", path, show_progress=False) == 0  # nothing left to train
    rows = load_record("mnist-ablation", path)
    assert {(r["arm"], r["seed"]) for r in rows} == {(a, s) for a in ("no dropout", "both") for s in (0, 1)}
    assert all(r[key] not in ("", None) for r in rows for key in PROVENANCE)
    assert rows[0]["device"] == "cpu" and rows[0]["torch"] == torch.__version__
    assert "4 runs of mnist-ablation" in describe_provenance(rows) and "s per run" in describe_provenance(rows)


def test_a_rerun_of_a_recorded_run_gives_its_numbers_again(small, tmp_path):
    path = tmp_path / "mnist-ablation.csv"
    runner.run("mnist-ablation", "cpu", path, show_progress=False)
    recorded, new = runner.rerun("mnist-ablation", "both", 1, device="cpu", path=path)
    assert [(r["step"], r["split"], r["loss"], r["accuracy"]) for r in recorded] == \
        [(r["step"], r["split"], r["loss"], r["accuracy"]) for r in new]


def test_the_contest_records_each_sample_once_and_reruns_it(small, tmp_path):
    path = tmp_path / "taming-contest.csv"
    assert runner.run("taming-contest", path=path) == 2
    assert runner.run("taming-contest", path=path) == 0
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
