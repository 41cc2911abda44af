import signal

import pytest
import torch

from lessonkit.core.checkpoints import CheckpointError
from lessonkit.core.history import History
from lessonkit.core.training import Batches, eval_mode, evaluate, train


def toy_classification(seed=0, n=240):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    return (x[:200], y[:200]), (x[200:], y[200:])


def toy_regression(seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1, 1, 60).unsqueeze(1)
    y = torch.sin(3 * x) + 0.1 * torch.randn(x.shape, generator=g)
    return (x[::2], y[::2]), (x[1::2], y[1::2])


def make_model(seed=0, out=2, p=0.2):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2 if out == 2 else 1, 32), torch.nn.ReLU(), torch.nn.Dropout(p),
                               torch.nn.Linear(32, out))


def run(epochs=3, seed=0, **kwargs):
    model = make_model(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = train(model, optimizer, torch.nn.CrossEntropyLoss(), *toy_classification(), epochs=epochs, batch_size=16,
                    seed=seed, show_progress=False, **kwargs)
    return model, optimizer, history


def test_batches_visit_every_index_once_minus_the_dropped_tail():
    x = torch.arange(103)
    batches = Batches(x, x, batch_size=10, generator=torch.Generator().manual_seed(1))
    seen = torch.cat([xb for xb, _ in batches])
    assert len(batches) == 10 and len(seen) == 100
    assert len(set(seen.tolist())) == 100  # no index twice
    assert seen.tolist() != list(range(100))  # shuffled


def test_batches_order_is_fixed_by_the_seed_and_changes_each_epoch():
    x = torch.arange(50)

    def order(seed):
        return [xb.tolist() for xb, _ in Batches(x, x, 10, torch.Generator().manual_seed(seed))]

    assert order(3) == order(3)
    assert order(3) != order(4)
    batches = Batches(x, x, 10, torch.Generator().manual_seed(3))
    assert [b.tolist() for b, _ in batches] != [b.tolist() for b, _ in batches]


def test_history_has_one_row_per_epoch_and_a_rerun_is_identical():
    _, _, first = run(epochs=4)
    _, _, second = run(epochs=4)
    assert len(first) == 4 and first["epoch"] == [1, 2, 3, 4]
    for column in ("train_loss", "train_acc", "test_loss", "test_acc"):
        assert first[column] == second[column]
    assert first["train_loss"][-1] < first["train_loss"][0]  # it learns


def test_regression_history_and_eval_train():
    model = make_model(out=1)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    train_data, test_data = toy_regression()
    history = train(model, optimizer, torch.nn.MSELoss(), train_data, test_data, epochs=5, batch_size=10, seed=1,
                    task="regression", eval_train=True, show_progress=False)
    assert set(history.columns) == {"epoch", "train_loss", "train_eval_loss", "test_loss", "seconds"}
    loss, acc = evaluate(model, torch.nn.MSELoss(), *train_data, task="regression")
    assert acc is None and loss == pytest.approx(history["train_eval_loss"][-1])


def test_evaluate_is_deterministic_in_eval_mode_and_restores_the_mode():
    model, _, _ = run(epochs=2)
    model.train()
    _, test = toy_classification()
    assert evaluate(model, torch.nn.CrossEntropyLoss(), *test) == evaluate(model, torch.nn.CrossEntropyLoss(), *test)
    assert model.training
    train_mode = {model(test[0]).argmax(1).tolist().__str__() for _ in range(5)}
    assert len(train_mode) > 1  # dropout on: predictions change from call to call


def test_interrupt_keeps_model_and_finished_epochs(monkeypatch):
    calls = {"n": 0}
    original = torch.optim.Adam.step

    def step_then_interrupt(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 30:  # during epoch 3 (12 batches an epoch)
            signal.raise_signal(signal.SIGINT)
        return result

    monkeypatch.setattr(torch.optim.Adam, "step", step_then_interrupt)
    model, optimizer, history = run(epochs=5)
    assert history.interrupted and len(history) == 2
    assert calls["n"] == 30  # stopped right after the batch in progress
    assert optimizer.state_dict()["state"][0]["step"].item() == 30  # model and optimizer agree
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_resume_continues_the_history_exactly(tmp_path):
    _, _, straight = run(epochs=4)
    ckpt = tmp_path / "runs" / "toy.pt"
    run(epochs=2, checkpoint=ckpt)
    _, _, resumed = run(epochs=4, checkpoint=ckpt, resume=True)
    assert resumed["epoch"] == [1, 2, 3, 4]
    assert resumed["test_loss"] == straight["test_loss"]
    assert resumed["train_loss"] == straight["train_loss"]
    assert [p.name for p in ckpt.parent.iterdir()] == ["toy.pt"]  # no temp file left


def test_truncated_checkpoint_is_rejected_clearly(tmp_path):
    ckpt = tmp_path / "toy.pt"
    run(epochs=1, checkpoint=ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="is damaged"):
        run(epochs=2, checkpoint=ckpt, resume=True)


@pytest.mark.parametrize("kwargs, error, text", [
    ({"epochs": 0}, ValueError, "epochs must be >= 1, got 0"),
    ({"epochs": 2.5}, TypeError, "epochs must be an int"),
    ({"task": "ranking"}, ValueError, "task must be one of 'classification', 'regression', got 'ranking'"),
])
def test_bad_arguments(kwargs, error, text):
    kwargs = {"epochs": 1, **kwargs}
    with pytest.raises(error, match=text):
        run(**kwargs)


def test_bad_batch_size():
    x = torch.zeros(10)
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 10\], got 0"):
        Batches(x, x, 0, torch.Generator())
    with pytest.raises(ValueError, match=r"batch_size must be in \[1, 10\]"):
        Batches(x, x, 11, torch.Generator())


def test_history_repr_and_table():
    history = History()
    history.add(epoch=1, test_acc=0.5)
    assert "1 epochs" in repr(history) and "test_acc=0.5000" in repr(history)
    assert history.table().splitlines()[1].split() == ["1", "0.5000"]


def test_train_gives_the_weights_of_a_plain_textbook_loop_over_the_same_batches():
    model, optimizer, history = run(epochs=3, seed=4)
    # the textbook loop: the same batches (seeded order), dropout masks from the same stream
    plain = make_model(4)
    plain_optimizer = torch.optim.Adam(plain.parameters(), lr=1e-2)
    (x, y), _ = toy_classification()
    generator = torch.Generator().manual_seed(4)
    loss_fn = torch.nn.CrossEntropyLoss()
    losses = []
    for _epoch in range(3):
        plain.train()
        order = torch.randperm(len(x), generator=generator)
        epoch_loss = 0.0
        for i in range(len(x) // 16):
            index = order[i * 16 : (i + 1) * 16]
            plain_optimizer.zero_grad()
            loss = loss_fn(plain(x[index]), y[index])
            loss.backward()
            plain_optimizer.step()
            epoch_loss += loss.item()
        losses.append(epoch_loss / (len(x) // 16))
        plain.eval()  # train() evaluates after each epoch: no random draws there
    for ours, theirs in zip(model.parameters(), plain.parameters()):
        torch.testing.assert_close(ours, theirs)
    assert history["train_loss"] == pytest.approx(losses, rel=1e-6)


def test_eval_mode_restores_the_mode_even_after_an_error():
    model = make_model()
    model.train()
    with pytest.raises(RuntimeError), eval_mode(model):
        assert not model.training
        raise RuntimeError("inside")
    assert model.training
    model.eval()
    with eval_mode(model, training=True):
        assert model.training
    assert not model.training


def test_a_save_cut_short_keeps_the_old_checkpoint_and_leaves_no_partial_file(tmp_path, monkeypatch):
    ckpt = tmp_path / "toy.pt"
    run(epochs=1, checkpoint=ckpt)
    before = ckpt.read_bytes()
    real_save = torch.save

    def save_half_then_fail(obj, f):
        real_save(obj, f)
        with open(f, "r+b") as handle:
            handle.truncate(100)
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", save_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        run(epochs=2, checkpoint=ckpt, resume=True)
    assert ckpt.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["toy.pt"]


def test_resume_under_other_settings_is_refused_by_name(tmp_path):
    ckpt = tmp_path / "toy.pt"
    run(epochs=1, checkpoint=ckpt, settings={"p": 0.2, "lr": 0.01})
    with pytest.raises(CheckpointError, match=r"other settings \(p=0.2 there, 0.5 now\)"):
        run(epochs=2, checkpoint=ckpt, resume=True, settings={"p": 0.5, "lr": 0.01})
    _, _, resumed = run(epochs=2, checkpoint=ckpt, resume=True, settings={"p": 0.2, "lr": 0.01})
    assert resumed["epoch"] == [1, 2]
