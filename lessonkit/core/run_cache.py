"""Reuse finished training runs, when asked to: a folder of results keyed by all that made them.

    export LESSONKIT_RUN_CACHE=runs/cache    # then run a lesson twice: the second time loads

Unset (the default), nothing is stored or loaded and every lesson trains every run, as it
reads. Set to a folder, lesson 5's `run_lab` and `train_runs` and lesson 3's
`compare_regularizers` store each finished result there and load it, instead of training
again, when the same run is asked for again: the same settings, the same first weights (or
the same seeds that make them), the same data, device type and torch version. The results
are those the training gave; only the time differs.

Who uses it: an instructor who runs lessons 3 and 5 before class, so that Run All in class
takes a minute; and CI, where nbval executes the lessons with an empty cache and the browser
test then runs the same notebooks in JupyterLab from it, so their long training runs once
per CI run.
"""
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import torch

ENV = "LESSONKIT_RUN_CACHE"


def cache_dir() -> Path | None:
    """The folder named by $LESSONKIT_RUN_CACHE, or None when caching is off."""
    folder = os.environ.get(ENV, "").strip()
    return Path(folder) if folder else None


def _feed(digest, value) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().to("cpu").contiguous()
        digest.update(f"tensor{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            digest.update(repr(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(digest, item)
    else:
        digest.update(repr(value).encode())


def run_key(kind: str, *parts) -> str:
    """A hash of `parts` (settings, state dicts, data tensors, ...) and of torch's version."""
    digest = hashlib.sha256(f"{kind}|torch {torch.__version__}".encode())
    for part in parts:
        _feed(digest, part)
    return digest.hexdigest()[:32]


def load(kind: str, key: str):
    """The stored result of run `key`, or None: caching off, never stored, or unreadable."""
    folder = cache_dir()
    path = folder / f"{kind}-{key}.pkl" if folder else None
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - a folder the user named for their own runs
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # a damaged entry is a miss: the run trains again and overwrites it


def save(kind: str, key: str, result) -> None:
    """Store `result` for run `key` (atomically: a whole file or none); nothing when off."""
    folder = cache_dir()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(result, file)
        os.replace(temporary, folder / f"{kind}-{key}.pkl")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
