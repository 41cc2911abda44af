"""Every failure a learner can cause is one clear line: the CLI prints `lessonkit.mnist: error: ...`
and exits 2 (no traceback); the notebook API raises the same typed error with the same message."""
import subprocess
import sys

import pytest
import torch

import conftest
from lessonkit.core.checkpoints import CheckpointError
from lessonkit.core.data import MNIST_SIZES, MNISTDamagedError, copy_mnist_archives, mnist
from lessonkit.core.device import DeviceNotAvailableError, pick_device

needs_archives = pytest.mark.skipif(conftest.mnist_archives() is None, reason="offline MNIST archives not found")


def cli(*argv, env_data=None):
    """Run `python -m lessonkit.mnist` as a learner would; return (exit code, stdout, stderr)."""
    import os

    env = dict(os.environ)
    if env_data is not None:
        env["LESSONKIT_DATA"] = str(env_data)
    done = subprocess.run([sys.executable, "-m", "lessonkit.mnist", *argv], capture_output=True, text=True,
                          timeout=600, env=env)
    return done.returncode, done.stdout, done.stderr


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert "Traceback" not in stderr
    assert lines[0].startswith("lessonkit.mnist: error: ")
    return lines[0].removeprefix("lessonkit.mnist: error: ")


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_a_gpu_that_is_not_there():
    code, _, err = cli("--device", "cuda", "--epochs", "1")
    assert code == 2
    message = one_error_line(err)
    assert message == "device 'cuda' was asked for, but this machine has no CUDA GPU; use 'cpu'"
    with pytest.raises(DeviceNotAvailableError) as caught:
        pick_device("cuda")
    assert str(caught.value) == message  # the notebook API says the same


@needs_archives
def test_a_truncated_archive_is_reported_as_damaged_and_left_alone(tmp_path):
    raw = copy_mnist_archives(conftest.mnist_archives(), tmp_path)
    damaged = raw / "train-images-idx3-ubyte.gz"
    damaged.write_bytes(damaged.read_bytes()[:5000])
    code, _, err = cli("--subset", "100", "--epochs", "1", "--device", "cpu", env_data=tmp_path)
    assert code == 2
    message = one_error_line(err)
    assert str(damaged) in message and "is damaged" in message
    assert f"5,000 bytes where {MNIST_SIZES[damaged.name]:,} are expected" in message
    assert "md5 checksum does not match" in message and "Replace it with a good copy" in message
    assert damaged.stat().st_size == 5000  # neither replaced nor deleted
    with pytest.raises(MNISTDamagedError) as caught:
        mnist(train=True, root=tmp_path)
    assert str(caught.value) == message


@needs_archives
def test_a_checkpoint_from_other_settings_or_a_damaged_one(tmp_path, capsys):
    # in this process, through the program's main (the tests above run the program itself)
    from lessonkit.mnist import main

    def cli(*argv):
        code = main(list(argv))
        printed = capsys.readouterr()
        return code, printed.out, printed.err

    ckpt = tmp_path / "lab.pt"
    code, _, err = cli("--subset", "200", "--epochs", "1", "--device", "cpu", "--p", "0.3", "--checkpoint", str(ckpt))
    assert code == 0, err
    code, _, err = cli("--subset", "200", "--epochs", "2", "--device", "cpu", "--p", "0.5", "--checkpoint", str(ckpt))
    assert code == 2
    message = one_error_line(err)
    assert message.startswith(f"checkpoint {ckpt} was written by a run with other settings (p=0.3 there, 0.5 now")
    ckpt.write_bytes(ckpt.read_bytes()[:300])
    code, _, err = cli("--subset", "200", "--epochs", "2", "--device", "cpu", "--p", "0.3", "--checkpoint", str(ckpt))
    assert code == 2
    assert one_error_line(err).startswith(f"checkpoint {ckpt} is damaged or is not a lessonkit checkpoint")
    assert CheckpointError.__mro__[1] is RuntimeError  # the notebook API raises it as itself
