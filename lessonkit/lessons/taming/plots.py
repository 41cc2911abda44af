"""The figures of lesson 3 and its p explorer; colors and axes are lesson 1's.

    show(plot_overfit_vs_polynomial(data, overfit))   # the MLP beside lesson 1's degree 15
    show(plot_fits(data, [overfit, dropout]))          # curves over the train and test points
    show(plot_loss_curves([overfit, dropout]))         # train and test MSE per epoch
    show(plot_error_vs_p(fits))                        # test error against p
    show(plot_mc_dropout(data, dropout))               # MC-dropout mean ± one std
    PExplorer(data, fits)                              # a p slider that picks among fits
    show(plot_paired_differences(comparison))          # many samples: each method minus none
"""
import ipywidgets as widgets
import torch

from lessonkit.core.figures import COLORS, Explorer, new_figure
from lessonkit.core.language import tr
from lessonkit.lessons.overfitting.plots import GRID, Y_LIMITS, draw_points_and_truth
from lessonkit.lessons.overfitting.polyfit import fit_polynomial, mse
from lessonkit.lessons.taming.network import MLPFit, mc_dropout_predict

WIDE = torch.linspace(-1.6, 1.6, 321)  # beyond the data, where MC dropout should be unsure


def label(fit: MLPFit) -> str:
    """'no dropout', 'dropout p=0.3' or 'L2 (Adam weight_decay, λ=0.001)'."""
    if fit.weight_decay:
        return f"L2 (Adam weight_decay, λ={fit.weight_decay:g})"
    return f"dropout p={fit.p:g}" if fit.p else "no dropout"


def color(fit: MLPFit) -> str:
    return COLORS["l2"] if fit.weight_decay else COLORS["dropout"] if fit.p else COLORS["overfit"]


def _errors(fit: MLPFit) -> str:
    return f"train MSE {fit.train_mse:.3g}, test MSE {fit.test_mse:.3g}"


def plot_overfit_vs_polynomial(data, fit: MLPFit, degree: int = 15):
    """Left: the network's curve; right: lesson 1's degree-`degree` polynomial, same data."""
    figure, (left, right) = new_figure(2, 1, width=4.6, height=3.4)
    poly = fit_polynomial(data.x_train, data.y_train, degree)
    panels = [(left, fit.predict(GRID).numpy(), f"MLP 1-{fit.model[0].out_features}-{fit.model[0].out_features}-1, "
               f"{label(fit)}\n{_errors(fit)}"),
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
        ax.plot(GRID, fit.predict(GRID).numpy(), color=color(fit), lw=2.2, label=f"{label(fit)}: {_errors(fit)}")
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


class PExplorer(Explorer):
    """A p slider over networks trained once: the curve and the errors of the chosen p.

    Left: the fitted curve over the train and test points. Right: train and test MSE
    against p, the current p marked. Moving the slider trains nothing: it swaps curves.
    """

    title = "Lesson 3: dropout p explorer"

    def __init__(self, data, fits: list[MLPFit], p: float | None = None):
        super().__init__()
        if not fits or any(not isinstance(f, MLPFit) for f in fits):
            raise TypeError("fits must be a non-empty list of MLPFit, e.g. from train_p_grid")
        self.fits = sorted(fits, key=lambda f: f.p)
        ps = [f.p for f in self.fits]
        if p is None:
            p = ps[0]
        if p not in ps:
            raise ValueError(tr(f"p must be one of the trained values {ps}, got {p!r}"))
        self.curves = [f.predict(GRID).numpy() for f in self.fits]  # every curve the slider can show, once
        self.slider = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in ps], value=p, description="p",
                                              continuous_update=True)
        self.numbers = widgets.HTML()
        figure, (left, right) = new_figure(2, 1, width=4.4, height=3.4)
        draw_points_and_truth(left, data, test=True)
        self.line, = left.plot(GRID, self.curves[0], color=COLORS["dropout"], lw=2.2, label="network (eval mode)")
        left.legend(loc="lower right", fontsize=8)
        draw_error_vs_p(right, self.fits)
        self.train_marker, = right.plot([], [], "o", ms=9, mfc="none", mec=COLORS["train"], mew=2)
        self.test_marker, = right.plot([], [], "o", ms=9, mfc="none", mec=COLORS["test_error"], mew=2)
        self.left = left
        self._set_up([self.slider, self.numbers], figure, moving=[self.line, self.train_marker, self.test_marker])
        self.slider.observe(self.update, names="value")

    @property
    def fit(self) -> MLPFit:
        return self.fits[[f.p for f in self.fits].index(self.slider.value)]

    def redraw(self):
        fit = self.fit
        i = self.fits.index(fit)
        self.line.set_ydata(self.curves[i])
        self.line.set_color(COLORS["overfit"] if fit.p == 0 else COLORS["dropout"])
        self.train_marker.set_data([fit.p], [fit.train_mse])
        self.test_marker.set_data([fit.p], [fit.test_mse])
        self.numbers.value = (f"<b>p = {fit.p:g}</b> ({label(fit)}): train MSE <b>{fit.train_mse:.4f}</b>, "
                              f"test MSE <b>{fit.test_mse:.4f}</b>, gap {fit.test_mse - fit.train_mse:.4f}")


def plot_paired_differences(contest, methods=("dropout", "L2", "early stopping")):
    """Per sample, test MSE of each method minus no regularization (dots), with the mean and
    its 95% interval (bar). Below zero: the method did better on that sample. contest: a
    `contest.Contest` (the record of section 6)."""
    figure, ax = new_figure(width=6.4, height=3.8)
    ax.axhline(0, color="0.4", lw=0.8)
    ticks = []
    none = torch.tensor(contest.test("none"))
    for i, method in enumerate(methods):
        diff = (torch.tensor(contest.test(method)) - none).numpy()
        spread = torch.linspace(-0.2, 0.2, len(diff)).numpy()  # side by side, not random jitter
        ax.scatter(i + spread, diff, s=12, color=COLORS["test_error"], alpha=0.6, zorder=2)
        d = contest.compare(method)
        ax.errorbar([i + 0.32], [d.mean], yerr=[[d.mean - d.low], [d.high - d.mean]], fmt="o", color="black",
                    capsize=4, zorder=3)
        ticks.append(f"{method} minus none\n{d.mean:+.4f} ({d.low:+.4f} to {d.high:+.4f})\n"
                     f"better on {d.wins} of {d.n}")
    ax.set_xticks(range(len(methods)), ticks, fontsize=8)
    ax.set_xlim(-0.5, len(methods) - 0.5)
    ax.set(ylabel="test MSE difference", title=f"{len(contest.seeds)} samples, each knob chosen by 5-fold CV "
           "(dots: samples; bar: mean and 95% CI)")
    ax.title.set_fontsize(9)
    return figure


class FeatureDropoutExplorer(Explorer):
    """Dropout on lesson 1's 16 Legendre features, as the ridge fit it equals in expectation.

    Left: the fit over the training points for the slider's p, beside plain least squares.
    Right: the penalty λ_j = p/(1-p)·Σ_i x_ij² on each feature's weight. Each move solves a
    16 x 16 system: no training, so the picture follows the slider at once.
    """

    title = "Lesson 3: dropout on the features of a degree-15 polynomial"

    def __init__(self, data, p: float = 0.1, degree: int = 15):
        from lessonkit.core.checks import check_int, check_probability
        from lessonkit.lessons.overfitting.polyfit import legendre_features
        from lessonkit.lessons.taming.dropout_ridge import dropout_ridge, feature_penalties

        check_probability("p", p)
        check_int("degree", degree, 1, 20)
        super().__init__()
        self._solve, self._penalties = dropout_ridge, feature_penalties
        self.data = data
        self.features = legendre_features(data.x_train.double(), degree)
        self.grid_features = legendre_features(GRID, degree)
        self.y = data.y_train.double()
        self.slider = widgets.SelectionSlider(options=[0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9], value=p,
                                              description="p", continuous_update=True)
        self.numbers = widgets.HTML()
        figure, (left, right) = new_figure(2, 1, width=4.4, height=3.4)
        draw_points_and_truth(left, data)
        plain = fit_polynomial(data.x_train, data.y_train, degree)
        left.plot(GRID, plain(GRID), color=COLORS["overfit"], lw=1.2, alpha=0.5, label="least squares (p = 0)")
        self.line, = left.plot(GRID, GRID, color=COLORS["dropout"], lw=2.2, label="dropout on the features")
        left.legend(loc="lower right", fontsize=8)
        ks = list(range(degree + 1))
        self.bars, = right.plot(ks, [1.0] * len(ks), "o-", color=COLORS["l2"], ms=4)
        right.set(yscale="log", ylim=(1e-3, 1e3), xlabel="feature P_k (Legendre degree k)",
                  ylabel="penalty λ_k on its weight", title="dropout's ridge penalty per feature")
        right.grid(alpha=0.3)
        self._set_up([self.slider, self.numbers], figure, moving=[self.line, self.bars])
        self.slider.observe(self.update, names="value")

    def redraw(self):
        p = self.slider.value
        w = self._solve(self.features, self.y, p)
        self.line.set_ydata(self.grid_features @ w)
        penalties = self._penalties(self.features, p)
        self.bars.set_ydata(penalties)
        train = ((self.features @ w - self.y) ** 2).mean().item()
        self.numbers.value = (f"<b>p = {p:g}</b>: λ_0 = {penalties[0]:.3g} on the constant P0, "
                              f"λ_15 = {penalties[-1]:.3g} on P15; train MSE {train:.4f}")
