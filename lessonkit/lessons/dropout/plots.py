"""Lesson 2's static figures: the ensemble view's convergence curve.

    plot_ensemble_curve(mc_convergence(model, x, y, ks=[1, 2, 5, 10, 20, 40]))
"""
import numpy as np

from lessonkit.core.figures import new_figure


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

