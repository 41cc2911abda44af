"""Lesson 5's stacked runs: each run ends where it would end trained alone, it is the lab's
plain network, and settings are chosen on validation data, never on the test set."""
import math

import pytest
import torch

from lessonkit.lessons.mnist.experiments import (
    Dropouts,
    Run,
    RunResult,
    StackedMLP,
    choose_on_validation,
    evaluate_stacked,
    paired_gain,
    summary_table,
    train_runs,
)

SMALL = (784, 24, 16, 10)


def fake_mnist(n_train=700, n_test=300, seed=0):
    """Random 'images' whose label is a linear function of the pixels: learnable, fast."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_test, 784, generator=g)
    y = (x @ torch.randn(784, 10, generator=g)).argmax(1)
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])


RUNS = [Run(Dropouts("no dropout"), 1), Run(Dropouts("both", 0.5, 0.2), 2), Run(Dropouts("hidden", 0.3), 3)]
COMMON = dict(size=200, steps=12, curve_every=5, sizes=SMALL, validation=200, show_progress=False)


def test_a_stacked_run_ends_where_it_ends_alone():
    data = fake_mnist()
    together = train_runs(RUNS, data=data, group=len(RUNS), **COMMON)
    one_at_a_time = train_runs(RUNS, data=data, group=1, **COMMON)
    for run, stacked, alone in zip(RUNS, together, one_at_a_time):
        assert stacked.run == alone.run == run
        for field in ("test_loss", "test_acc", "val_loss", "val_acc", "train_acc"):
            assert getattr(stacked, field) == pytest.approx(getattr(alone, field), abs=1e-5), field
        assert stacked.curve_val_loss == pytest.approx(alone.curve_val_loss, abs=1e-5)
        assert stacked.curve_steps == [5, 10, 12]


def test_without_dropout_a_run_is_the_lab_network_trained_with_adam():
    """The same first weights, the same batches: torch.nn.Sequential + torch.optim.Adam agree."""
    data = fake_mnist()
    (x, y), _ = data
    run = Run(Dropouts("no dropout"), 5)
    model = StackedMLP([run], SMALL)
    plain = model.member_network(0)
    optimizer = torch.optim.Adam(plain.parameters(), lr=1e-3)
    stacked_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(10):
        index = torch.randint(0, len(x), (100,), generator=g)
        for net, opt in ((plain, optimizer), (model, stacked_optimizer)):
            logits = net(x[index]).reshape(-1, 10)
            loss = torch.nn.functional.cross_entropy(logits, y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
    again = model.member_network(0)
    for mine, theirs in zip(again.parameters(), plain.parameters()):
        assert torch.allclose(mine, theirs, atol=1e-6)


def test_member_network_prints_as_the_lab_and_computes_the_same():
    model = StackedMLP(RUNS, SMALL).eval()
    net = model.member_network(1)  # input dropout 0.2, hidden 0.5
    kinds = [type(layer).__name__ for layer in net]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [layer.p for layer in net if isinstance(layer, torch.nn.Dropout)] == [0.2, 0.5, 0.5]
    x = torch.rand(7, 784)
    assert torch.allclose(net.eval()(x), model(x)[1], atol=1e-6)


def test_first_weights_follow_xavier_uniform_and_differ_by_seed():
    model = StackedMLP([Run(Dropouts("a"), 1), Run(Dropouts("b"), 2), Run(Dropouts("c"), 1)], (784, 512, 10))
    w = model.weights[0]
    bound = math.sqrt(6 / (784 + 512))
    assert w.abs().max() <= bound and w.abs().max() > 0.99 * bound
    assert w[0].std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert not torch.equal(w[0], w[1]) and torch.equal(w[0], w[2])  # the seed fixes them


def test_dropout_keeps_1_minus_p_and_scales_like_torch():
    model = StackedMLP([Run(Dropouts("none"), 1), Run(Dropouts("half", 0.5), 2)], SMALL).train()
    h = torch.ones(2, 1000, 50)
    out = model._drop(h, [0.0, 0.5])
    assert torch.equal(out[0], h[0])
    assert set(out[1].unique().tolist()) == {0.0, 2.0}  # torch.nn.Dropout's 1/(1-p)
    assert (out[1] > 0).float().mean().item() == pytest.approx(0.5, abs=0.01)
    reference = torch.nn.Dropout(0.5).train()(h[1])
    assert out[1].mean().item() == pytest.approx(reference.mean().item(), abs=0.02)
    model.eval()
    assert torch.equal(model._drop(h, [0.0, 0.5]), h)


def test_evaluate_stacked_agrees_with_a_plain_evaluation():
    model = StackedMLP(RUNS, SMALL)
    x, y = torch.rand(500, 784), torch.randint(0, 10, (500,))
    losses, accs = evaluate_stacked(model, x, y, chunk=128)
    for k in range(len(RUNS)):
        with torch.no_grad():
            logits = model.member_network(k).eval()(x)
        assert losses[k] == pytest.approx(torch.nn.functional.cross_entropy(logits, y).item(), rel=1e-5)
        assert accs[k] == pytest.approx((logits.argmax(1) == y).float().mean().item())
    assert model.training  # left as it was


def result(name, seed, test_acc, val_acc):
    return RunResult(Run(Dropouts(name), seed), 1000, 10, 0.5, test_acc, 0.5, val_acc, 1.0, [], [], [])


def test_choice_is_made_on_validation_not_on_test():
    results = [result("a", s, test_acc=0.95, val_acc=0.90) for s in (1, 2, 3)]
    results += [result("b", s, test_acc=0.90, val_acc=0.93) for s in (1, 2, 3)]
    assert choose_on_validation(results) == "b"  # the test set would have said "a"


def test_paired_gain_pairs_by_seed():
    results = [result("none", s, acc, 0) for s, acc in ((1, 0.90), (2, 0.80), (3, 0.85))]
    results += [result("drop", s, acc, 0) for s, acc in ((1, 0.91), (2, 0.82), (3, 0.85))]
    mean, se, wins, n = paired_gain(results, "drop", "none")
    assert mean == pytest.approx(0.01) and n == 3 and wins == 2
    assert se == pytest.approx(0.01 / math.sqrt(3))
    table = summary_table(results, baseline="none")
    assert "+1.00 ± 0.58 points (2/3 seeds)" in table


@pytest.mark.parametrize("make, name", [
    (lambda: Dropouts("x", p=1.0), "p"),
    (lambda: Dropouts("x", input_p=-0.1), "input_p"),
    (lambda: Run(Dropouts("x"), seed=-1), "seed"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "size": 5_000}), "size"),
    (lambda: train_runs(RUNS, data=fake_mnist(), **{**COMMON, "steps": 0}), "steps"),
    (lambda: train_runs(RUNS, data=fake_mnist(), group=0, **COMMON), "group"),
])
def test_bad_input_is_refused_by_name(make, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        make()
