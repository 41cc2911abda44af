"""The static figures of lesson 1: underfit, good fit and overfit polynomials.

Each function returns a matplotlib `Figure` (detached from pyplot); `show(figure)` puts it
in the notebook as a PNG, which GitHub displays too:

    show(plot_three_regimes(data))

Colors follow the study note: green is the good fit, yellow the overfit one.
"""
import torch

from lessonkit.core.figures import COLORS, new_figure
from lessonkit.lessons.overfitting.data import make_regression_data, true_function
from lessonkit.lessons.overfitting.model import ErrorCurve, fit_polynomial, legendre_features, mse, train_test_errors
from lessonkit.lessons.overfitting.train import (
    Selection,
    bias_variance,
    choose_degree,
    choose_steps,
    early_stopping_errors,
)

KNOB_NAMES = {"degree": "degree", "ridge": "λ", "steps": "stopping step"}
ERROR_LIMITS = (1e-5, 1e5)  # log-scale MSE axis; exact interpolation (MSE ~1e-25) sits on the floor

# The 1-D regression problem of lessons 1 and 3 lives on [-1, 1].
GRID = torch.linspace(-1, 1, 401, dtype=torch.float64)  # where curves are drawn
Y_LIMITS = (-2.2, 2.2)  # the true curve stays in [-1, 1]; an overfit curve leaves it, and we say so


def draw_points_and_truth(ax, data, *, test: bool = False):
    """A `RegressionData`'s training points, optionally its test points, and the true curve."""
    if test:
        ax.scatter(data.x_test, data.y_test, s=9, color=COLORS["test"], alpha=0.6, label="test points")
    ax.scatter(data.x_train, data.y_train, s=22, color=COLORS["train"], zorder=3, label="training points")
    ax.plot(GRID, data.true_fn(GRID), "--", color=COLORS["true"], lw=1.2, label="true function")
    ax.set(xlim=(-1.05, 1.05), ylim=Y_LIMITS, xlabel="x", ylabel="y")


def regime_color(degree: int, chosen: int, simplest: int | None = None) -> str:
    """Green from `simplest` (the one-standard-error rule's degree; default: `chosen`) to `chosen`
    (the lowest CV error): degrees validation data cannot tell apart from the best; purple below,
    yellow above."""
    simplest = chosen if simplest is None else simplest
    return (COLORS["underfit"] if degree < simplest else COLORS["overfit"] if degree > chosen
            else COLORS["good"])


def clip_errors(errors: torch.Tensor) -> torch.Tensor:
    """MSE values clipped to ERROR_LIMITS, so a log-scale axis stays readable."""
    return errors.clamp(*ERROR_LIMITS)


def plot_three_regimes(data=None, degrees=(1, 3, 15)):
    """Three panels side by side: underfit, good fit and overfit, errors in the titles."""
    data = data or make_regression_data()
    names = ["underfit", "good fit", "overfit"]  # the Korean terms are in the text: no Hangul font is assumed
    colors = [COLORS["underfit"], COLORS["good"], COLORS["overfit"]]
    figure, axes = new_figure(3, 1, width=3.6, height=3.2)
    for ax, degree, name, color in zip(axes, degrees, names, colors):
        fit = fit_polynomial(data.x_train, data.y_train, degree)
        draw_points_and_truth(ax, data)
        ax.plot(GRID, fit(GRID), color=color, lw=2.2, label=f"degree {degree} fit")
        ax.set_title(f"{name}: degree {degree}\ntrain MSE {mse(fit, data.x_train, data.y_train):.3g}, "
                     f"test MSE {mse(fit, data.x_test, data.y_test):.3g}", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
    return figure


def plot_test_truth(data=None, good: int = 3, overfit: int = 15):
    """The good and the overfit model drawn over the held-out test points."""
    data = data or make_regression_data()
    figure, ax = new_figure(width=6.4, height=3.8)
    ax.scatter(data.x_test, data.y_test, s=12, color=COLORS["test"], alpha=0.7, label="test points (never fitted)")
    ax.scatter(data.x_train, data.y_train, s=14, facecolors="none", edgecolors=COLORS["train"],
               label="training points")
    for degree, color in [(good, COLORS["good"]), (overfit, COLORS["overfit"])]:
        fit = fit_polynomial(data.x_train, data.y_train, degree)
        ax.plot(GRID, fit(GRID), color=color, lw=2.4,
                label=f"degree {degree}: train MSE {mse(fit, data.x_train, data.y_train):.3g}, "
                      f"test MSE {mse(fit, data.x_test, data.y_test):.3g}")
    ax.set(xlim=(-1.05, 1.05), ylim=Y_LIMITS, xlabel="x", ylabel="y",
           title="The test set tells the truth: lower training error, higher test error")
    ax.legend(loc="lower right", fontsize=8)
    return figure


TEST_LABEL = "test MSE (drawn for teaching, never used to choose)"


def draw_error_curve(ax, curve: ErrorCurve, selection: Selection | None = None):
    """Train and test MSE against the knob of `curve`, log scale; with a `selection`, its
    cross-validation (CV) MSE too and a star at the value chosen on it.

    Returns the (train line, test line, CV line, chosen marker) artists so an explorer can
    update them; the last two are None without a selection.
    """
    values = torch.tensor(curve.values, dtype=torch.float64)
    train_line, = ax.plot(values, clip_errors(curve.train), "o-", ms=3, color=COLORS["train"], label="train MSE")
    test_line, = ax.plot(values, clip_errors(curve.test), "o--", ms=2.5, lw=1, alpha=0.6,
                         color=COLORS["test_error"], label=TEST_LABEL)
    cv_line = chosen_marker = None
    if selection is not None:
        name = KNOB_NAMES[selection.knob]
        cv_line, = ax.plot(values, clip_errors(selection.validation), "o-", ms=3, color=COLORS["good"],
                           label=f"{selection.folds}-fold cross-validation MSE")
        chosen = selection.values.index(selection.choice)
        chosen_marker, = ax.plot([selection.choice], [selection.validation[chosen]], "*", ms=15, color=COLORS["good"],
                                 markeredgecolor="black",
                                 label=f"lowest cross-validation MSE ({name} {selection.choice:g})")
    ax.set_yscale("log")
    ax.set(ylabel="mean squared error (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    return train_line, test_line, cv_line, chosen_marker


def plot_train_and_test_error(data=None, max_degree: int = 20):
    """Train and test error for degrees 0..max_degree: the training error falls, the test error makes a U."""
    data = data or make_regression_data()
    curve = train_test_errors(data, range(max_degree + 1))
    figure, ax = new_figure(width=6.4, height=3.8)
    draw_error_curve(ax, curve)
    ax.set(xlabel="polynomial degree", xlim=(-0.5, max_degree + 0.5),
           title=f"Error against degree ({data.n_train} training points)")
    ax.legend(fontsize=8, loc="upper left")
    return figure


def plot_error_vs_degree(data=None, selection: Selection | None = None, max_degree: int = 20):
    """Train, cross-validation and test error against degree; the lowest CV error is starred, the
    degrees from the one-standard-error rule's to the CV minimum shaded green.

    `selection` is `choose_degree(data, ...)`'s answer (default: 5 folds, degrees 0..max_degree).
    The test curve is drawn faint and dashed: it is there to compare with, not to choose by.
    """
    data = data or make_regression_data()
    selection = selection or choose_degree(data, range(max_degree + 1))
    if selection.knob != "degree":
        raise ValueError(f"selection must choose a degree, got one that chooses {selection.knob}")
    degrees = selection.values
    curve = train_test_errors(data, degrees)
    figure, ax = new_figure(width=6.4, height=3.8)
    draw_error_curve(ax, curve, selection)
    chosen, simplest = selection.choice, selection.one_standard_error
    ax.axvspan(min(degrees) - 0.5, simplest - 0.5, color=COLORS["underfit"], alpha=0.08,
               label="below the one-SE rule's degree")
    ax.axvspan(simplest - 0.5, chosen + 0.5, color=COLORS["good"], alpha=0.10,
               label="within one SE of the lowest CV MSE")
    ax.axvspan(chosen + 0.5, max(degrees) + 0.5, color=COLORS["overfit"], alpha=0.12, label="above the CV minimum")
    ax.set(xlabel="polynomial degree", xlim=(min(degrees) - 0.5, max(degrees) + 0.5),
           title=f"{data.n_train} training points: CV minimum at degree {chosen}, one-SE rule degree {simplest}")
    ax.legend(fontsize=8, loc="upper left")
    return figure


def plot_early_stopping(data=None, selection: Selection | None = None, degree: int = 15):
    """Train, cross-validation and test error of gradient descent on degree `degree` against the
    number of steps (log scale); the step chosen by CV is starred. `selection` is
    `choose_steps(data, degree, ...)`'s answer (default: 5 folds, 1 to 10⁶ steps)."""
    data = data or make_regression_data()
    selection = selection or choose_steps(data, degree)
    if selection.knob != "steps":
        raise ValueError(f"selection must choose a number of steps, got one that chooses {selection.knob}")
    curve = early_stopping_errors(data, degree, selection.values)
    figure, ax = new_figure(width=6.4, height=3.8)
    draw_error_curve(ax, curve, selection)
    ax.set(xscale="log", xlabel="gradient-descent steps (log scale)",
           title=f"Early stopping, degree {degree}: cross-validation stops at step {selection.choice}")
    ax.legend(fontsize=8, loc="upper center")
    return figure


def plot_bias_variance(degrees=(3, 15), n_samples: int = 30, n_train: int = 20, noise: float = 0.2, seed: int = 0):
    """One panel per degree: its fits to `n_samples` samples overlaid, their mean, the true
    curve, and the bias² and variance they measure (see `bias_variance`)."""
    figure, axes = new_figure(len(degrees), 1, width=3.9, height=3.4)
    axes = [axes] if len(degrees) == 1 else axes
    for ax, degree in zip(axes, degrees):
        study = bias_variance(degree, n_samples, n_train, noise, seed)
        color = COLORS["good"] if study.variance < 1 else COLORS["overfit"]
        for curve in study.curves:
            ax.plot(study.grid, curve, color=color, lw=0.8, alpha=0.35)
        ax.plot(study.grid, true_function(study.grid), "--", color=COLORS["true"], lw=1.4, label="true function")
        ax.plot(study.grid, study.mean_curve, color="black", lw=2, label=f"mean of the {n_samples} fits")
        ax.set(xlim=(-1.05, 1.05), ylim=Y_LIMITS, xlabel="x", ylabel="y",
               title=f"degree {degree}, {n_samples} samples of {n_train} points\n"
                     f"bias² {study.bias2:.3g}, variance {study.variance:.3g}")
        ax.legend(loc="lower right", fontsize=8)
    return figure


def plot_more_data(sizes=(16, 18, 20, 25, 30, 50, 100, 200, 500, 1000), degree: int = 15, noise: float = 0.2,
                   seeds=range(5)):
    """Train and test error of one degree as the training sample grows (median over `seeds`)."""
    train, test = [], []
    for n in sizes:
        curves = [train_test_errors(make_regression_data(n_train=n, noise=noise, seed=s), [degree]) for s in seeds]
        train.append(torch.stack([c.train[0] for c in curves]).median())
        test.append(torch.stack([c.test[0] for c in curves]).median())
    figure, ax = new_figure(width=6.4, height=3.6)
    ax.plot(sizes, clip_errors(torch.stack(train)), "o-", color=COLORS["train"], label="train MSE")
    ax.plot(sizes, clip_errors(torch.stack(test)), "o-", color=COLORS["test_error"], label="test MSE")
    ax.axhline(noise**2, ls=":", color="black", label=f"noise variance {noise**2:g} (no model beats it)")
    ax.axvline(degree + 1, ls="--", color="0.5", lw=1)
    ax.text(degree + 1, ERROR_LIMITS[1] / 10, f" {degree + 1} points =\n {degree + 1} coefficients", fontsize=8)
    ax.set_xlim(min(sizes) * 0.9, max(sizes) * 1.1)
    ax.set(xscale="log", yscale="log", ylim=ERROR_LIMITS, xlabel="number of training points (log scale)",
           ylabel="mean squared error (log scale)",
           title=f"More data tames degree {degree} (median of {len(seeds)} samples)")
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return figure


def plot_features(degree: int = 5):
    """The features a degree-`degree` model combines: Legendre polynomials P0..P_degree."""
    figure, ax = new_figure(width=6.4, height=3.4)
    columns = legendre_features(GRID, degree)
    for k in range(degree + 1):
        ax.plot(GRID, columns[:, k], lw=1.6, label=f"P{k}")
    ax.set(xlabel="x", ylabel="feature value", ylim=(-1.1, 1.1),
           title=f"A degree-{degree} model adds up {degree + 1} features: c0·P0 + ... + c{degree}·P{degree}")
    ax.legend(fontsize=8, ncols=degree + 1, loc="lower center")
    return figure
