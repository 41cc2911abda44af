"""Checkpoints: save a run after every epoch, resume it later with the same numbers.

    save_checkpoint("runs/lab.pt", model, optimizer, history, generator, settings={"p": 0.3})
    history = load_checkpoint("runs/lab.pt", model, optimizer, generator, settings={"p": 0.3})

A checkpoint holds the model, the optimizer, the history so far, the shuffling generator
and torch's random state (dropout masks continue their stream), and the run's settings:
resuming under other settings is refused instead of silently mixing two runs.
"""
import os
from pathlib import Path

import torch

from lessonkit.core.history import History


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used to resume."""


def save_checkpoint(path, model, optimizer, history: History, generator: torch.Generator,
                    settings: dict | None = None) -> None:
    """Write everything needed to resume, atomically: the file is whole or not there at all.

    settings: the run's hyperparameters (p, lr, ...); resuming checks them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "history": history.columns,
        "generator": generator.get_state(),
        "settings": dict(settings or {}),
        # dropout draws from the global generator: resume must continue its stream too
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half
    finally:
        tmp.unlink(missing_ok=True)  # a save cut short leaves no partial file behind


def load_checkpoint(path, model, optimizer, generator: torch.Generator, settings: dict | None = None) -> History:
    """Restore model, optimizer and shuffling state from `path`; return the history so far.

    settings: this run's hyperparameters; if the checkpoint was written under others
    (say p=0.3, and now p=0.5), resuming would mix two runs, so it is refused.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # truncated, foreign or damaged: the same advice
        raise CheckpointError(
            f"checkpoint {path} is damaged or is not a lessonkit checkpoint ({_one_line(err)}). "
            "Delete it to start over, or point to another checkpoint."
        ) from err
    saved = state.get("settings", {}) if isinstance(state, dict) else {}
    differ = [f"{k}={saved.get(k)!r} there, {v!r} now" for k, v in (settings or {}).items() if saved.get(k) != v]
    if differ:
        raise CheckpointError(
            f"checkpoint {path} was written by a run with other settings ({'; '.join(differ)}). "
            "Resume with the same settings, or delete it (or use another file) to start a new run."
        )
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        return History(columns={k: list(v) for k, v in state["history"].items()})
    except Exception as err:  # truncated, foreign or damaged: the same advice
        raise CheckpointError(
            f"checkpoint {path} is damaged or was written for another model ({_one_line(err)}). "
            "Delete it to start over, or point to another checkpoint."
        ) from err


def _one_line(err: Exception) -> str:
    """The error's type and text on one line (torch's load errors span several)."""
    return " ".join(f"{type(err).__name__}: {err}".split())
