"""Dropout from scratch: a random keep-mask, and the kept values scaled by 1/(1-p).

`p` is the DROP probability, as in `torch.nn.Dropout(p)` (the 2014 paper's p is the
probability of *keeping* a unit). In train mode each element is zeroed with probability
p and the survivors are multiplied by 1/(1-p), so the expected output equals the input;
in eval mode dropout does nothing.
"""
import torch

from lessonkit.core.checks import check_bool, check_probability


def check_p(p) -> float:
    """`p` as a float; a mask may drop everything, so p = 1 is allowed here: [0, 1]."""
    return check_probability("p", p, allow_one=True)


def _check_tensor(x) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():  # 1/(1-p) scaling cannot be stored in an integer tensor
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")


def dropout_mask(shape, p: float, generator: torch.Generator | None = None, *, dtype=torch.float32,
                 device=None) -> torch.Tensor:
    """A keep-mask of 0s and 1s: each entry is 1 (kept) with probability 1 - p.

    `dropout_mask((5,), 0.5, generator)` gives something like tensor([1., 0., 0., 1., 1.]).
    Pass a seeded `torch.Generator` for a repeatable mask; None uses torch's global RNG.
    """
    p = check_p(p)
    uniform = torch.rand(shape, generator=generator, device=device)  # in [0, 1)
    return (uniform >= p).to(dtype)  # p=0 keeps all, p=1 keeps none


def apply_mask(x: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """x * mask / (1 - p): zero the dropped entries and scale the kept ones up.

    At p = 1 every entry is dropped and the result is all zeros, as in torch.
    """
    _check_tensor(x)
    p = check_p(p)
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)  # nothing is kept at p=1: no division by zero
    return x * mask * scale


def dropout_with_mask(x: torch.Tensor, p: float, generator: torch.Generator | None = None):
    """Train-mode dropout that also returns the mask it drew: `(output, mask)`."""
    _check_tensor(x)
    mask = dropout_mask(x.shape, p, generator, dtype=x.dtype, device=x.device)
    return apply_mask(x, mask, p), mask


def dropout(x: torch.Tensor, p: float, training: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
    """Dropout of `x` with drop probability `p`, like `torch.nn.functional.dropout`.

    training=False (eval mode) or p=0 returns `x` unchanged. Gradients flow through
    autograd: d output / d x = mask / (1 - p).
    """
    _check_tensor(x)
    p = check_p(p)
    check_bool("training", training)
    if not training or p == 0:
        return x
    return dropout_with_mask(x, p, generator)[0]


class Dropout(torch.nn.Module):
    """Like `torch.nn.Dropout(p)`, plus an optional `generator` for repeatable masks.

    Follows `model.train()` / `model.eval()`. After a train-mode call, `last_mask`
    holds the keep-mask it used (None after an eval-mode call), for drawing.
    """

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None):
        super().__init__()
        self.p = check_p(p)
        self.generator = generator
        self.last_mask: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            self.last_mask = None
            return dropout(x, self.p, training=False)
        out, self.last_mask = dropout_with_mask(x, self.p, self.generator)
        return out

    def extra_repr(self) -> str:
        seed = "" if self.generator is None else f", generator seed={self.generator.initial_seed()}"
        return f"p={self.p}{seed}"
