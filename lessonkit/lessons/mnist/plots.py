"""Figures of lesson 5: its experiments, drawn from their records (`analysis.Runs`), and a grid
of predictions.

Every experiment figure shows each seed (small points or thin lines) beside the mean, on axes
that span the data, so a difference of a point or two is visible.
"""
import numpy as np

from lessonkit.core.figures import COLORS, CYCLE, new_figure

SEED_STYLE = dict(color="0.6", lw=0.8, alpha=0.8, zorder=1)


def _wrap(name: str) -> str:
    return name.replace(" only", "\nonly").replace(" = ", "\n= ")


def ablation_figure(runs, arms, baseline: str = "no dropout", stopped: bool = True):
    """Test accuracy and test loss per arm, each run read at its step chosen on validation
    (stopped=True; False: at its last step): every seed (grey, joined across arms) and the
    mean ± one standard deviation (colour)."""
    figure, axes = new_figure(2, width=5.0, height=3.6)
    seeds = runs.seeds(baseline)
    for ax, metric, label in ((axes[0], "accuracy", "test accuracy (%)"), (axes[1], "loss", "test loss")):
        scale = 100 if metric == "accuracy" else 1
        for seed in seeds:
            ax.plot(range(len(arms)), [runs.value(arm, seed, "test", metric, stopped=stopped) * scale for arm in arms],
                    "o-", ms=3, **SEED_STYLE)
        for i, arm in enumerate(arms):
            mean, sd = runs.mean_sd(arm, "test", metric, stopped=stopped)
            ax.errorbar(i, mean * scale, yerr=sd * scale, fmt="s", ms=7, capsize=4, zorder=3,
                        color=COLORS["test_error"] if arm == baseline else COLORS["dropout"])
        ax.set_xticks(range(len(arms)), [_wrap(arm) for arm in arms], fontsize=9)
        ax.set(ylabel=label, title=label.replace(" (%)", "") + (" at the chosen step" if stopped else " at the end"))
        ax.grid(alpha=0.3, axis="y")
    axes[0].plot([], [], "o-", ms=3, label=f"one seed ({len(seeds)} seeds)", **SEED_STYLE)
    axes[0].errorbar([], [], yerr=[], fmt="s", color=COLORS["dropout"], label="mean ± sd")
    axes[0].legend(fontsize=8, loc="lower right")
    return figure


def validation_curves_figure(runs, arms, size=None, steps_per_epoch: int | None = None):
    """Validation accuracy along training: one thin line per run, in its arm's colour, and a dot
    at the step its validation accuracy was highest (the step each run is compared at).
    steps_per_epoch: draw epochs on the x axis instead of steps."""
    figure, ax = new_figure(width=6.4, height=3.8)
    scale = steps_per_epoch or 1
    values = []
    for color, arm in zip(CYCLE, arms):
        for k, seed in enumerate(runs.seeds(arm, size)):
            steps, accuracy = runs.curve(arm, seed, metric="accuracy", size=size)
            x, y = np.array(steps) / scale, 100 * np.array(accuracy)
            ax.plot(x, y, color=color, lw=0.8, alpha=0.45, label=arm if k == 0 else None)
            best = int(np.argmax(y))
            ax.plot(x[best], y[best], "o", ms=3.5, color=color, zorder=3)
            values += list(y)
    low, high = np.percentile(values, 3), max(values)
    ax.set(ylim=(low, high + 0.1 * (high - low)), xlabel="epoch" if steps_per_epoch else "training step",
           ylabel="validation accuracy (%)", title="Validation accuracy during training (dots: each run's best)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return figure


def size_figure(runs, *, baseline: str, dropout: str, sizes):
    """Test accuracy against training-set size (log axis), each run stopped at its step of
    highest validation accuracy, and dropout's paired gain with its 95% interval, read there and,
    as a second reading, at each run's last step."""
    figure, (acc_ax, gain_ax) = new_figure(2, width=5.0, height=3.6)
    for arm, color in ((baseline, COLORS["test_error"]), (dropout, COLORS["dropout"])):
        stats = [runs.mean_sd(arm, "test", "accuracy", size, stopped=True) for size in sizes]
        acc_ax.errorbar(sizes, [100 * m for m, _ in stats], yerr=[100 * sd for _, sd in stats], fmt="o-",
                        capsize=3, color=color, label=f"{arm} (mean ± sd)")
    acc_ax.set(xscale="log", xlabel="training images", ylabel="test accuracy (%)", title="Test accuracy vs size")
    acc_ax.legend(fontsize=8, loc="lower right")
    for stopped, style, reading in ((True, "o-", "at chosen steps"), (False, "s--", "at the end")):
        gains = [runs.compare(dropout, baseline, size=size, stop_a=stopped, stop_b=stopped) for size in sizes]
        means = np.array([g.mean for g in gains])
        gain_ax.errorbar(sizes, means, yerr=[means - [g.low for g in gains], [g.high for g in gains] - means],
                         fmt=style, capsize=3, color=COLORS["dropout"], alpha=1 if stopped else 0.5,
                         label=f"{reading} (95% CI)")
    gain_ax.axhline(0, color="black", lw=0.8)
    gain_ax.set(xscale="log", xlabel="training images", ylabel="gain in test accuracy (points)",
                title=f"{dropout} − {baseline}, paired by seed")
    gain_ax.legend(fontsize=8)
    for ax in (acc_ax, gain_ax):
        ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
    return figure


def p_choice_figure(runs, ps: dict, chosen: str):
    """Validation accuracy and loss against p (mean ± sd over seeds, each run at its step chosen on
    validation), the p chosen on them marked, and the test numbers of the chosen p only: the test
    set plays no part in the choice."""
    arms = sorted(ps, key=ps.get)
    x = [ps[arm] for arm in arms]
    figure, (acc_ax, loss_ax) = new_figure(2, width=4.6, height=3.4)
    for ax, metric, scale in ((acc_ax, "accuracy", 100), (loss_ax, "loss", 1)):
        stats = [runs.mean_sd(arm, "validation", metric, stopped=True) for arm in arms]
        ax.errorbar(x, [scale * m for m, _ in stats], yerr=[scale * sd for _, sd in stats], fmt="o-", capsize=3,
                    color="tab:blue", label="validation (mean ± sd)")
        mean, sd = runs.mean_sd(chosen, "test", metric, stopped=True)
        ax.errorbar([ps[chosen]], [scale * mean], yerr=[scale * sd], fmt="s", capsize=3, color=COLORS["test_error"],
                    label="test, chosen p only (read once)")
        ax.axvline(ps[chosen], color="black", lw=0.8, ls=":", label=f"chosen on validation: p = {ps[chosen]}")
        what = "accuracy (%)" if metric == "accuracy" else "loss"
        ax.set(xlabel="dropout probability p (input and hidden)", ylabel=what, title=what.replace(" (%)", "") + " vs p")
        ax.grid(alpha=0.3)
    acc_ax.legend(fontsize=8, loc="lower center")
    return figure


def prediction_grid(images, predicted, labels, *, ncols: int = 10):
    """Digits with their predicted and true labels; mistakes in red.

    images: (N, 784) or (N, 28, 28) tensor or array; predicted, labels: N integers.
    """
    images = np.asarray(images).reshape(-1, 28, 28)
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    nrows = -(-len(images) // ncols)
    figure, axes = new_figure(ncols, nrows, width=1.0, height=1.15)
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.set_axis_off()
        if i >= len(images):
            continue
        wrong = predicted[i] != labels[i]
        ax.imshow(images[i], cmap="gray_r" if not wrong else "Reds", vmin=0, vmax=1)
        ax.set_title(f"{predicted[i]} (true {labels[i]})" if wrong else f"{predicted[i]}",
                     color="red" if wrong else "black", fontsize=9, fontweight="bold" if wrong else "normal")
    return figure
