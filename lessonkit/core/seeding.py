"""One call that makes every random draw of a lesson repeatable."""
import random

import numpy as np
import torch

from lessonkit.core.checks import check_seed


def seed_everything(seed: int) -> None:
    """Seed Python's `random`, NumPy and torch (CPU and every CUDA GPU) with `seed`.

    Call it explicitly at the top of a notebook; importing lessonkit never seeds anything.
    Functions that draw random numbers also take a `torch.Generator`, so a single draw can
    be made repeatable without touching the global state.
    """
    check_seed("seed", seed)  # NumPy's legacy seed range: [0, 2**32)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device, lazily
    torch.cuda.manual_seed_all(seed)  # said out loud, as the original lab does
