"""The playground's pictures: the decision boundary over the points, and the loss and
accuracy curves. The widget redraws them live; `plot_boundaries` and `plot_curves` draw
finished trainers side by side for the notebook.
"""
import torch

from lessonkit.core.figures import COLORS, new_figure

X_LIMITS, Y_LIMITS = (-2.0, 2.0), (-1.5, 1.5)
GRID_SIZE = 61  # 61 x 61 predictions per picture: smooth enough, and cheap to redraw 10 times a second
_xs, _ys = torch.linspace(*X_LIMITS, GRID_SIZE), torch.linspace(*Y_LIMITS, GRID_SIZE)
GRID_X, GRID_Y = torch.meshgrid(_xs, _ys, indexing="xy")
GRID_POINTS = torch.stack([GRID_X.reshape(-1), GRID_Y.reshape(-1)], dim=1)  # (61 * 61, 2)
_GRID_X_NP, _GRID_Y_NP = GRID_X.numpy(), GRID_Y.numpy()  # matplotlib walks a tensor row by row: slow
LEVELS = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0]  # sure, fairly sure, unsure; either side of 0.5
CMAP = "RdBu"  # red: class 0 (upper moon), blue: class 1 (lower moon); white: undecided
CLASS_COLORS = ("#b2182b", "#2166ac")


def point_colors(data):
    """One colour per training point, by its label (flipped labels included)."""
    return [CLASS_COLORS[int(label)] for label in data.y_train]


def point_edges(data):
    """One edge colour per training point: black around a flipped label, white otherwise."""
    return ["black" if flipped else "white" for flipped in data.flipped.tolist()]


def draw_points(ax, data):
    """The training points, coloured by their (possibly flipped) label; a flipped label gets a
    black ring, so the islands an overfit network draws around them can be matched to them."""
    x = data.x_train.numpy()
    return ax.scatter(x[:, 0], x[:, 1], c=point_colors(data), s=20, edgecolors=point_edges(data),
                      linewidths=[1.4 if f else 0.6 for f in data.flipped.tolist()], zorder=3)


def draw_boundary(ax, probabilities: torch.Tensor):
    """Filled contours of P(class 1) on the grid and the 0.5 line, the decision boundary
    (결정 경계). Returns the two new artists (the caller removes them before the next draw)."""
    z = probabilities.reshape(GRID_SIZE, GRID_SIZE).numpy()
    fill = ax.contourf(_GRID_X_NP, _GRID_Y_NP, z, levels=LEVELS, cmap=CMAP, vmin=0, vmax=1, alpha=0.75)
    line = ax.contour(_GRID_X_NP, _GRID_Y_NP, z, levels=[0.5], colors="black", linewidths=1.2)
    return [fill, line]


def style_boundary_axes(ax):
    ax.set(xlim=X_LIMITS, ylim=Y_LIMITS, aspect="equal", xticks=[], yticks=[])


def draw_curves(loss_ax, acc_ax, history: dict, label: str = "", style: str = "-"):
    """Train and test loss on `loss_ax`, accuracy on `acc_ax`, against the step. Returns the lines."""
    lines = []
    for ax, key in ((loss_ax, "loss"), (acc_ax, "acc")):
        for part, color in (("train", COLORS["train"]), ("test", COLORS["test_error"])):
            line, = ax.plot(history["step"], history[f"{part}_{key}"], style, color=color, lw=1.5,
                            label=f"{part} {label}".strip())
            lines.append(line)
    loss_ax.set(xlabel="step", ylabel="cross-entropy loss (dropout off)")
    acc_ax.set(xlabel="step", ylabel="accuracy (dropout off)", ylim=(0.45, 1.01))
    return lines


def plot_boundaries(trainers, titles):
    """The decision boundaries of finished trainers, side by side, over their training points,
    with one colour bar for P(class 1) and a legend for the flipped labels."""
    from matplotlib.lines import Line2D

    figure, axes = new_figure(len(trainers), 1, width=3.6, height=3.2)
    for ax, trainer, title in zip(axes, trainers, titles):
        fill, _ = draw_boundary(ax, trainer.probabilities(GRID_POINTS))
        draw_points(ax, trainer.data)
        style_boundary_axes(ax)
        row = trainer.latest()
        ax.set_title(f"{title}\ntrain loss {row['train_loss']:.2f}, test loss {row['test_loss']:.2f}", fontsize=10)
    bar = figure.colorbar(fill, ax=list(axes), fraction=0.025, pad=0.02, ticks=LEVELS)
    bar.set_label("P(class 1, lower moon); black line: 0.5", fontsize=9)
    bar.ax.tick_params(labelsize=8)
    ring = Line2D([], [], marker="o", ls="", markerfacecolor="0.7", markeredgecolor="black", markeredgewidth=1.4,
                  label="flipped label")
    axes[0].legend(handles=[ring], fontsize=8, loc="lower left", framealpha=0.85)
    return figure


def plot_curves(trainers, labels):
    """Loss and accuracy against the step for several trainers: solid, dashed, dotted..."""
    figure, (loss_ax, acc_ax) = new_figure(2, 1, width=4.4, height=3.0)
    for trainer, label, style in zip(trainers, labels, ("-", "--", ":", "-.")):
        draw_curves(loss_ax, acc_ax, trainer.history, label, style)
    loss_ax.legend(fontsize=8)
    acc_ax.legend(fontsize=8, loc="lower right")
    return figure
