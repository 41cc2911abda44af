"""Lesson 5's runs: a stacked run ends where the same run ends alone, the lesson's network is
the one trained, and validation never overlaps the training images."""
import pytest
import torch
import torch.nn.functional as F

import conftest
from lessonkit.core.mnist_data import random_subset
from lessonkit.core.training import Batches
from lessonkit.lessons.mnist.experiments import Arm, _rows, settled, split_validation, train_runs, train_until_settled
from lessonkit.lessons.mnist.train import BATCH_SIZE, LR, evaluate

RUNS = [(Arm("none"), 1), (Arm("both", p=0.5, input_p=0.5), 2), (Arm("hidden", p=0.5), 1), (Arm("in", input_p=0.2), 3)]
COMMON = dict(size=200, steps=7, eval_every=3, validation=300)
SETTLE = dict(size=200, eval_every=2, min_steps=4, max_steps=40, validation=300)


def train_run(arm, seed, *, data, size, steps, eval_every, validation):
    """The reference: one run alone, in plain torch, as `train_runs` documents it."""
    train_data, (x_test, y_test) = data
    pool, (x_val, y_val) = split_validation(train_data, validation)
    x, y = random_subset(*pool, size, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # first weights, then the dropout masks
        model = arm.model()
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        batches = Batches(x, y, BATCH_SIZE, torch.Generator().manual_seed(seed + 1))
        rows, step = [], 0
        while step < steps:
            for index in batches.indices():
                model.train()
                optimizer.zero_grad()
                F.cross_entropy(model(x[index]), y[index]).backward()
                optimizer.step()
                step += 1
                if step % eval_every == 0 or step == steps:
                    rows += [_rows(step, "validation", *evaluate(model, x_val, y_val)),
                             _rows(step, "test", *evaluate(model, x_test, y_test))]
                if step == steps:
                    break
        rows.append(_rows(steps, "train", *evaluate(model, x, y)))
    return rows


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
    (lambda: train_until_settled(Arm("x"), -1, data=fake_mnist(), **SETTLE), "seed"),
    (lambda: train_until_settled(Arm("x"), 1, data=fake_mnist(), **{**SETTLE, "min_steps": 1}), "min_steps"),
    (lambda: train_until_settled(Arm("x"), 1, data=fake_mnist(), **{**SETTLE, "max_steps": 31}), "max_steps"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "size": 5_000}), "size"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "steps": 0}), "steps"),
    (lambda: train_runs(RUNS, data=fake_mnist(), group=0, **COMMON), "group"),
])
def test_bad_input_is_refused_by_name(make, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        make()


def test_settled_means_the_best_came_in_the_first_two_thirds():
    assert not settled([0.1, 0.2, 0.3])
    assert settled([0.3, 0.2, 0.1])
    assert not settled([0.1, 0.2, 0.4, 0.3])  # best at 3 of 4: in the last third
    assert settled([0.1, 0.3, 0.2])  # best at 2 of 3: not in the last third
    assert settled([0.1, 0.3, 0.2, 0.3, 0.2, 0.1])  # a tie counts at its first occurrence


def test_a_run_trains_until_settled_and_repeats_exactly():
    data = fake_mnist()
    rows = train_until_settled(Arm("both", p=0.5, input_p=0.5), 1, data=data, **SETTLE)
    val = [r["accuracy"] for r in rows if r["split"] == "validation"]
    steps = [r["step"] for r in rows if r["split"] == "validation"]
    assert steps == list(range(2, 2 * len(val) + 1, 2)) and rows[-1]["split"] == "train"
    assert steps[-1] == SETTLE["max_steps"] or (steps[-1] >= SETTLE["min_steps"] and settled(val))
    assert not any(settled(val[:k]) for k in range(2, len(val)) if steps[k - 1] >= SETTLE["min_steps"])
    assert train_until_settled(Arm("both", p=0.5, input_p=0.5), 1, data=data, **SETTLE) == rows


def test_the_settled_run_in_bfloat16_lands_near_float32():
    data = fake_mnist()
    fixed = {**SETTLE, "min_steps": 10, "max_steps": 10}
    f32 = train_until_settled(Arm("none"), 2, data=data, **fixed)
    bf16 = train_until_settled(Arm("none"), 2, data=data, dtype=torch.bfloat16, **fixed)
    assert [r["step"] for r in f32] == [r["step"] for r in bf16]
    assert f32 != bf16  # autocast really ran in bf16
    for a, b in zip(f32, bf16):
        assert a["loss"] == pytest.approx(b["loss"], rel=0.05, abs=0.02)
