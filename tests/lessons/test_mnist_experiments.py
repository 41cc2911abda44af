"""Lesson 5's runs: a run trained until settled is the plain torch loop it documents, it differs
from another seed's only by dropout and repeats exactly, and validation never overlaps training."""
import pytest
import torch
import torch.nn.functional as F

import conftest
from lessonkit.core.mnist_data import random_subset
from lessonkit.core.training import Batches
from lessonkit.lessons.mnist.experiments import (
    Arm,
    _rows,
    experiment,
    max_norm_,
    recipe_network,
    settled,
    split_validation,
    train_recipe,
    train_until_settled,
)
from lessonkit.lessons.mnist.train import BATCH_SIZE, LR, evaluate

SETTLE = dict(size=200, eval_every=2, min_steps=4, max_steps=40, validation=300)


def fake_mnist(n_train=900, n_test=300, seed=0):
    return conftest.fake_mnist(n_train, n_test, seed)


def plain_run(arm, seed, *, data, size, eval_every, min_steps, max_steps, validation):
    """The reference: the same run written plainly in torch (unfused Adam, the plateau rule by hand)."""
    train_data, (x_test, y_test) = data
    pool, (x_val, y_val) = split_validation(train_data, validation)
    x, y = random_subset(*pool, size, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = arm.model()
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
        batches = Batches(x, y, BATCH_SIZE, torch.Generator().manual_seed(seed + 1))
        rows, accuracies, step, lr, best, waited = [], [], 0, LR, -1.0, 0
        while True:
            for index in batches.indices():
                model.train()
                optimizer.zero_grad()
                F.cross_entropy(model(x[index]), y[index]).backward()
                optimizer.step()
                step += 1
                if step % eval_every:
                    continue
                val, test = evaluate(model, x_val, y_val), evaluate(model, x_test, y_test)
                rows += [{**_rows(step, "validation", *val), "lr": lr}, {**_rows(step, "test", *test), "lr": lr}]
                accuracies.append(val[1])
                if val[1] > best:
                    best, waited = val[1], 0
                else:
                    waited += 1
                    if waited > 3:  # three measurements without a better one: a tenth of the rate
                        lr, waited = lr / 10, 0
                        for group in optimizer.param_groups:
                            group["lr"] = lr
                n = len(accuracies)
                first_best = accuracies.index(max(accuracies)) + 1
                cut_twice = lr <= LR / 100 * 1.01
                if step >= max_steps or (step >= min_steps and cut_twice and first_best <= 2 / 3 * n):
                    rows.append({**_rows(step, "train", *evaluate(model, x, y)), "lr": lr})
                    return rows


@pytest.mark.parametrize("arm, seed", [(Arm("none"), 1), (Arm("both", p=0.5, input_p=0.5), 2),
                                       (Arm("in", input_p=0.2), 3)])
def test_a_settled_run_is_the_plain_torch_loop_it_documents(arm, seed):
    data = fake_mnist()
    ours = train_until_settled(arm, seed, data=data, **SETTLE)
    plain = plain_run(arm, seed, data=data, **SETTLE)
    assert [(r["step"], r["split"], r["lr"]) for r in ours] == [(r["step"], r["split"], pytest.approx(r["lr"]))
                                                               for r in plain]
    for a, b in zip(ours, plain):  # fused against unfused Adam: float rounding only
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4, abs=1e-5)


def test_runs_differ_by_dropout_alone_and_repeat_exactly():
    data = fake_mnist()
    both = train_until_settled(Arm("both", p=0.5, input_p=0.5), 5, data=data, **SETTLE)
    assert train_until_settled(Arm("both", p=0.5, input_p=0.5), 5, data=data, **SETTLE) == both
    assert train_until_settled(Arm("none"), 5, data=data, **SETTLE) != both


def test_the_last_images_validate_and_training_subsets_come_from_the_rest():
    (x, y), _ = fake_mnist()
    (pool_x, _), (val_x, _) = split_validation((x, y), 300)
    assert len(val_x) == 300 and torch.equal(val_x, x[-300:]) and torch.equal(pool_x, x[:-300])


@pytest.mark.parametrize("make, name", [
    (lambda: Arm("x", p=1.0), "p"),
    (lambda: Arm("x", input_p=-0.1), "input_p"),
    (lambda: train_until_settled(Arm("x"), -1, data=fake_mnist(), **SETTLE), "seed"),
    (lambda: train_until_settled(Arm("x"), 1, data=fake_mnist(), **{**SETTLE, "size": 5_000}), "size"),
    (lambda: train_until_settled(Arm("x"), 1, data=fake_mnist(), **{**SETTLE, "min_steps": 1}), "min_steps"),
    (lambda: train_until_settled(Arm("x"), 1, data=fake_mnist(), **{**SETTLE, "max_steps": 31}), "max_steps"),
    (lambda: experiment("mnist-nothing"), "name"),
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


def test_the_settled_run_in_bfloat16_lands_near_float32():
    data = fake_mnist()
    fixed = {**SETTLE, "min_steps": 10, "max_steps": 10}
    f32 = train_until_settled(Arm("none"), 2, data=data, **fixed)
    bf16 = train_until_settled(Arm("none"), 2, data=data, dtype=torch.bfloat16, **fixed)
    assert [r["step"] for r in f32] == [r["step"] for r in bf16]
    assert f32 != bf16  # autocast really ran in bf16
    for a, b in zip(f32, bf16):
        assert a["loss"] == pytest.approx(b["loss"], rel=0.05, abs=0.02)


def deepnet_run(arm, seed, *, data, size, steps, eval_every, validation):
    """The paper's recipe as deepnet's edge update writes it: v = momentum * v + gradient,
    w = w - epsilon * v, then each unit's incoming weights limited to norm 3 (by hand here)."""
    train_data, (x_test, y_test) = data
    pool, (x_val, y_val) = split_validation(train_data, validation)
    x, y = random_subset(*pool, size, seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = recipe_network(arm)
        velocity = [torch.zeros_like(w) for w in model.parameters()]
        batches = Batches(x, y, BATCH_SIZE, torch.Generator().manual_seed(seed + 1))
        rows, step = [], 0
        while step < steps:
            for index in batches.indices():
                f = step / steps
                momentum, epsilon = (1 - f) * 0.5 + f * 0.95, 1.0 / (1 + step / (10_000 * steps / 100_000))
                model.train()
                model.zero_grad()
                F.cross_entropy(model(x[index]), y[index]).backward()
                with torch.no_grad():
                    for w, v in zip(model.parameters(), velocity):
                        v.mul_(momentum).add_(w.grad)
                        w.sub_(epsilon * v)
                        if w.ndim == 2:
                            norms = w.norm(dim=1, keepdim=True)
                            w.copy_(torch.where(norms > 3, w * 3 / norms, w))
                step += 1
                if step % eval_every == 0:
                    val, test = evaluate(model, x_val, y_val), evaluate(model, x_test, y_test)
                    rows += [_rows(step, "validation", *val), _rows(step, "test", *test)]
                if step == steps:
                    break
        rows.append(_rows(step, "train", *evaluate(model, x, y)))
    return rows


@pytest.mark.parametrize("arm", [Arm("none"), Arm("paper", p=0.5, input_p=0.2)])
def test_the_recipe_run_is_deepnets_update_written_by_hand(arm):
    data, settings = fake_mnist(), dict(size=200, steps=12, eval_every=3, validation=300)
    ours = train_recipe(arm, 4, data=data, **settings)
    plain = deepnet_run(arm, 4, data=data, **settings)
    assert [(r["step"], r["split"]) for r in ours] == [(r["step"], r["split"]) for r in plain]
    for a, b in zip(ours, plain):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-4, abs=1e-5)
        assert a["accuracy"] == pytest.approx(b["accuracy"])
    network = recipe_network(arm)
    assert [m.out_features for m in network if isinstance(m, torch.nn.Linear)] == [1024, 1024, 1024, 10]


def test_max_norm_shortens_only_the_rows_longer_than_the_limit():
    layer = torch.nn.Linear(50, 8)
    with torch.no_grad():
        layer.weight.mul_(torch.linspace(1, 40, 8)[:, None])  # rows from about norm 0.6 to about 23
    before = layer.weight.norm(dim=1)
    max_norm_(torch.nn.Sequential(layer))
    assert torch.allclose(layer.weight.norm(dim=1), before.clamp(max=3.0), rtol=1e-5)
    assert (before > 3).sum() >= 4 and (before < 3).sum() >= 1
