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
    assert message in capsys.readouterr().err


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
