"""Lesson 3's sliders: a p slider over networks trained once, and dropout on lesson 1's features.

    PExplorer(data, train_p_grid(data, p_grid()))   # the fit and the errors of each trained p
    FeatureDropoutExplorer(data, p=0.1)             # the ridge fit that feature dropout equals
"""
import ipywidgets as widgets

from lessonkit.core.checks import check_int, check_probability
from lessonkit.core.figures import COLORS, Explorer, new_figure
from lessonkit.core.language import tr
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features
from lessonkit.lessons.overfitting.plots import GRID, draw_points_and_truth
from lessonkit.lessons.taming.model import MLPFit, dropout_ridge, feature_penalties
from lessonkit.lessons.taming.plots import draw_error_vs_p, label


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
            raise ValueError(tr("p must be one of the trained values {values}, got {value!r}", values=ps, value=p))
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
        self.numbers.value = tr("<b>p = {p:g}</b> ({label}): train MSE <b>{train:.4f}</b>, test MSE <b>{test:.4f}</b>, "
                                "gap {gap:.4f}", p=fit.p, label=label(fit), train=fit.train_mse, test=fit.test_mse,
                                gap=fit.test_mse - fit.train_mse)


class FeatureDropoutExplorer(Explorer):
    """Dropout on lesson 1's 16 Legendre features, as the ridge fit it equals in expectation.

    Left: the fit over the training points for the slider's p, beside plain least squares.
    Right: the penalty λ_j = p/(1-p)·Σ_i x_ij² on each feature's weight. Each move solves a
    16 x 16 system: no training, so the picture follows the slider at once.
    """

    title = "Lesson 3: dropout on the features of a degree-15 polynomial"

    def __init__(self, data, p: float = 0.1, degree: int = 15):
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
        self.numbers.value = tr("<b>p = {p:g}</b>: λ_0 = {first:.3g} on the constant P0, λ_15 = {last:.3g} on P15; "
                                "train MSE {train:.4f}", p=p, first=penalties[0], last=penalties[-1], train=train)

