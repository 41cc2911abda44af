"""Which device the lessons compute on: a CUDA GPU, else Apple's MPS, else the CPU."""
import torch

from lessonkit.core.language import Message, tr

DEVICE_NAMES = ("cuda", "mps", "cpu")


class DeviceNotAvailableError(RuntimeError):
    """The device asked for is not on this machine."""


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def pick_device(name: str | None = None, *, verbose: bool = True) -> torch.device:
    """Return the device to compute on and print one line that says which and why.

    name: None (default) takes the best one present, in the order CUDA, MPS, CPU.
          "cuda", "cuda:N", "mps" or "cpu" asks for that one, and fails clearly if it
          is not there.
    On a CPU it also has torch flush denormal floats to zero (`flush_denormals`): call it before
    the first computation, as the lessons do.
    """
    if name is None:
        if torch.cuda.is_available():
            device = torch.device("cuda")
            why = Message("a CUDA GPU is available ({name})", name=torch.cuda.get_device_name(0))
        elif _mps_available():
            device = torch.device("mps")
            why = Message("no CUDA GPU, but Apple's Metal (MPS) backend is available")
        else:
            device = torch.device("cpu")
            why = Message("no CUDA GPU or Apple MPS device was found; every lesson runs on a CPU")
    else:
        device = _requested_device(name)
        why = Message("you asked for it")
    if verbose:
        print(tr("Using device: {device} ({why}).", device=device, why=why))
    if device.type == "cpu":
        flush_denormals()
    return device


def _requested_device(name: str) -> torch.device:
    kind = str(name).split(":")[0]
    if kind not in DEVICE_NAMES:
        raise ValueError(f"device must be one of {', '.join(DEVICE_NAMES)} (or cuda:N), got {name!r}")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"device {name!r} is not a valid device name: {err}") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise DeviceNotAvailableError(f"device {name!r} was asked for, but this machine has no CUDA GPU; use 'cpu'")
    if kind == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise DeviceNotAvailableError(
            f"device {name!r} was asked for, but only {torch.cuda.device_count()} CUDA GPU(s) exist")
    if kind == "mps" and not _mps_available():
        raise DeviceNotAvailableError(
            f"device {name!r} was asked for, but Apple's MPS backend is not available; use 'cpu'")
    return device


def cpu_flags() -> set[str]:
    """The feature flags of this machine's processor, as Linux lists them (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def training_dtype(device: torch.device) -> torch.dtype:
    """bfloat16 where the device multiplies it natively (a CUDA GPU that supports it, a CPU with
    AVX512-BF16 or AMX), else float32: the dtype the experiment runner's autocast uses."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu" and cpu_flags() & {"avx512_bf16", "amx_bf16"}:
        return torch.bfloat16
    return torch.float32


def flush_denormals() -> bool:
    """Have torch's CPU threads flush denormal floats to zero (x86 computes with them tens of times
    more slowly; Adam's decaying averages make them). Call it before the first computation: torch's
    worker threads copy the setting when they start. Returns False on a CPU that cannot flush."""
    return torch.set_flush_denormal(True)
