"""Figures of lesson 5: training curves (live or finished), a grid of predictions, and a
browser of a sweep over the dropout probability p."""
import html

import ipywidgets as widgets
import numpy as np

from lessonkit.core.figures import CYCLE, Explorer, LivePlot, new_figure


def _style(loss_ax, acc_ax):
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)


def _train_columns(history):
    """Train loss/accuracy measured in eval mode when recorded, else the running (dropout-on) ones."""
    loss = "train_eval_loss" if "train_eval_loss" in history.columns else "train_loss"
    acc = "train_eval_acc" if "train_eval_acc" in history.columns else "train_acc"
    return loss, acc


def curves_figure(runs: dict, *, title: str = ""):
    """Loss and accuracy against epoch for each named run: train solid, test dashed.

    runs: {"p = 0.3": history, "no dropout": history, ...} with `lessonkit.core.history.History`.
    """
    figure, (loss_ax, acc_ax) = new_figure(2, width=4.8, height=3.4)
    for color, (name, history) in zip(CYCLE, runs.items()):
        train_loss, train_acc = _train_columns(history)
        epochs = history["epoch"]
        loss_ax.plot(epochs, history[train_loss], color=color, label=f"{name}: train")
        loss_ax.plot(epochs, history["test_loss"], color=color, ls="--", label=f"{name}: test")
        acc_ax.plot(epochs, history[train_acc], color=color, label=f"{name}: train")
        acc_ax.plot(epochs, history["test_acc"], color=color, ls="--", label=f"{name}: test")
    _style(loss_ax, acc_ax)
    loss_ax.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    return figure


class LiveCurves:
    """Training curves that redraw after every epoch: pass it as `train(..., on_epoch=curves)`.

    The figure is shown when the first epoch ends; the saved notebook keeps the last state.
    """

    def __init__(self, epochs: int, title: str = "Training"):
        self.figure, (self.loss_ax, self.acc_ax) = new_figure(2, width=4.8, height=3.4)
        _style(self.loss_ax, self.acc_ax)
        self.figure.suptitle(title)
        self.lines = {
            "train_loss": self.loss_ax.plot([], [], color="tab:blue", label="train (dropout on)")[0],
            "test_loss": self.loss_ax.plot([], [], color="tab:orange", ls="--", label="test")[0],
            "train_acc": self.acc_ax.plot([], [], color="tab:blue", label="train (dropout on)")[0],
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


def size_figure(sizes, accuracies: dict, losses: dict | None = None):
    """Test accuracy (and, given `losses`, test loss) against the number of training
    images, one line per named model: {"no dropout": [acc per size], ...}."""
    panels = {"accuracy": accuracies} if losses is None else {"accuracy": accuracies, "loss": losses}
    for what, values in panels.items():
        for name, column in values.items():
            if len(column) != len(sizes):
                raise ValueError(f"{what} of {name!r} has {len(column)} values for {len(sizes)} sizes")
    figure, axes = new_figure(len(panels), width=5.2 if losses is None else 4.4, height=3.4)
    for ax, (what, values) in zip(np.atleast_1d(axes), panels.items()):
        for color, (name, column) in zip(CYCLE, values.items()):
            ax.plot(sizes, column, "o-", color=color, label=name)
        ax.set(xscale="log", xlabel="training images", ylabel=f"test {what}", title=f"Test {what} vs training-set size")
        ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
        ax.minorticks_off()
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
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


def sweep_summary(histories: dict) -> list[dict]:
    """Per p: final test accuracy, final train accuracy (eval mode when recorded) and their gap."""
    rows = []
    for p, history in histories.items():
        _, train_acc = _train_columns(history)
        last = history.last()
        rows.append({"p": p, "test_acc": last["test_acc"], "train_acc": last[train_acc],
                     "gap": last[train_acc] - last["test_acc"]})
    return rows


class PSweepBrowser(Explorer):
    """Browse the training curves of a sweep over p with a slider.

    histories: {p: History} from runs that differ only in p. The axes keep one scale for
    every p, so moving the slider compares runs directly.
    """

    title = "Curves of each run of the p sweep"

    def __init__(self, histories: dict):
        if not histories:
            raise ValueError("histories must hold at least one run, got none")
        self.histories = dict(sorted(histories.items()))
        self.rows = {row["p"]: row for row in sweep_summary(self.histories)}
        super().__init__()
        figure, (self.loss_ax, self.acc_ax) = new_figure(2, width=4.6, height=3.3)
        _style(self.loss_ax, self.acc_ax)
        self.lines = {
            "train_loss": self.loss_ax.plot([], [], color="tab:blue", label="train")[0],
            "test_loss": self.loss_ax.plot([], [], color="tab:orange", ls="--", label="test")[0],
            "train_acc": self.acc_ax.plot([], [], color="tab:blue", label="train")[0],
            "test_acc": self.acc_ax.plot([], [], color="tab:orange", ls="--", label="test")[0],
        }
        self._fix_limits()
        self.loss_ax.legend(fontsize=8)
        self.slider = widgets.SelectionSlider(options=list(self.histories), value=self._default_p(), description="p",
                                              continuous_update=True)
        self.numbers = widgets.HTML()
        self.slider.observe(self.update, names="value")
        self._set_up([self.slider, self.numbers], figure)

    def cache_key(self):
        return self.slider.value  # the runs are finished: each p is drawn only once

    def after_redraw(self):
        self._show_numbers(self.slider.value)

    def _default_p(self):
        return 0.3 if 0.3 in self.histories else next(iter(self.histories))

    def _fix_limits(self):
        columns = lambda h: [_train_columns(h)[0], "test_loss"], lambda h: [_train_columns(h)[1], "test_acc"]
        for ax, pick in zip((self.loss_ax, self.acc_ax), columns):
            values = [v for h in self.histories.values() for c in pick(h) for v in h[c]]
            low, high = min(values), max(values)
            pad = 0.05 * (high - low or 1)
            ax.set_ylim(low - pad, high + pad)
            ax.set_xlim(0.5, max(len(h) for h in self.histories.values()) + 0.5)

    def redraw(self):
        p = self.slider.value
        history = self.histories[p]
        train_loss, train_acc = _train_columns(history)
        for name, column in (("train_loss", train_loss), ("test_loss", "test_loss"),
                             ("train_acc", train_acc), ("test_acc", "test_acc")):
            self.lines[name].set_data(history["epoch"], history[column])
        self.figure.suptitle(f"p = {p}" + (" (no dropout)" if p == 0 else ""))

    def _show_numbers(self, p):
        row = self.rows[p]
        self.numbers.value = (
            f"<b>p = {html.escape(str(p))}</b>: test accuracy <b>{100 * row['test_acc']:.2f}%</b>, "
            f"train accuracy {100 * row['train_acc']:.2f}%, train - test gap <b>{100 * row['gap']:.2f}</b> points"
        )


def sweep_figure(rows: list[dict]):
    """Final test accuracy and train - test gap against p, from `sweep_summary`."""
    figure, (acc_ax, gap_ax) = new_figure(2, width=4.2, height=3.2)
    ps = [row["p"] for row in rows]
    acc_ax.plot(ps, [row["test_acc"] for row in rows], "o-", color="tab:orange")
    acc_ax.set(xlabel="dropout probability p", ylabel="test accuracy", title="Test accuracy vs p")
    gap_ax.plot(ps, [row["gap"] for row in rows], "o-", color="tab:purple")
    gap_ax.axhline(0, color="black", lw=0.8)
    gap_ax.set(xlabel="dropout probability p", ylabel="train - test accuracy", title="Overfitting gap vs p")
    for ax in (acc_ax, gap_ax):
        ax.grid(alpha=0.3)
    return figure
