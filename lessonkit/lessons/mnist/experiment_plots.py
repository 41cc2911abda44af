"""Figures of lesson 5's experiments, drawn from `experiments.RunResult` lists.

Every figure shows each seed (small points, joined when they share a seed) beside the
mean, on axes that span the data, so a difference of a point or two is visible.
"""
import html
import statistics

import ipywidgets as widgets
import numpy as np

from lessonkit.core.figures import COLORS, CYCLE, Explorer, new_figure
from lessonkit.lessons.mnist.experiments import by_setting, mean_sd, paired_gain

SEED_STYLE = dict(color="0.6", lw=0.8, alpha=0.8, zorder=1)


def ablation_figure(results, baseline: str = "no dropout"):
    """Test accuracy and test loss per setting: every seed (grey, joined across settings)
    and the mean ± one standard deviation (colour)."""
    groups = by_setting(results)
    names = list(groups)
    figure, axes = new_figure(2, width=5.0, height=3.6)
    for ax, metric, label in ((axes[0], "test_acc", "test accuracy (%)"), (axes[1], "test_loss", "test loss")):
        scale = 100 if metric.endswith("acc") else 1
        seeds = sorted({r.run.seed for r in results})
        for seed in seeds:
            points = [(i, getattr(r, metric) * scale) for i, name in enumerate(names)
                      for r in groups[name] if r.run.seed == seed]
            ax.plot(*zip(*points), "o-", ms=3, **SEED_STYLE)
        for i, name in enumerate(names):
            mean, sd = mean_sd((getattr(r, metric) * scale for r in groups[name]), single_sd=0.0)
            ax.errorbar(i, mean, yerr=sd, fmt="s", ms=7, capsize=4, zorder=3,
                        color=COLORS["test_error"] if name == baseline else COLORS["dropout"])
        ax.set_xticks(range(len(names)), [name.replace(" + ", "\n+ ").replace(", ", ",\n") for name in names],
                      fontsize=8)
        ax.set(ylabel=label, title=label.replace(" (%)", "") + " by setting")
        ax.grid(alpha=0.3, axis="y")
    axes[0].plot([], [], "o-", ms=3, label=f"one seed ({len(seeds)} seeds)", **SEED_STYLE)
    axes[0].errorbar([], [], yerr=[], fmt="s", color=COLORS["dropout"], label="mean ± sd")
    axes[0].legend(fontsize=8, loc="lower right")
    first = results[0]
    figure.suptitle(f"{first.size:,} training images, {first.steps:,} steps; all 10,000 test images")
    return figure


def validation_curves_figure(results):
    """Validation loss along training, per setting: the mean over seeds, the range shaded."""
    figure, ax = new_figure(width=6.0, height=3.6)
    for color, (name, group) in zip(CYCLE, by_setting(results).items()):
        steps = group[0].curve_steps
        curves = np.array([r.curve_val_loss for r in group])
        ax.plot(steps, curves.mean(0), color=color, label=name)
        ax.fill_between(steps, curves.min(0), curves.max(0), color=color, alpha=0.15)
    ax.set(xlabel="training step (batches of 100)", title="Validation loss during training",
           ylabel="validation loss (1,000 images)\n(line: mean over seeds; band: range)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure


def size_figure(by_size: dict, *, baseline: str = "no dropout", dropout: str, full: dict | None = None):
    """Test accuracy against training-set size (log axis), and dropout's paired gain.

    by_size: {size: results with settings `baseline` and `dropout`, several seeds}.
    full: {label: test accuracy} of single full-data runs, drawn as open markers.
    """
    sizes = sorted(by_size)
    figure, (acc_ax, gain_ax) = new_figure(2, width=5.0, height=3.6)
    for name, color in ((baseline, COLORS["test_error"]), (dropout, COLORS["dropout"])):
        stats = [mean_sd((r.test_acc * 100 for r in by_setting(by_size[s])[name]), single_sd=0.0) for s in sizes]
        acc_ax.errorbar(sizes, [m for m, _ in stats], yerr=[sd for _, sd in stats], fmt="o-", capsize=3,
                        color=color, label=f"{name} (mean ± sd)")
    for (label, acc), marker in zip((full or {}).items(), "DP"):
        acc_ax.plot([60_000], [acc * 100], marker, mfc="none", ms=8, color="black", label=label)
    ticks = sizes + ([60_000] if full else [])
    acc_ax.set(xscale="log", xlabel="training images", ylabel="test accuracy (%)", title="Test accuracy vs size")
    acc_ax.legend(fontsize=7, loc="lower right")
    gains = [paired_gain(by_size[s], dropout, baseline) for s in sizes]
    gain_ax.errorbar(sizes, [g[0] * 100 for g in gains], yerr=[g[1] * 100 for g in gains], fmt="o-", capsize=3,
                     color=COLORS["dropout"], label=f"{dropout} − {baseline} (± se)")
    gain_ax.axhline(0, color="black", lw=0.8)
    gain_ax.set(xscale="log", xlabel="training images", ylabel="gain in test accuracy (points)",
                title="What dropout adds, paired by seed")
    gain_ax.legend(fontsize=7)
    for ax, these in ((acc_ax, ticks), (gain_ax, sizes)):
        ax.set_xticks(these, [f"{s:,}" for s in these])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
    return figure


def p_choice_figure(results, ps: dict, chosen: str):
    """Validation and test accuracy and loss against p (mean ± sd over seeds); the setting
    chosen on validation marked. ps: {setting name: p}."""
    groups = by_setting(results)
    names = sorted(ps, key=ps.get)
    x = [ps[name] for name in names]
    figure, (acc_ax, loss_ax) = new_figure(2, width=4.6, height=3.4)
    for split, color, style in (("val", "tab:blue", "o-"), ("test", COLORS["test_error"], "s--")):
        for ax, metric, scale in ((acc_ax, "acc", 100), (loss_ax, "loss", 1)):
            stats = [mean_sd((getattr(r, f"{split}_{metric}") * scale for r in groups[name]), single_sd=0.0)
                     for name in names]
            ax.errorbar(x, [m for m, _ in stats], yerr=[sd for _, sd in stats], fmt=style, capsize=3, color=color,
                        label="validation" if split == "val" else "test (reported, not used to choose)")
    for ax, what in ((acc_ax, "accuracy (%)"), (loss_ax, "loss")):
        ax.axvline(ps[chosen], color="black", lw=0.8, ls=":", label=f"chosen on validation: p = {ps[chosen]}")
        ax.set(xlabel="dropout probability p (input and hidden)", ylabel=what, title=what.replace(" (%)", "") + " vs p")
        ax.grid(alpha=0.3)
    acc_ax.legend(fontsize=7, loc="lower center")
    return figure


class RunCurvesBrowser(Explorer):
    """Browse the training of each setting of a sweep with a slider: training loss (dropout
    on) and validation loss along the steps, one line per seed, on axes fixed for all."""

    title = "Training and validation loss of each p"

    def __init__(self, results, ps: dict, description: str = "p"):
        groups = by_setting(results)
        if not groups:
            raise ValueError("results must hold at least one run, got none")
        self.groups = {ps[name]: groups[name] for name in sorted(ps, key=ps.get) if name in groups}
        super().__init__()
        figure, (self.train_ax, self.val_ax) = new_figure(2, width=4.6, height=3.3)
        seeds = max(len(group) for group in self.groups.values())
        self.train_lines = [self.train_ax.plot([], [], color=c)[0] for c in CYCLE[:seeds]]
        self.val_lines = [self.val_ax.plot([], [], color=c)[0] for c in CYCLE[:seeds]]
        everything = [r for group in self.groups.values() for r in group]
        last = max(r.curve_steps[-1] for r in everything)
        for ax, field, what in ((self.train_ax, "curve_train_loss", "training loss (dropout on)"),
                                (self.val_ax, "curve_val_loss", "validation loss")):
            values = [v for r in everything for v in getattr(r, field)]
            ax.set(xlim=(0, last), ylim=(0, max(values) * 1.05), xlabel="step", ylabel=what, title=what)
            ax.grid(alpha=0.3)
        self.slider = widgets.SelectionSlider(options=list(self.groups), description=description,
                                              continuous_update=True)
        self.numbers = widgets.HTML()
        self.slider.observe(self.update, names="value")
        self._set_up([self.slider, self.numbers], figure)

    def cache_key(self):
        return self.slider.value

    def redraw(self):
        group = self.groups[self.slider.value]
        for lines, field in ((self.train_lines, "curve_train_loss"), (self.val_lines, "curve_val_loss")):
            for k, line in enumerate(lines):
                if k < len(group):
                    line.set_data(group[k].curve_steps, getattr(group[k], field))
                    line.set_label(f"seed {group[k].run.seed}")
                else:
                    line.set_data([], [])
        self.val_ax.legend(handles=self.val_lines[:len(group)], fontsize=8)
        self.figure.suptitle(f"p = {self.slider.value}" + (" (no dropout)" if self.slider.value == 0 else ""))

    def after_redraw(self):
        group = self.groups[self.slider.value]
        val = statistics.fmean(r.val_acc for r in group)
        low = min(min(r.curve_val_loss) for r in group)
        end = statistics.fmean(r.curve_val_loss[-1] for r in group)
        self.numbers.value = (
            f"<b>p = {html.escape(str(self.slider.value))}</b>: validation accuracy <b>{100 * val:.2f}%</b> "
            f"(mean of {len(group)} seeds); validation loss at the end {end:.3f}, lowest along the way {low:.3f}"
        )

