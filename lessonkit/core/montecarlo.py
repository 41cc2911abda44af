"""Monte Carlo dropout: many forward passes with dropout on, each with fresh masks.

    samples = mc_dropout_samples(model, x, passes=100, seed=0)   # shape (100, *model(x).shape)

Lesson 2 averages the samples' softmax outputs (dropout as an ensemble); lesson 3 takes
their mean and spread (how sure the network is).
"""
import contextlib

import torch

from lessonkit.core.checks import check_int, check_seed
from lessonkit.core.training import eval_mode


@torch.no_grad()
def mc_dropout_samples(model: torch.nn.Module, x: torch.Tensor, passes: int, *, seed: int | None = None,
                       dropout_on: bool = True) -> torch.Tensor:
    """`passes` outputs of `model` at `x`, stacked: shape (passes, *model(x).shape).

    dropout_on=True runs the model in train mode, so every pass drops a fresh random set of
    units; False runs it in eval mode, where every pass is the same. The model's mode is
    restored afterwards. seed: draw the masks from this seed without touching torch's
    global random state; None draws from the global state (seed it yourself).
    """
    check_int("passes", passes, 1)
    if not isinstance(dropout_on, bool):
        raise TypeError(f"dropout_on must be True or False, got {dropout_on!r}")
    rng = contextlib.nullcontext() if seed is None else torch.random.fork_rng(devices=[])
    with eval_mode(model, training=dropout_on), rng:
        if seed is not None:
            torch.manual_seed(check_seed("seed", seed))
        return torch.stack([model(x) for _ in range(passes)])
