import pytest
import torch

from lessonkit.core import device as device_module
from lessonkit.core.device import pick_device


def fake_hardware(monkeypatch, cuda: bool, mps: bool):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index=0: "Fake GPU")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1 if cuda else 0)
    monkeypatch.setattr(device_module, "_mps_available", lambda: mps)


@pytest.mark.parametrize(
    "cuda, mps, expected, reason",
    [
        (True, True, "cuda", "a CUDA GPU is available (Fake GPU)"),
        (False, True, "mps", "Apple's Metal (MPS)"),
        (False, False, "cpu", "no CUDA GPU or Apple MPS device"),
    ],
)
def test_prefers_cuda_then_mps_then_cpu_and_says_why(monkeypatch, capsys, cuda, mps, expected, reason):
    fake_hardware(monkeypatch, cuda, mps)
    assert pick_device().type == expected
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Using device: {expected} (") and reason in lines[0]


def test_quiet_when_asked(monkeypatch, capsys):
    fake_hardware(monkeypatch, False, False)
    pick_device(verbose=False)
    assert capsys.readouterr().out == ""


def test_requested_device_is_used(monkeypatch):
    fake_hardware(monkeypatch, True, False)
    assert pick_device("cpu", verbose=False) == torch.device("cpu")
    assert pick_device("cuda:0", verbose=False) == torch.device("cuda:0")


@pytest.mark.parametrize("name", ["gpu", "tpu", "", "cuda0"])
def test_unknown_device_names_the_valid_ones(name):
    with pytest.raises(ValueError, match="device must be one of cuda, mps, cpu"):
        pick_device(name)


def test_missing_requested_device_says_so(monkeypatch):
    fake_hardware(monkeypatch, False, False)
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        pick_device("cuda")
    with pytest.raises(RuntimeError, match="MPS backend is not available"):
        pick_device("mps")
    fake_hardware(monkeypatch, True, False)
    with pytest.raises(RuntimeError, match="only 1 CUDA GPU"):
        pick_device("cuda:3")
