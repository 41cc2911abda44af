"""The figures of lesson 3 and its p explorer; colors and axes are lesson 1's.

    show(plot_overfit_vs_polynomial(data, overfit))   # the MLP beside lesson 1's degree 15
    show(plot_fits(data, [overfit, dropout]))          # curves over the train and test points
    show(plot_loss_curves([overfit, dropout]))         # train and test MSE per epoch
    show(plot_error_vs_p(fits))                        # test error against p
    show(plot_mc_dropout(data, dropout))               # MC-dropout mean ± one std
    PExplorer(data, fits)                              # a p slider that picks among fits
    show(plot_paired_differences(test_mse))            # many samples: each method minus none
"""
import torch

from lessonkit.core.figures import COLORS, new_figure
from lessonkit.core.language import Message
from lessonkit.core.stats import paired
from lessonkit.lessons.overfitting.model import fit_polynomial, mse
from lessonkit.lessons.overfitting.plots import GRID, Y_LIMITS, draw_points_and_truth
from lessonkit.lessons.taming.model import MLPFit, mc_dropout_predict

WIDE = torch.linspace(-1.6, 1.6, 321)  # beyond the data, where MC dropout should be unsure


def label(fit: MLPFit) -> str:
    """'no dropout', 'dropout p=0.3' or 'L2 (Adam weight_decay, λ=0.001)' (a `Message`: figures show its
    English, the p explorer's readout translates it)."""
    if fit.weight_decay:
        return Message("L2 (Adam weight_decay, λ={l2:g})", l2=fit.weight_decay)
    return Message("dropout p={p:g}", p=fit.p) if fit.p else Message("no dropout")


def color(fit: MLPFit) -> str:
    return COLORS["l2"] if fit.weight_decay else COLORS["dropout"] if fit.p else COLORS["overfit"]


def _mse_label(fit: MLPFit) -> str:
    return f"train MSE {fit.train_mse:.3g}, test MSE {fit.test_mse:.3g}"


def plot_overfit_vs_polynomial(data, fit: MLPFit, degree: int = 15):
    """Left: the network's curve; right: lesson 1's degree-`degree` polynomial, same data."""
    figure, (left, right) = new_figure(2, 1, width=4.6, height=3.4)
    poly = fit_polynomial(data.x_train, data.y_train, degree)
    panels = [(left, fit.predict(GRID).numpy(), f"MLP 1-{fit.model[0].out_features}-{fit.model[0].out_features}-1, "
               f"{label(fit)}\n{_mse_label(fit)}"),
              (right, poly(GRID).numpy(), f"lesson 1: degree-{degree} polynomial\ntrain MSE "
               f"{mse(poly, data.x_train, data.y_train):.3g}, test MSE {mse(poly, data.x_test, data.y_test):.3g}")]
    for ax, curve, title in panels:
        draw_points_and_truth(ax, data, test=True)
        ax.plot(GRID, curve, color=COLORS["overfit"], lw=2.2, label="fit")
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
    return figure


def plot_fits(data, fits: list[MLPFit], title: str = ""):
    """Each fit's eval-mode curve over the training and test points, errors in the legend."""
    figure, ax = new_figure(width=6.4, height=3.8)
    draw_points_and_truth(ax, data, test=True)
    for fit in fits:
        ax.plot(GRID, fit.predict(GRID).numpy(), color=color(fit), lw=2.2, label=f"{label(fit)}: {_mse_label(fit)}")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    return figure


def plot_loss_curves(fits: list[MLPFit], noise: float | None = None):
    """Train MSE (dropout off, left) and test MSE (right) per epoch for each fit, each on its own
    log scale: one panel each, so that no curve hides another.

    `noise`: the data's noise std; its square, the lowest test MSE to expect, is drawn too.
    """
    figure, (train_ax, test_ax) = new_figure(2, 1, width=4.0, height=3.4)
    for fit in fits:
        epochs = fit.history["epoch"]
        train_ax.plot(epochs, fit.history["train_eval_loss"], color=color(fit), lw=1.6, label=label(fit))
        test_ax.plot(epochs, fit.history["test_loss"], color=color(fit), lw=1.6, label=label(fit))
    for ax, title in ((train_ax, "training MSE (dropout off)"), (test_ax, "test MSE")):
        if noise is not None:
            ax.axhline(noise**2, color="0.4", lw=0.8, ls=":", label=f"noise variance {noise**2:.3g}")
        ax.set(yscale="log", xlabel="epoch", title=title)
        ax.legend(fontsize=8)
    train_ax.set_ylabel("MSE")
    test_ax.set_ylim(top=min(test_ax.get_ylim()[1], 0.3))  # the first epochs' errors would flatten the rest
    return figure


def draw_error_vs_p(ax, fits: list[MLPFit]):
    """Train and test MSE against p on `ax`; returns the test line's artist."""
    ps = [fit.p for fit in fits]
    ax.plot(ps, [f.train_mse for f in fits], "o-", ms=3, color=COLORS["train"], label="train MSE (dropout off)")
    test_line, = ax.plot(ps, [f.test_mse for f in fits], "o-", ms=3, color=COLORS["test_error"], label="test MSE")
    best = min(fits, key=lambda f: f.test_mse)  # marked to read the U, not to choose p: that is validation's job
    ax.plot([best.p], [best.test_mse], "*", ms=13, color=COLORS["good"],
            label=f"lowest test MSE on this one sample: p={best.p:g} (not a choice)")
    ax.set(xlabel="p (drop probability)", ylabel="MSE")
    ax.legend(fontsize=8)
    return test_line


def plot_error_vs_p(fits: list[MLPFit]):
    """Too little dropout overfits, too much underfits: train and test MSE against p."""
    figure, ax = new_figure(width=5.6, height=3.4)
    draw_error_vs_p(ax, fits)
    ax.set_title("Test error against p", fontsize=10)
    return figure


def plot_mc_dropout(data, fit: MLPFit, passes: int = 200, seed: int = 0):
    """MC-dropout mean ± one std and the eval-mode curve, on an x range wider than the data."""
    mean, std = (t.numpy() for t in mc_dropout_predict(fit.model, WIDE, passes=passes, seed=seed))
    wide = WIDE.numpy()
    figure, ax = new_figure(width=8.6, height=3.8)
    ax.axvspan(-1, 1, color="0.93", zorder=0, label="where the training data are")
    ax.fill_between(wide, mean - std, mean + std, color=COLORS["dropout"], alpha=0.25,
                    label=f"MC dropout: mean ± 1 std of {passes} passes")
    ax.plot(wide, mean, color=COLORS["dropout"], lw=2, label="MC dropout mean (dropout on)")
    ax.plot(wide, fit.predict(WIDE).numpy(), "--", color="black", lw=1.4,
            label="eval mode (dropout off, weights as trained)")
    ax.plot(wide, data.true_fn(WIDE).numpy(), ":", color=COLORS["true"], lw=1.6, label="true function")
    ax.scatter(data.x_train, data.y_train, s=22, color=COLORS["train"], zorder=3, label="training points")
    ax.set(xlim=(wide[0], wide[-1]), ylim=Y_LIMITS, xlabel="x", ylabel="y",
           title=f"Monte Carlo dropout, {label(fit)}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return figure


def plot_paired_differences(test_mse, methods=("dropout", "L2", "early stopping", "dropout + early stopping",
                                               "L2 + early stopping")):
    """Per sample, test MSE of each method minus no regularization (dots), with the mean and
    its 95% interval (bar). Below zero: the method did better on that sample. test_mse: a
    DataFrame, one row per sample and one column per method (section 6's `test_mse`)."""
    figure, ax = new_figure(width=8.4, height=3.9)
    ax.axhline(0, color="0.4", lw=0.8)
    ticks = []
    for i, method in enumerate(methods):
        diff = (test_mse[method] - test_mse["none"]).to_numpy()
        spread = torch.linspace(-0.2, 0.2, len(diff)).numpy()  # side by side, not random jitter
        ax.scatter(i + spread, diff, s=12, color=COLORS["test_error"], alpha=0.6, zorder=2)
        d = paired(test_mse[method], test_mse["none"], higher_is_better=False)
        ax.errorbar([i + 0.32], [d.mean], yerr=[[d.mean - d.low], [d.high - d.mean]], fmt="o", color="black",
                    capsize=4, zorder=3)
        name = method.replace(" + ", " +\n")  # two short lines under the wide labels
        ticks.append(f"{name}\nminus none\n{d.mean:+.4f}\n({d.low:+.4f} to {d.high:+.4f})\n"
                     f"better on {d.wins} of {d.n}")
    ax.set_xticks(range(len(methods)), ticks, fontsize=8)
    ax.set_xlim(-0.5, len(methods) - 0.5)
    ax.set(ylabel="test MSE difference", title=f"{len(test_mse)} samples, each knob chosen by 5-fold CV "
           "(dots: samples; bar: mean and 95% CI)")
    ax.title.set_fontsize(9)
    return figure
