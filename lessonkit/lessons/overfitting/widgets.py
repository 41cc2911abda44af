"""The sliders of lesson 1: a polynomial-fit explorer and a ridge (L2) explorer.

    PolyExplorer()     # degree, number of points, noise, and a "new sample" button
    RidgeExplorer()    # the strength λ of an L2 penalty on a degree-15 fit

When the data change, every fit the sliders can ask for is solved at once (a few ms), so
moving the degree slider only swaps the data of lines that already exist. Axes, ticks and
legends are drawn once; a move redraws only the artists that change (blitting), which
keeps each move within the 100 ms that `benchmarks/sliders.py` measures.
"""
import math

import ipywidgets as widgets
import torch

from lessonkit.core.checks import check_int, check_number
from lessonkit.core.figures import COLORS, Explorer, new_figure
from lessonkit.core.language import Message, tr
from lessonkit.core.training import one_thread
from lessonkit.lessons.overfitting.data import make_regression_data, true_function
from lessonkit.lessons.overfitting.model import (
    ErrorCurve,
    fit_all_degrees,
    fit_polynomial,
    legendre_features,
    mse,
    ridge_errors,
)
from lessonkit.lessons.overfitting.plots import (
    ERROR_LIMITS,
    GRID,
    Y_LIMITS,
    clip_errors,
    draw_error_curve,
    draw_points_and_truth,
    regime_color,
)
from lessonkit.lessons.overfitting.train import choose_degree, choose_ridge

MAX_DEGREE = 20
POINTS_RANGE = (5, 200)  # the points slider
NOISE_RANGE = (0.0, 1.0)  # the noise slider
RIDGE_EXPONENTS = (-8, 2)  # the λ slider runs from 1e-8 to 1e2
RIDGE_STEPS = 41  # stops of the λ slider: exponents -8, -7.75, ..., 2
FOLDS = 5  # the explorers choose by 5-fold cross-validation on the training points

GRID_FEATURES = legendre_features(GRID, MAX_DEGREE)  # every curve is a slice of it times coefficients


class PolyExplorer(Explorer):
    """Fit a polynomial to a noisy sample and watch the train and test errors.

    Left: the sample, the true curve and the fit. Right: train, cross-validation and test
    error against degree, with the current degree marked and the degree chosen by
    cross-validation starred (the test curve is never used to choose). `seed` picks the first sample; the
    "new sample" button draws the next one.
    """

    title = "Lesson 1 explorer: degree, points, noise"

    def __init__(self, degree: int = 3, n_train: int = 20, noise: float = 0.2, seed: int = 0):
        check_int("degree", degree, 0, MAX_DEGREE)
        check_int("n_train", n_train, *POINTS_RANGE)
        check_number("noise", noise, *NOISE_RANGE)
        make_regression_data(n_train=n_train, seed=seed)  # refuses a bad seed before any widget exists
        super().__init__()
        self.seed = seed
        self.degree = widgets.IntSlider(value=degree, min=0, max=MAX_DEGREE, description="degree",
                                        continuous_update=True)
        self.points = widgets.IntSlider(value=n_train, min=POINTS_RANGE[0], max=POINTS_RANGE[1], description="points")
        self.noise = widgets.FloatSlider(value=noise, min=NOISE_RANGE[0], max=NOISE_RANGE[1], step=0.05,
                                         description="noise")
        self.new_sample = widgets.Button(description="new sample", icon="refresh",
                                         tooltip="draw a new random sample with the same settings")
        self.readout = widgets.HTML()

        figure, (self.fit_ax, self.error_ax) = new_figure(2, 1, width=4.4, height=3.4)
        self._solve()
        self._build_artists()
        self.degree.observe(self.update, names="value")
        self.points.observe(self._data_changed, names="value")
        self.noise.observe(self._data_changed, names="value")
        self.new_sample.on_click(self._next_sample)
        controls = [widgets.HBox([self.degree, self.points]), widgets.HBox([self.noise, self.new_sample]), self.readout]
        self._refit()
        moving = [self.test_dots, self.train_dots, self.fit_line, self.fit_ax.title, self.fit_legend,
                  self.train_line, self.test_line, self.cv_line, self.chosen_marker, self.current_marker,
                  self.error_ax.title]
        self._set_up(controls, figure, moving=moving)

    def _build_artists(self):
        ax = self.fit_ax
        self.test_dots = ax.scatter([], [], s=8, color=COLORS["test"], alpha=0.5, label="test points")
        self.train_dots = ax.scatter([], [], s=22, color=COLORS["train"], zorder=3, label="training points")
        ax.plot(GRID, true_function(GRID), "--", color=COLORS["true"], lw=1.2, label="true function")
        self.fit_line, = ax.plot(GRID, GRID, lw=2.2)  # its color changes; a legend would not follow
        ax.set(xlim=(-1.05, 1.05), ylim=Y_LIMITS, xlabel="x", ylabel="y")
        self.fit_legend = ax.legend(loc="lower right", fontsize=8)

        ax = self.error_ax
        self.train_line, self.test_line, self.cv_line, self.chosen_marker = draw_error_curve(ax, self.errors,
                                                                                              self.selection)
        self.current_marker = ax.axvline(0, color="0.3", lw=1, ls="--", label="your degree")
        ax.set(xlabel="polynomial degree", xlim=(-0.5, MAX_DEGREE + 0.5), ylim=ERROR_LIMITS)
        ax.legend(fontsize=8, loc="upper left")

    def _next_sample(self, button=None):  # noqa: ARG002 - the button passes itself
        self.seed += 1
        self._data_changed()

    def _data_changed(self, change=None):  # noqa: ARG002
        self._solve()
        self._refit()
        self.update()

    def _solve(self):
        """New data: solve every degree once, keep its curve on the grid and its errors."""
        with one_thread():  # many tiny batched solves: splitting them over threads costs more than it saves
            self._solve_now()

    def _solve_now(self):
        self.data = make_regression_data(n_train=self.points.value, noise=self.noise.value, seed=self.seed)
        fits = fit_all_degrees(self.data.x_train, self.data.y_train, MAX_DEGREE)
        # Zero-padded coefficients: the degree-d fit is row d times the full feature matrix.
        coefficients = torch.zeros(MAX_DEGREE + 1, MAX_DEGREE + 1, dtype=torch.float64)
        for fit in fits:
            coefficients[fit.degree, : fit.degree + 1] = fit.coefficients
        self.curves = coefficients @ GRID_FEATURES.T

        def errors(x, y):
            predictions = coefficients @ legendre_features(x, MAX_DEGREE).T
            return ((predictions - y.double()) ** 2).mean(dim=1)

        self.errors = ErrorCurve("degree", list(range(MAX_DEGREE + 1)), errors(self.data.x_train, self.data.y_train),
                                 errors(self.data.x_test, self.data.y_test))
        folds = min(FOLDS, self.data.n_train)
        self.selection = choose_degree(self.data, range(MAX_DEGREE + 1), folds=folds, seed=self.seed)

    def _refit(self):
        """Hand the new data and errors to the artists that already exist."""
        self.train_dots.set_offsets(torch.stack([self.data.x_train, self.data.y_train], dim=1))
        self.test_dots.set_offsets(torch.stack([self.data.x_test, self.data.y_test], dim=1))
        self.train_line.set_ydata(clip_errors(self.errors.train))
        self.test_line.set_ydata(clip_errors(self.errors.test))
        chosen = self.selection.choice
        self.cv_line.set_ydata(clip_errors(self.selection.validation))
        self.chosen_marker.set_data([chosen], [clip_errors(self.selection.validation[chosen])])
        self.error_ax.set_title(f"{self.data.n_train} points, noise {self.data.noise:g}, sample {self.seed}: "
                                f"CV minimum {chosen}, one-SE rule {self.selection.one_standard_error}", fontsize=10)

    def redraw(self):
        d = self.degree.value
        train, test = self.errors.train[d].item(), self.errors.test[d].item()
        self.fit_line.set_ydata(self.curves[d])
        self.fit_line.set_color(regime_color(d, self.selection.choice, self.selection.one_standard_error))
        self.current_marker.set_xdata([d, d])
        self.fit_ax.set_title(f"degree {d} fit: train MSE {train:.3g}, test MSE {test:.3g}", fontsize=10)
        chosen, simplest = self.selection.choice, self.selection.one_standard_error
        exact = self.data.n_train < d + 1
        note = Message(" (fewer points than coefficients: the minimum-norm exact fit)") if exact else ""
        self.readout.value = tr(
            "<b>degree {degree}</b>: train MSE <b>{train:.4g}</b>, test MSE <b>{test:.4g}</b>{note}<br>{folds}-fold "
            "cross-validation on the training points: lowest CV MSE at degree {chosen} ({cv:.4g}); the "
            "one-standard-error rule picks degree {simplest} (its test MSE, reported once: {simplest_test:.4g})",
            degree=d, train=train, test=test, note=note, folds=self.selection.folds, chosen=chosen,
            cv=self.selection.validation[chosen].item(), simplest=simplest,
            simplest_test=self.errors.test[simplest].item())


class RidgeExplorer(Explorer):
    """A degree-15 fit with an L2 (ridge) penalty of strength λ, chosen on a log-scale slider.

    Left: the plain (λ = 0) fit, faint, and the penalized one. Right: train and test error
    against λ, with the current λ marked.
    """

    title = "Lesson 1 explorer: ridge strength λ"

    def __init__(self, ridge: float = 1e-6, degree: int = 15, data=None):
        low, high = 10.0 ** RIDGE_EXPONENTS[0], 10.0 ** RIDGE_EXPONENTS[1]
        check_number("ridge", ridge, low, high)
        check_int("degree", degree, 0, MAX_DEGREE)
        super().__init__()
        self.data = data or make_regression_data()
        self.fit_degree = degree
        self.ridge = widgets.FloatLogSlider(value=ridge, base=10, min=RIDGE_EXPONENTS[0], max=RIDGE_EXPONENTS[1],
                                            step=0.25, description="λ", readout_format=".1e")
        self.readout = widgets.HTML()
        figure, (self.fit_ax, self.error_ax) = new_figure(2, 1, width=4.4, height=3.4)

        draw_points_and_truth(self.fit_ax, self.data)
        plain = fit_polynomial(self.data.x_train, self.data.y_train, degree)
        self.fit_ax.plot(GRID, plain(GRID), color=COLORS["overfit"], lw=1.2, alpha=0.5, label="λ = 0 (no penalty)")
        self.fit_line, = self.fit_ax.plot(GRID, GRID, lw=2.2)  # colored by regime in redraw()
        self.fit_legend = self.fit_ax.legend(loc="lower right", fontsize=8)

        ridges = torch.logspace(*RIDGE_EXPONENTS, RIDGE_STEPS, dtype=torch.float64).tolist()  # the slider's stops
        self.curve = ridge_errors(self.data, degree, ridges)
        self.selection = choose_ridge(self.data, degree, ridges, folds=min(FOLDS, self.data.n_train), seed=0)
        draw_error_curve(self.error_ax, self.curve, self.selection)
        self.current_marker = self.error_ax.axvline(ridge, color="0.3", lw=1, ls="--", label="your λ")
        self.error_ax.set(xscale="log", xlabel="ridge strength λ (log scale)",
                          title=f"degree {degree}: CV chooses λ = {self.selection.choice:.2g}")
        self.error_ax.legend(fontsize=8, loc="center left")

        self.ridge.observe(self.update, names="value")
        moving = [self.fit_line, self.fit_ax.title, self.fit_legend, self.current_marker]
        self._set_up([self.ridge, self.readout], figure, moving=moving)

    def redraw(self):
        lam = self.ridge.value
        fit = fit_polynomial(self.data.x_train, self.data.y_train, self.fit_degree, ridge=lam)
        train, test = mse(fit, self.data.x_train, self.data.y_train), mse(fit, self.data.x_test, self.data.y_test)
        self.fit_line.set_ydata(fit(GRID))
        # Green near the λ chosen by cross-validation, yellow while λ is too weak to stop the
        # overfit, purple once it flattens the curve. Judged on CV error, never on test error.
        low, high = RIDGE_EXPONENTS
        stop = round((math.log10(lam) - low) * (RIDGE_STEPS - 1) / (high - low))
        cv = self.selection.validation[min(max(stop, 0), RIDGE_STEPS - 1)].item()
        good = cv <= 1.5 * self.selection.validation.min().item()
        self.fit_line.set_color(COLORS["good"] if good else COLORS["overfit"] if lam < self.selection.choice
                                else COLORS["underfit"])
        self.current_marker.set_xdata([lam, lam])
        self.fit_ax.set_title(f"λ = {lam:.2g}: train MSE {train:.3g}, test MSE {test:.3g}", fontsize=10)
        self.readout.value = tr("<b>λ = {lam:.2g}</b>: train MSE <b>{train:.4g}</b>, CV MSE {cv:.4g}, test MSE "
                                "<b>{test:.4g}</b>, coefficient size |c| = {size:.3g}", lam=lam, train=train, cv=cv,
                                test=test, size=fit.coefficients.norm().item())
