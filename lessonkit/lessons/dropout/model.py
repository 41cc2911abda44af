"""Dropout from scratch: a random keep-mask, and the kept values scaled by 1/(1-p).

`p` is the DROP probability, as in `torch.nn.Dropout(p)` (the 2014 paper's p is the
probability of *keeping* a unit). In train mode each element is zeroed with probability
p and the survivors are multiplied by 1/(1-p), so the expected output equals the input;
in eval mode dropout does nothing.

Dropout as an ensemble (앙상블): eval mode, Monte Carlo (MC) averages and the thinned networks.

A layer of n units that may drop out gives 2**n thinned networks. Two cheap stand-ins for
their average prediction: eval mode (one pass of the full network, the weight-scaling rule)
and the MC average of the softmax outputs of k train-mode passes. `mc_convergence` measures
both against a reference: the average of many more masks.

    curve = mc_convergence(model, x, y, ks=[1, 2, 5, 10, 20, 40], reference_passes=800,
                           pool_passes=200, seed=0)
    plot_ensemble_curve(curve)
"""
import itertools

import numpy as np
import torch

from lessonkit.core.checks import check_bool, check_int, check_probability, check_seed
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.core.training import eval_mode


def check_mask_p(p) -> float:
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
    p = check_mask_p(p)
    uniform = torch.rand(shape, generator=generator, device=device)  # in [0, 1)
    return (uniform >= p).to(dtype)  # p=0 keeps all, p=1 keeps none


def apply_mask(x: torch.Tensor, mask: torch.Tensor, p: float) -> torch.Tensor:
    """x * mask / (1 - p): zero the dropped entries and scale the kept ones up.

    At p = 1 every entry is dropped and the result is all zeros, as in torch.
    """
    _check_tensor(x)
    p = check_mask_p(p)
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
    p = check_mask_p(p)
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
        self.p = check_mask_p(p)
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


# Dropout as an ensemble

def mean_tv_distance(p: torch.Tensor, q: torch.Tensor) -> float:
    """Mean total-variation distance between two sets of class distributions, shape (n, classes).

    For each example it is half the sum of |p - q| over the classes: 0 when the two
    predictions agree, 1 when they put all their probability on different classes.
    """
    for name, value in (("p", p), ("q", q)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
        if value.dim() != 2:
            raise ValueError(f"{name} must have shape (examples, classes), got {tuple(value.shape)}")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {tuple(p.shape)} and {tuple(q.shape)}")
    return 0.5 * (p - q).abs().sum(dim=1).mean().item()


def normalized_geometric_mean(log_probs: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """The (weighted) geometric mean of distributions over dim 0, renormalized to sum to 1.

    log_probs: shape (networks, ..., classes), the log-softmax outputs of each network;
    weights: one per network, summing to 1 (None: equal weights).
    """
    if not isinstance(log_probs, torch.Tensor) or log_probs.dim() < 2:
        raise TypeError("log_probs must be a torch.Tensor of shape (networks, ..., classes)")
    if weights is None:
        mean_log = log_probs.mean(dim=0)
    else:
        if weights.shape != log_probs.shape[:1]:
            raise ValueError(f"weights must have shape ({log_probs.shape[0]},), got {tuple(weights.shape)}")
        mean_log = torch.tensordot(weights.to(log_probs.dtype), log_probs, dims=1)
    return mean_log.softmax(dim=-1)


def thinned_softmax_layer(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor, p: float) -> dict:
    """Every thinned network of one softmax layer with (inverted) dropout on its input `x`.

    Enumerates all 2**n masks of the n inputs (n <= 16) with their probabilities and returns
    "arithmetic" (the probability-weighted mean of the softmax outputs), "geometric" (their
    normalized weighted geometric mean), "eval" (the layer without dropout) and "masks" (2**n).
    """
    p = check_probability("p", p)
    if x.dim() != 1:
        raise ValueError(f"x must be one example, shape (n,), got {tuple(x.shape)}")
    n = check_int("x's length", x.shape[0], 1, 16)
    if weight.shape[1:] != (n,) or bias.shape != weight.shape[:1]:
        raise ValueError(f"weight must have shape (classes, {n}) and bias (classes,), "
                         f"got {tuple(weight.shape)} and {tuple(bias.shape)}")
    masks = torch.tensor(list(itertools.product([0.0, 1.0], repeat=n)), dtype=x.dtype)
    kept = masks.sum(dim=1)
    chance = (1 - p) ** kept * p ** (n - kept)  # probability of each mask
    logits = (masks * x / (1 - p)) @ weight.T + bias
    return {
        "arithmetic": torch.tensordot(chance, logits.softmax(dim=1), dims=1),
        "geometric": normalized_geometric_mean(logits.log_softmax(dim=1), chance),
        "eval": (weight @ x + bias).softmax(dim=0),
        "masks": len(masks),
    }


def mc_convergence(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, ks, *,
                   reference_passes: int, pool_passes: int, seed: int) -> dict:
    """How close the MC average of k masks and eval mode come to the ensemble average.

    The reference is the average softmax output of `reference_passes` masks. A separate pool
    of `pool_passes` masks is cut into pool_passes // k disjoint groups of k for each k in
    `ks`; each group's average is compared with the reference (mean total-variation distance
    over the examples) and scored against the labels `y`. Returns per k the mean and
    standard error over the groups ("distance", "distance se", "accuracy", "accuracy se",
    "groups"), the fitted log-log "slope" of distance against k, and for eval mode its
    "eval distance" to the reference, "eval to geometric" (to the normalized geometric mean
    of the reference passes), "eval accuracy", "reference accuracy", "disagreements" (test
    points where eval mode and the reference pick different classes), and "reference noise"
    (the reference's own sampling error, estimated from the distance between its halves).
    Masks come from `seed` (the pool from seed + 1); torch's global RNG is untouched.
    """
    reference_passes = check_int("reference_passes", reference_passes, 2)
    pool_passes = check_int("pool_passes", pool_passes, 1)
    seed = check_seed("seed", seed)
    ks = sorted({check_int("each k in ks", k, 1, pool_passes) for k in ks})
    if not ks:
        raise ValueError("ks must hold at least one k in [1, pool_passes]")
    if not isinstance(y, torch.Tensor) or y.shape != x.shape[:1]:
        raise ValueError(f"y must be a tensor of {x.shape[0]} labels, one per row of x")

    with torch.no_grad(), eval_mode(model):
        eval_probs = model(x).softmax(dim=1)
    reference_logits = mc_dropout_samples(model, x, reference_passes, seed=seed)
    reference = reference_logits.softmax(dim=2).mean(dim=0)
    geometric = normalized_geometric_mean(reference_logits.log_softmax(dim=2))
    half = reference_passes // 2
    halves = [reference_logits[:half].softmax(dim=2).mean(0), reference_logits[half:2 * half].softmax(dim=2).mean(0)]
    pool = mc_dropout_samples(model, x, pool_passes, seed=(seed + 1) % 2**32).softmax(dim=2)

    result = {"k": ks, "groups": [], "distance": [], "distance se": [], "accuracy": [], "accuracy se": []}
    for k in ks:
        groups = pool_passes // k
        averages = pool[: groups * k].reshape(groups, k, *pool.shape[1:]).mean(dim=1)
        distances = np.array([mean_tv_distance(a, reference) for a in averages])
        accuracies = np.array([(a.argmax(dim=1) == y).float().mean().item() for a in averages])
        result["groups"].append(groups)
        for name, values in (("distance", distances), ("accuracy", accuracies)):
            result[name].append(float(values.mean()))
            result[name + " se"].append(float(values.std(ddof=1) / np.sqrt(groups)) if groups > 1 else float("nan"))
    fit = len(ks) > 1 and min(result["distance"]) > 0
    result["slope"] = float(np.polyfit(np.log(ks), np.log(result["distance"]), 1)[0]) if fit else float("nan")
    result["eval distance"] = mean_tv_distance(eval_probs, reference)
    result["eval to geometric"] = mean_tv_distance(eval_probs, geometric)
    result["reference noise"] = mean_tv_distance(*halves) / 2  # halves differ by ~2x the full reference's error
    result["eval accuracy"] = (eval_probs.argmax(dim=1) == y).float().mean().item()
    result["reference accuracy"] = (reference.argmax(dim=1) == y).float().mean().item()
    result["disagreements"] = int((eval_probs.argmax(dim=1) != reference.argmax(dim=1)).sum())
    result["reference passes"], result["examples"] = reference_passes, x.shape[0]
    return result
