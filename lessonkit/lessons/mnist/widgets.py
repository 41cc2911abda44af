"""Lesson 5's live views: training curves that redraw after every epoch, and a slider over the
runs of a p sweep."""
import html
import statistics

import ipywidgets as widgets

from lessonkit.core.figures import CYCLE, Explorer, LivePlot, new_figure
from lessonkit.core.language import tr


def _style(loss_ax, acc_ax):
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)


class LiveCurves:
    """Training curves that redraw after every epoch: pass it as `run_lab(..., on_epoch=curves)`.
    Loss: the epoch's mean training loss (dropout on) and the test loss; accuracy: the test's.

    The figure is shown when the first epoch ends; the saved notebook keeps the last state.
    """

    def __init__(self, epochs: int, title: str = "Training"):
        self.figure, (self.loss_ax, self.acc_ax) = new_figure(2, width=4.8, height=3.4)
        _style(self.loss_ax, self.acc_ax)
        self.figure.suptitle(title)
        self.lines = {
            "train_loss": self.loss_ax.plot([], [], color="tab:blue", label="train (dropout on)")[0],
            "test_loss": self.loss_ax.plot([], [], color="tab:orange", ls="--", label="test")[0],
            "test_acc": self.acc_ax.plot([], [], color="tab:orange", ls="--", label="test")[0],
        }
        for ax in (self.loss_ax, self.acc_ax):
            ax.set_xlim(0.5, epochs + 0.5)
            ax.legend(fontsize=8)
        self.plot = LivePlot(self.figure)

    def __call__(self, history):
        for name, line in self.lines.items():
            line.set_data(history["epoch"], history[name])
        for ax in (self.loss_ax, self.acc_ax):
            ax.relim()
            ax.autoscale_view(scalex=False)
        self.plot.show()


class RunCurvesBrowser(Explorer):
    """Browse the training of each p of a sweep with a slider: validation loss and accuracy
    along the steps, one line per seed, on axes fixed for all."""

    title = "Validation loss and accuracy of each p"

    def __init__(self, runs, ps: dict, description: str = "p"):
        if not ps:
            raise ValueError("ps must name at least one arm, got none")
        self.runs, self.arm_of = runs, {ps[arm]: arm for arm in sorted(ps, key=ps.get)}
        super().__init__()
        figure, (self.loss_ax, self.acc_ax) = new_figure(2, width=4.6, height=3.3)
        seeds = max(len(runs.seeds(arm)) for arm in ps)
        colors = [CYCLE[k % len(CYCLE)] for k in range(seeds)]
        self.loss_lines = [self.loss_ax.plot([], [], color=c, lw=1)[0] for c in colors]
        self.acc_lines = [self.acc_ax.plot([], [], color=c, lw=1)[0] for c in colors]
        curves = [runs.curve(arm, seed, metric=m) for arm in ps for seed in runs.seeds(arm) for m in ("loss",)]
        last = max(steps[-1] for steps, _ in curves)
        top = max(max(values) for _, values in curves)
        accs = [v for arm in ps for seed in runs.seeds(arm) for v in runs.curve(arm, seed, metric="accuracy")[1]]
        self.loss_ax.set(xlim=(0, last), ylim=(0, top * 1.05), xlabel="step", ylabel="validation loss",
                         title="validation loss")
        self.acc_ax.set(xlim=(0, last), ylim=(100 * min(accs) - 1, 100 * max(accs) + 1), xlabel="step",
                        ylabel="validation accuracy (%)", title="validation accuracy")
        for ax in (self.loss_ax, self.acc_ax):
            ax.grid(alpha=0.3)
        self.slider = widgets.SelectionSlider(options=list(self.arm_of), description=description,
                                              continuous_update=True)
        self.numbers = widgets.HTML()
        self.slider.observe(self.update, names="value")
        self._set_up([self.slider, self.numbers], figure)

    def cache_key(self):
        return self.slider.value

    def redraw(self):
        arm = self.arm_of[self.slider.value]
        seeds = self.runs.seeds(arm)
        for lines, metric, scale in ((self.loss_lines, "loss", 1), (self.acc_lines, "accuracy", 100)):
            for k, line in enumerate(lines):
                if k < len(seeds):
                    steps, values = self.runs.curve(arm, seeds[k], metric=metric)
                    line.set_data(steps, [scale * v for v in values])
                else:
                    line.set_data([], [])
        self.figure.suptitle(f"p = {self.slider.value}" + (" (no dropout)" if self.slider.value == 0 else "")
                             + f": {len(seeds)} seeds, one line each")

    def after_redraw(self):
        arm = self.arm_of[self.slider.value]
        acc, sd = self.runs.mean_sd(arm, "validation", "accuracy", stopped=True)
        end = statistics.fmean(self.runs.curve(arm, s, metric="accuracy")[1][-1] for s in self.runs.seeds(arm))
        steps = statistics.median(self.runs.stop_step(arm, s, metric="accuracy") for s in self.runs.seeds(arm))
        self.numbers.value = tr(
            "<b>p = {p}</b>: best validation accuracy <b>{acc:.2f}%</b> ± {sd:.2f} (mean ± sd over seeds), at step "
            "{steps:,.0f} (median); at the last step {end:.2f}% (mean)", p=html.escape(str(self.slider.value)),
            acc=100 * acc, sd=100 * sd, steps=steps, end=100 * end)
