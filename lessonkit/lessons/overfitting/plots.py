"""The static figures of lesson 1: underfit, good fit and overfit polynomials.

Each function returns a matplotlib `Figure` (detached from pyplot); `show(figure)` puts it
in the notebook as a PNG, which GitHub displays too:

    show(plot_three_regimes(data))

Colors follow the study note: green is the good fit, yellow the overfit one.
"""
import torch

from lessonkit.core.figures import COLORS, GRID, Y_LIMITS, draw_points_and_truth, new_figure
from lessonkit.core.polyfit import ErrorCurve, fit_polynomial, legendre_features, mse, train_test_errors
from lessonkit.core.regression_data import make_regression_data

KNOB_NAMES = {"degree": "degree", "ridge": "λ"}
ERROR_LIMITS = (1e-5, 1e5)  # log-scale MSE axis; exact interpolation (MSE ~1e-25) sits on the floor


def regime_color(degree: int, curve: ErrorCurve) -> str:
    """Green at the best degree, purple below it (underfit), yellow above it (overfit)."""
    best = curve.best
    return COLORS["good"] if degree == best else COLORS["underfit"] if degree < best else COLORS["overfit"]


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
        ax.legend(loc="lower right", fontsize=7)
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


def draw_error_curve(ax, curve: ErrorCurve):
    """Train and test MSE against the knob of `curve`, log scale, best value marked.

    Returns the (train line, test line, best marker) artists so an explorer can update them.
    """
    values = torch.tensor(curve.values, dtype=torch.float64)
    train_line, = ax.plot(values, clip_errors(curve.train), "o-", ms=3, color=COLORS["train"], label="train MSE")
    test_line, = ax.plot(values, clip_errors(curve.test), "o-", ms=3, color=COLORS["test_error"], label="test MSE")
    best_marker, = ax.plot([curve.best], [curve.test.min()], "*", ms=14, color=COLORS["good"],
                           label=f"best {KNOB_NAMES[curve.knob]}: {curve.best:.3g}")
    ax.set_yscale("log")
    ax.set(ylabel="mean squared error (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    return train_line, test_line, best_marker


def plot_error_vs_degree(data=None, max_degree: int = 20):
    """Train and test error for degrees 0..max_degree: the training error falls, the test error makes a U."""
    data = data or make_regression_data()
    curve = train_test_errors(data, range(max_degree + 1))
    figure, ax = new_figure(width=6.4, height=3.8)
    draw_error_curve(ax, curve)
    ax.axvspan(-0.5, curve.best - 0.5, color=COLORS["underfit"], alpha=0.08, label="underfit")
    ax.axvspan(curve.best + 0.5, max_degree + 0.5, color=COLORS["overfit"], alpha=0.12, label="overfit")
    ax.set(xlabel="polynomial degree", xlim=(-0.5, max_degree + 0.5),
           title=f"Error against degree ({data.n_train} training points): best degree {curve.best}")
    ax.legend(fontsize=8, loc="upper left")
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
