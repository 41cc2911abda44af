"""`python -m lessonkit.mnist`: the lab as a program, with lessonkit's speed-ups on."""
import pytest

from lessonkit.mnist import main, parse_args


@pytest.mark.parametrize("argv, message", [
    (["--p", "1.2"], "p must be in [0, 1), got 1.2"),
    (["--p", "abc"], "--p must be a number in [0, 1)"),
    (["--input-p", "1"], "--input-p must be in [0, 1), got 1.0"),
    (["--input-p", "-0.2"], "--input-p must be in [0, 1), got -0.2"),
    (["--epochs", "0"], "--epochs must be a whole number >= 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be a whole number >= 1, got 0"),
    (["--subset", "70000"], "--subset: must be in [1, 60000]"),
    (["--subset", "50", "--batch-size", "100"], "--batch-size: must be in [1, 50]"),
    (["--device", "tpu"], "--device must be one of cuda, mps, cpu"),
    (["--lr", "-1"], "--lr must be a finite number > 0, got -1.0"),
    (["--lr", "inf"], "--lr must be a finite number > 0, got inf"),
    (["--lr", "fast"], "--lr must be a number > 0, got 'fast'"),
    (["--seed", "-1"], "--seed must be in [0, 2**32), got -1"),
    (["--seed", "1.5"], "--seed must be a whole number in [0, 2**32)"),
    (["--dtype", "half"], "--dtype: invalid choice: 'half'"),
])
def test_cli_rejects_bad_arguments_naming_the_argument_and_valid_values(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    # one line, as a learner sees it: the program's name, the argument, the valid values, where to look
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("lessonkit.mnist: error: argument --") and err.strip().endswith("(--help lists every option)")


def test_cli_defaults_are_the_original_recipe():
    args = parse_args([])
    assert ((args.p, args.input_p, args.epochs, args.batch_size, args.lr, args.seed, args.subset)
            == (0.3, 0.0, 15, 100, 1e-3, 777, None))


def test_cli_runs_and_prints_the_table_and_final_accuracy(capsys):
    assert main(["--subset", "300", "--epochs", "2", "--device", "cpu", "--seed", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Using device: cpu")
    out = out[1:]
    header = out[0].split()
    assert header[:2] == ["epoch", "train_loss"] and "test_acc" in header
    assert [line.split()[0] for line in out[1:3]] == ["1", "2"]  # one row per epoch, in order
    last_acc = float(out[2].split()[header.index("test_acc")])
    assert out[3].startswith(f"Final test accuracy: {100 * last_acc:.2f}%")


def test_cli_as_a_program_flushes_denormals_and_trains_in_the_dtype_asked_for():
    import subprocess
    import sys

    program = ("import sys, torch, lessonkit.mnist as lab; sys.argv = ['lab', '--subset', '300', '--epochs', '1', "
               "'--device', 'cpu', '--input-p', '0.2', '--dtype', 'float32']; code = lab.run(); "
               "print('denormal flushed:', bool(torch.tensor([1e-39]) * 1 == 0)); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Final test accuracy:" in done.stdout and "on cpu, float32)" in done.stdout
    assert "denormal flushed: True" in done.stdout


def test_the_programs_masks_are_lesson_2s_and_drawn_as_nn_dropout_draws_them():
    """The program draws its masks with `torch.rand(...) >= p` (`run_lab(..., rand_masks=True)`: lesson 2's
    Dropout), not nn.Dropout's bernoulli_: the same layers and p, and masks equal in distribution. Over 200 masks of a
    (100, 512) activation at p = 0.3, each draw's keep rate passes a binomial test at 1 - p, as
    nn.Dropout's do; the two keep rates agree (a two-sample test); a unit's mask is independent of its
    neighbour's and of the next call's; and a kept value is scaled by 1 / (1 - p) in both."""
    import scipy.stats
    import torch
    from torch import nn

    import conftest
    from lessonkit.lessons.dropout.model import Dropout
    from lessonkit.lessons.mnist.train import run_lab

    data = conftest.fake_mnist(200, 100)
    ours, _ = run_lab(0.3, input_p=0.2, epochs=1, seed=5, data=data, show_progress=False, rand_masks=True)
    theirs, _ = run_lab(0.3, input_p=0.2, epochs=1, seed=5, data=data, show_progress=False)
    assert [type(m) for m in ours if not isinstance(m, Dropout)] == [
        type(m) for m in theirs if not isinstance(m, nn.Dropout)]
    assert [m.p for m in ours if isinstance(m, Dropout)] == [m.p for m in theirs if isinstance(m, nn.Dropout)]
    assert ours.state_dict().keys() == theirs.state_dict().keys()  # trained on other masks: other weights

    x = torch.ones(100, 512)
    torch.manual_seed(0)
    mine = torch.stack([Dropout(0.3)(x) for _ in range(200)])
    torchs = torch.stack([nn.Dropout(0.3)(x) for _ in range(200)])
    for masks in (mine, torchs):
        assert set(masks.unique().tolist()) == {0.0, 1 / 0.7} or torch.allclose(
            masks[masks != 0], torch.full_like(masks[masks != 0], 1 / 0.7))
        kept = (masks != 0).sum().item()
        assert scipy.stats.binomtest(kept, masks.numel(), 0.7).pvalue > 1e-3
        flat = (masks != 0).float()
        neighbours = scipy.stats.pearsonr(flat[:, :, :-1].flatten(), flat[:, :, 1:].flatten())[0]
        next_call = scipy.stats.pearsonr(flat[:-1].flatten(), flat[1:].flatten())[0]
        assert abs(neighbours) < 0.01 and abs(next_call) < 0.01
    table = [[(m != 0).sum().item(), (m == 0).sum().item()] for m in (mine, torchs)]
    assert scipy.stats.chi2_contingency(table).pvalue > 1e-3


def test_the_program_asks_run_lab_for_rand_masks(monkeypatch, capsys):
    import lessonkit.mnist as program

    asked = {}
    real = program.run_lab
    monkeypatch.setattr(program, "run_lab", lambda *a, **k: asked.update(k) or real(*a, **k))
    assert main(["--subset", "100", "--epochs", "1", "--device", "cpu"]) == 0
    assert asked["rand_masks"] is True and asked["fused"] is True
