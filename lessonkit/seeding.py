"""One call that makes every random draw of a lesson repeatable."""
import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy and torch (CPU and every CUDA GPU) with `seed`.

    Call it explicitly at the top of a notebook; importing lessonkit never seeds anything.
    Functions that draw random numbers also take a `torch.Generator`, so a single draw can
    be made repeatable without touching the global state.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got {seed}")  # NumPy's legacy seed range
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device, lazily
    torch.cuda.manual_seed_all(seed)  # said out loud, as the original lab does
