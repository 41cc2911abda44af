import ast
import importlib.util
import inspect

import pytest
import torch

import conftest
from lessonkit.core.checkpoints import CheckpointError
from lessonkit.core.data import REPO_ROOT
from lessonkit.core.seeding import seed_everything
from lessonkit.core.training import Batches
from lessonkit.lessons.mnist.train import accuracy, build_model, evaluate, run_lab, train_one_epoch


def seed_lab_model(p):
    """The network exactly as the original lab's code builds it (the benchmark's faithful copy)."""
    spec = importlib.util.spec_from_file_location("mnist_lab", REPO_ROOT / "benchmarks" / "mnist_lab.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    return benchmark.study_note_network(p)


@pytest.fixture(scope="module")
def small_mnist():
    """600 training and 300 test "images" of random pixels with learnable labels: MNIST's shapes."""
    return conftest.fake_mnist()


def test_model_matches_the_original_labs_layers_init_and_dropout_placement():
    torch.manual_seed(777)
    ours = build_model(0.3)
    torch.manual_seed(777)
    theirs = seed_lab_model(0.3)
    # the same layers in the same places, plain torch
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    linears = [m for m in ours if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 512), (512, 512), (512, 512), (512, 512),
                                                                  (512, 10)]
    assert [m.p for m in ours if isinstance(m, torch.nn.Dropout)] == [0.3] * 4
    assert isinstance(ours[-1], torch.nn.Linear)  # no dropout (or ReLU) on the output
    # same random draws in the same order: identical weights and biases, Xavier-uniform included
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert torch.equal(a, b), name
    bound = (6 / (784 + 512)) ** 0.5
    assert linears[0].weight.abs().max() <= bound and linears[0].weight.abs().max() > 0.99 * bound


def test_input_p_puts_one_dropout_before_the_first_layer_and_changes_nothing_else():
    torch.manual_seed(777)
    lab = build_model(0.3)
    torch.manual_seed(777)
    strong = build_model(0.5, input_p=0.2)
    assert type(strong[0]) is torch.nn.Dropout and strong[0].p == 0.2
    assert [type(m) for m in strong[1:]] == [type(m) for m in lab]
    assert [m.p for m in strong[1:] if isinstance(m, torch.nn.Dropout)] == [0.5] * 4
    for (name, a), (_, b) in zip(strong[1:].state_dict().items(), lab.state_dict().items()):
        assert torch.equal(a, b), name  # the same weights: the extra layer draws nothing at build time
    assert not any(isinstance(m, torch.nn.Dropout) for m in lab[:1])  # default: the lab, no input dropout


def test_input_dropout_zeroes_input_pixels_in_train_mode_only():
    model = build_model(0.0, input_p=0.5)
    first = model[0]
    x = torch.rand(200, 784) + 0.5
    torch.manual_seed(3)
    dropped = (first(x) == 0).float().mean().item()
    assert 0.45 < dropped < 0.55
    model.eval()
    assert torch.equal(first(x), x)


@pytest.mark.parametrize("input_p, error", [(1.0, ValueError), (-0.1, ValueError), (True, TypeError)])
def test_bad_input_p_is_refused_by_name(input_p, error, small_mnist):
    with pytest.raises(error, match=r"input_p must be"):
        build_model(0.3, input_p=input_p)
    with pytest.raises(error, match=r"input_p must be"):
        run_lab(0.3, input_p=input_p, epochs=1, data=small_mnist, device="cpu", show_progress=False)


def test_build_model_p_zero_has_dropout_that_does_nothing():
    model = build_model(0).train()
    x = torch.rand(8, 784)
    assert torch.equal(model(x), model(x))


@pytest.mark.parametrize("p, error", [
    (1.0, ValueError),
    (-0.1, ValueError),
    (1.2, ValueError),
    (float("nan"), ValueError),
    ("0.3", TypeError),
])
def test_bad_p_is_refused_with_the_valid_range(p, error):
    with pytest.raises(error, match=r"^p must be"):
        build_model(p)


def test_a_short_seeded_run_on_mnist_gives_identical_histories_twice(small_mnist):
    runs = [run_lab(0.3, epochs=2, seed=5, device=torch.device("cpu"), data=small_mnist, show_progress=False)
            for _ in range(2)]
    (model_a, first), (model_b, second) = runs
    assert first.columns.keys() >= {"train_loss", "test_loss", "test_acc"}
    for column in ("train_loss", "test_loss", "test_acc"):
        assert first[column] == second[column]
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert torch.equal(a, b)
    _, other = run_lab(0.3, epochs=2, seed=6, device=torch.device("cpu"), data=small_mnist, show_progress=False)
    assert other["train_loss"] != first["train_loss"]  # the seed matters
    assert first["test_loss"][-1] < first["test_loss"][0]  # it learns


def test_run_lab_is_build_model_then_train_one_epoch_and_evaluate_each_epoch(small_mnist):
    model, history = run_lab(0.3, epochs=2, seed=8, data=small_mnist, device="cpu", show_progress=False)
    (x, y), (x_test, y_test) = small_mnist
    seed_everything(8)
    mine = build_model(0.3)
    optimizer = torch.optim.Adam(mine.parameters(), lr=1e-3)
    batches = Batches(x, y, 100, torch.Generator().manual_seed(8))
    for epoch in range(2):
        assert train_one_epoch(mine, optimizer, batches) == history["train_loss"][epoch]
        assert evaluate(mine, x_test, y_test) == (history["test_loss"][epoch], history["test_acc"][epoch])
    for a, b in zip(model.parameters(), mine.parameters()):
        assert torch.equal(a, b)


def test_eval_mode_accuracy_is_deterministic_and_train_mode_is_not(small_mnist):
    torch.manual_seed(3)
    model = build_model(0.3)  # untrained: the modes differ all the same
    x_test, y_test = small_mnist[1]
    model.eval()
    assert len({accuracy(model, x_test, y_test) for _ in range(5)}) == 1
    model.train()
    assert len({accuracy(model, x_test, y_test) for _ in range(5)}) > 1


def test_run_lab_subset_larger_than_the_data_is_refused(small_mnist):
    with pytest.raises(ValueError, match=r"size must be in \[1, 600\]"):
        run_lab(0.3, epochs=1, subset=601, data=small_mnist, device=torch.device("cpu"), show_progress=False)


def test_resuming_a_lab_checkpoint_with_another_p_is_refused(small_mnist, tmp_path):
    ckpt = tmp_path / "runs" / "lab.pt"
    run_lab(0.3, epochs=1, seed=1, data=small_mnist, device="cpu", checkpoint=ckpt, show_progress=False)
    with pytest.raises(CheckpointError, match=r"p=0.3 there, 0.5 now"):
        run_lab(0.5, epochs=2, seed=1, data=small_mnist, device="cpu", checkpoint=ckpt,
                show_progress=False)


def lab_run(data, epochs, checkpoint=None):
    return run_lab(0.3, epochs=epochs, seed=1, data=data, device="cpu", checkpoint=checkpoint, show_progress=False)


def test_a_lab_resumed_from_its_checkpoint_continues_exactly(small_mnist, tmp_path):
    _, straight = lab_run(small_mnist, 3)
    ckpt = tmp_path / "runs" / "lab.pt"
    lab_run(small_mnist, 1, ckpt)
    _, resumed = lab_run(small_mnist, 3, ckpt)
    assert resumed["epoch"] == [1, 2, 3]
    assert resumed["train_loss"] == straight["train_loss"] and resumed["test_loss"] == straight["test_loss"]
    assert [p.name for p in ckpt.parent.iterdir()] == ["lab.pt"]  # no temporary file left


def test_a_damaged_lab_checkpoint_is_refused_clearly(small_mnist, tmp_path):
    ckpt = tmp_path / "lab.pt"
    lab_run(small_mnist, 1, ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="is damaged"):
        lab_run(small_mnist, 2, ckpt)


def test_a_save_cut_short_keeps_the_old_checkpoint_and_leaves_no_partial_file(small_mnist, tmp_path, monkeypatch):
    ckpt = tmp_path / "lab.pt"
    lab_run(small_mnist, 1, ckpt)
    before = ckpt.read_bytes()
    real_save = torch.save

    def save_half_then_fail(obj, f):
        real_save(obj, f)
        with open(f, "r+b") as handle:
            handle.truncate(100)
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", save_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        lab_run(small_mnist, 2, ckpt)
    assert ckpt.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lab.pt"]


def lesson_network(p):
    """The network as lesson 5 writes it out: plain torch.nn, layer by layer."""
    linears = [torch.nn.Linear(784, 512), torch.nn.Linear(512, 512), torch.nn.Linear(512, 512),
               torch.nn.Linear(512, 512), torch.nn.Linear(512, 10)]
    for linear in linears:
        torch.nn.init.xavier_uniform_(linear.weight)
    layers = []
    for linear in linears[:-1]:
        layers += [linear, torch.nn.ReLU(), torch.nn.Dropout(p)]
    return torch.nn.Sequential(*layers, linears[-1])


def test_a_network_written_out_by_hand_trains_exactly_as_the_one_run_lab_builds(small_mnist):
    _, built = run_lab(0.3, epochs=2, seed=4, data=small_mnist, device="cpu", show_progress=False)
    seed_everything(4)
    given = lesson_network(0.3)
    _, mine = run_lab(model=given, epochs=2, seed=4, data=small_mnist, device="cpu", show_progress=False)
    assert mine["test_loss"] == built["test_loss"] and mine["train_loss"] == built["train_loss"]


def test_a_checkpoint_of_a_given_network_records_its_dropout(small_mnist, tmp_path):
    ckpt = tmp_path / "runs" / "given.pt"
    seed_everything(1)
    run_lab(model=lesson_network(0.3), epochs=1, seed=1, data=small_mnist, device="cpu", checkpoint=ckpt,
            show_progress=False)
    seed_everything(1)
    with pytest.raises(CheckpointError, match=r"p=\[0.3, 0.3, 0.3, 0.3\] there"):
        run_lab(model=lesson_network(0.5), epochs=2, seed=1, data=small_mnist, device="cpu", checkpoint=ckpt,
                show_progress=False)


def test_the_notebooks_loop_is_the_one_run_lab_runs():
    from notebook_code import definitions, same_code

    from lessonkit.lessons.mnist import train as lab

    shown = definitions("05_mnist_dropout.ipynb")
    for name in ("train_one_epoch", "evaluate"):
        package = ast.parse(inspect.getsource(getattr(lab, name))).body[0]
        assert same_code(shown[name], package), f"notebook 05's {name} is not lessonkit's"


def test_the_notebooks_network_is_build_model(small_mnist):
    from notebook_code import notebook_functions

    lab_network, = notebook_functions("05_mnist_dropout.ipynb", "lab_network")
    for p, input_p in ((0.3, 0.0), (0.5, 0.2)):
        torch.manual_seed(5)
        shown = lab_network(p, input_p)
        torch.manual_seed(5)
        ours = build_model(p, input_p)
        assert repr(shown) == repr(ours)
        for a, b in zip(shown.state_dict().values(), ours.state_dict().values()):
            assert torch.equal(a, b)


def test_the_lab_in_bfloat16_learns_as_in_float32_and_leaves_the_model_as_it_was(small_mnist):
    # autocast covers the forward passes only: with the backward pass or Adam's step under it, the
    # lab learned nothing (a test accuracy of 11% on MNIST), which this catches
    runs = {dtype: run_lab(0.3, epochs=3, seed=1, data=small_mnist, device="cpu", fused=True, dtype=dtype,
                           show_progress=False) for dtype in (torch.float32, torch.bfloat16)}
    (_, f32), (bf16_model, bf16) = runs[torch.float32], runs[torch.bfloat16]
    assert bf16["train_loss"][-1] < 0.8 * bf16["train_loss"][0]
    assert bf16["test_acc"][-1] == pytest.approx(f32["test_acc"][-1], abs=0.05)
    assert not bf16_model._forward_hooks and not bf16_model._forward_pre_hooks
    assert not torch.is_autocast_enabled("cpu")
