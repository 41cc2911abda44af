"""Dropout as an ensemble (앙상블): average the predictions of k random masks (MC dropout).

A layer of n units that may drop out gives 2**n thinned networks. Eval mode runs the full
network with unscaled weights, a cheap stand-in for averaging all of them; averaging the
softmax outputs of k train-mode passes estimates that average directly.
"""
import numpy as np
import torch

from lessonkit.core.figures import new_figure
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.core.training import eval_mode


def mc_dropout_curve(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor | None, ks) -> dict:
    """Compare the average of the first k mask samples with eval mode, for each k in `ks`.

    Returns a dict of lists, one entry per k: "gap" (mean total-variation distance between
    the MC average and the eval-mode softmax, per example), "accuracy" (of the MC average,
    when labels `y` are given), "averages" (the averaged softmax outputs); and the eval-mode
    "eval accuracy". Draws masks from torch's global RNG (or the model's own generators).
    """
    ks = sorted(int(k) for k in ks)
    if not ks or ks[0] < 1:
        raise ValueError(f"ks must be positive integers, got {ks}")
    with torch.no_grad(), eval_mode(model):
        eval_probs = model(x).softmax(dim=1)
    samples = mc_dropout_samples(model, x, ks[-1]).softmax(dim=2)
    total = torch.zeros_like(eval_probs)
    result = {"k": ks, "gap": [], "accuracy": [], "averages": []}
    for k, sample in enumerate(samples, start=1):
        total += sample
        if k in ks:
            average = total / k
            result["gap"].append(0.5 * (average - eval_probs).abs().sum(dim=1).mean().item())
            result["averages"].append(average)
            if y is not None:
                result["accuracy"].append((average.argmax(dim=1) == y).float().mean().item())
    result["eval accuracy"] = None if y is None else (eval_probs.argmax(dim=1) == y).float().mean().item()
    return result


def plot_ensemble_curve(curve: dict):
    """Two panels from `mc_dropout_curve`: gap to eval mode vs k, and accuracy vs k."""
    figure, (left, right) = new_figure(2, width=4.0, height=3.0)
    ks = np.array(curve["k"])
    left.loglog(ks, curve["gap"], "o-", color="tab:blue", label="MC average of k masks")
    left.loglog(ks, curve["gap"][0] / np.sqrt(ks), ":", color="0.4", label=r"$\propto 1/\sqrt{k}$")
    left.set_xlabel("k (masks averaged)")
    left.set_ylabel("distance to eval-mode prediction")
    left.legend(fontsize=8)
    if curve["accuracy"]:
        right.semilogx(ks, curve["accuracy"], "o-", color="tab:blue", label="MC average of k masks")
        right.axhline(curve["eval accuracy"], color="tab:green", linestyle="--", label="eval mode")
        right.set_ylabel("test accuracy")
        right.legend(fontsize=8)
    right.set_xlabel("k (masks averaged)")
    return figure
