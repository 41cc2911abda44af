"""Lesson 5's runs: a stacked run ends where the same run ends alone, the lesson's network is
the one trained, and validation never overlaps the training images."""
import pytest
import torch

import conftest
from lessonkit.lessons.mnist.experiments import Arm, split_validation, train_run, train_runs

RUNS = [(Arm("none"), 1), (Arm("both", p=0.5, input_p=0.5), 2), (Arm("hidden", p=0.5), 1), (Arm("in", input_p=0.2), 3)]
COMMON = dict(size=200, steps=7, eval_every=3, validation=300)


def fake_mnist(n_train=900, n_test=300, seed=0):
    return conftest.fake_mnist(n_train, n_test, seed)


@pytest.mark.parametrize("group", [1, 10])
def test_a_stacked_run_ends_where_it_ends_alone(group):
    data = fake_mnist()
    alone = [train_run(arm, seed, data=data, **COMMON) for arm, seed in RUNS]
    stacked = train_runs(RUNS, data=data, group=group, show_progress=False, **COMMON)
    for a, b in zip(alone, stacked):
        assert [(r["step"], r["split"]) for r in a] == [(r["step"], r["split"]) for r in b]
        assert [(r["step"], r["split"]) for r in a][:2] == [(3, "validation"), (3, "test")]
        assert a[-1]["split"] == "train" and a[-1]["step"] == 7
        for x, y in zip(a, b):
            assert x["loss"] == pytest.approx(y["loss"], abs=1e-4)


def test_runs_differ_by_dropout_alone_and_repeat_exactly():
    data = fake_mnist()
    first = train_runs(RUNS[:2], data=data, show_progress=False, **COMMON)
    again = train_runs(RUNS[:2], data=data, show_progress=False, **COMMON)
    assert first == again
    none, both = train_runs([(Arm("none"), 5), (Arm("both", p=0.5, input_p=0.5), 5)], data=data,
                            show_progress=False, **COMMON)
    assert none != both


def test_the_last_images_validate_and_training_subsets_come_from_the_rest():
    (x, y), _ = fake_mnist()
    (pool_x, _), (val_x, _) = split_validation((x, y), 300)
    assert len(pool_x) == 600 and torch.equal(val_x, x[-300:])


def test_on_done_hands_over_each_run_with_its_seconds():
    seen = []
    train_runs(RUNS[:2], data=fake_mnist(), show_progress=False, on_done=lambda *a: seen.append(a), **COMMON)
    assert [(arm.name, seed) for arm, seed, _, _ in seen] == [("none", 1), ("both", 2)]
    assert all(seconds > 0 for *_, seconds in seen)


@pytest.mark.parametrize("make, name", [
    (lambda: Arm("x", p=1.0), "p"),
    (lambda: Arm("x", input_p=-0.1), "input_p"),
    (lambda: train_run(Arm("x"), -1, data=fake_mnist(), **COMMON), "seed"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "size": 5_000}), "size"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "steps": 0}), "steps"),
    (lambda: train_runs(RUNS, data=fake_mnist(), group=0, **COMMON), "group"),
])
def test_bad_input_is_refused_by_name(make, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        make()
