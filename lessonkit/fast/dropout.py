"""torch.nn.Dropout with a cheaper random draw on the CPU: what makes lesson 5 fast there.

    layer = FastDropout(0.3)     # a drop-in for torch.nn.Dropout(0.3)

Profiling lesson 5's network on a CPU puts torch.nn.Dropout's random draw (torch's CPU
`bernoulli_`) second only to the matrix products. FastDropout changes only that draw, and
only on the CPU: one 64-bit random word gives four 16-bit numbers, and a unit is kept when
its number is at or above a threshold (`benchmarks/mnist_lab.py` measures what it saves).

The one difference you could measure: the drop probability is p rounded to a multiple
of 1/65536 (at most 7.6e-6 off; p = 0.3 drops with probability 0.30000305). The kept
units are scaled by 1/(1 - that probability), so the expected output still equals the
input. In eval mode, at p = 0, and on a GPU (whose fused dropout kernel is already fast)
it is torch.nn.Dropout itself. Lesson 2 builds dropout from scratch; this is the same
idea with the random numbers drawn more cheaply. It prints as what it is,
`FastDropout(p=0.3, ...)`, and draws other masks than torch.nn.Dropout, so no lesson's
story uses it; `use_fast_dropout(model)` swaps it in after a model is built.
"""
import math

import torch

LEVELS = 2**16  # a 16-bit number takes one of 65536 values


def drop_threshold(p: float) -> int:
    """How many of the 65536 values of a 16-bit number mean "drop": round(p * 65536)."""
    return round(p * LEVELS)


def keep_mask(shape, p: float, generator: torch.Generator | None = None) -> tuple[torch.Tensor, float]:
    """A boolean keep-mask of `shape` drawn on the CPU, and the probability of keeping.

    Each entry is True (kept) with probability 1 - drop_threshold(p) / 65536. Draws come
    from `generator`, or torch's global generator (seeded by `seed_everything`) when None.
    """
    threshold = drop_threshold(p)
    if threshold >= LEVELS:  # p rounds to 1: nothing is kept (and 32768 does not fit an int16)
        return torch.zeros(shape, dtype=torch.bool), 0.0
    numel = math.prod(shape)
    # random_(-2**63, None) fills all 64 bits of each word; viewed as int16, every word is
    # four independent uniform numbers in [-32768, 32767]
    words = torch.empty((numel + 3) // 4, dtype=torch.int64).random_(-(2**63), None, generator=generator)
    numbers = words.view(torch.int16)[:numel].view(shape)
    # shifted from [0, 65535] to int16's range: keep when number + 32768 >= threshold
    return numbers >= threshold - LEVELS // 2, 1.0 - threshold / LEVELS


class FastDropout(torch.nn.Dropout):
    """torch.nn.Dropout(p) whose CPU training-mode mask is drawn by `keep_mask`.

    Same `p`, same train()/eval() behaviour; `isinstance(layer, torch.nn.Dropout)` holds,
    and it prints as `FastDropout(...)`. Gradients flow through autograd: mask / (1 - p).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0 or self.inplace or x.device.type != "cpu":
            return super().forward(x)
        keep, kept = keep_mask(x.shape, self.p)
        if kept == 0:
            return x * 0.0  # all dropped; still connected to the graph, like torch
        # one float mask, saved by autograd for the backward pass: grad * keep / (1 - p)
        return x * (keep * (1.0 / kept)).to(x.dtype)


def use_fast_dropout(model: torch.nn.Module) -> int:
    """Turn every `torch.nn.Dropout` of `model` into a FastDropout, in place; return how many.

    The layers keep their `p` and mode; nothing else in the model changes.
    """
    swapped = 0
    for module in model.modules():
        if type(module) is torch.nn.Dropout:
            module.__class__ = FastDropout  # a subclass with no state of its own: a safe swap
            swapped += 1
    return swapped
