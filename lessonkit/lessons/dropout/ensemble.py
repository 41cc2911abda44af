"""Dropout as an ensemble (앙상블): eval mode, Monte Carlo (MC) averages and the thinned networks.

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

from lessonkit.core.checks import check_int, check_probability, check_seed
from lessonkit.core.figures import new_figure
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.core.training import eval_mode


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


def plot_ensemble_curve(curve: dict):
    """Two panels from `mc_convergence`: distance to the reference vs k, and accuracy vs k."""
    figure, (left, right) = new_figure(2, width=4.6, height=3.4)
    ks = np.array(curve["k"])
    left.errorbar(ks, curve["distance"], yerr=curve["distance se"], fmt="o-", color="tab:blue", capsize=3,
                  label="MC average of k masks (± SE)")
    left.plot(ks, curve["distance"][0] / np.sqrt(ks), ":", color="0.3", label=r"$1/\sqrt{k}$ from k = 1")
    left.axhline(curve["eval distance"], color="tab:green", linestyle="--", label="eval mode (one pass)")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("k (masks averaged)")
    left.set_ylabel(f"mean total-variation distance\nto the average of {curve['reference passes']} masks")
    left.legend(fontsize=8)

    n = curve["examples"]
    right.errorbar(ks, curve["accuracy"], yerr=curve["accuracy se"], fmt="o-", color="tab:blue", capsize=3,
                   label="MC average of k masks (± SE over mask draws)")
    a = curve["eval accuracy"]
    binomial = np.sqrt(a * (1 - a) / n)
    right.axhline(a, color="tab:green", linestyle="--", label=f"eval mode (band: ± binomial SE, n = {n})")
    right.axhspan(a - binomial, a + binomial, color="tab:green", alpha=0.15)
    right.axhline(curve["reference accuracy"], color="0.3", linestyle=":",
                  label=f"average of {curve['reference passes']} masks")
    right.set_xscale("log")
    right.set_xlabel("k (masks averaged)")
    right.set_ylabel("test accuracy")
    right.legend(fontsize=8)
    return figure
