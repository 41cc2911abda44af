"""Figures of lesson 5's lab: live training curves and a grid of predictions.
The experiments' figures are in `experiment_plots`."""
import numpy as np

from lessonkit.core.figures import LivePlot, new_figure


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
