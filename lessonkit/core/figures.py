"""Figures that redraw in place: behind every slider and every live training curve.

A lesson's widget draws into one matplotlib `Figure` (not pyplot, so nothing is shown
twice) and sends the PNG to an `ipywidgets.Image`. One palette serves every lesson, so a
colour means the same thing throughout the course.
"""
import base64
import io

import ipywidgets as widgets
from IPython.display import DisplayHandle, Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from lessonkit.core.language import tr

DPI = 80  # small enough to encode fast, sharp enough to read on GitHub

# One palette. Green is the good fit (and dropout, which aims at it), yellow the overfit
# one, as in the study note; blue is training data, grey test points, red test error.
COLORS = {
    "train": "tab:blue",
    "test": "0.55",  # test points
    "test_error": "tab:red",  # a test-error curve
    "true": "black",
    "underfit": "tab:purple",
    "good": "tab:green",
    "overfit": "#f2b400",  # the study note's yellow, dark enough to read on white
    "dropout": "tab:green",
    "l2": "tab:brown",
}
# Runs with no meaning of their own (one line per p, per seed...) cycle through these.
CYCLE = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:gray")


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 3.2, **subplot_kw):
    """A figure with a grid of axes, detached from pyplot. Returns (figure, axes)."""
    figure = Figure(figsize=(width * ncols, height * nrows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return figure, (axes[0, 0] if ncols * nrows == 1 else axes.ravel())


def show(figure: Figure) -> None:
    """Display a figure in the notebook as a PNG (figures made here are not pyplot's,
    so they never appear by themselves, and never twice)."""
    display(Image(png_bytes(figure)))


def png_bytes(figure: Figure) -> bytes:
    """Render the figure once and return its PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def canvas_png(canvas) -> bytes:
    """The canvas's current pixels as a PNG, without drawing the figure again."""
    width, height = canvas.get_width_height(physical=True)
    image = PILImage.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=3)  # fast, still small
    return buffer.getvalue()


class Explorer(widgets.VBox):
    """Controls above a figure that redraws when they change: every slider of the course.

    Subclasses build their figure and controls, then call `self._set_up(controls, figure)`;
    `redraw()` updates the artists from the current control values. Three ways to stay
    well under 100 ms a move on a 2-core CPU, chosen by the subclass:
    - `moving=[artists]`: the still parts (axes, ticks, legends) are drawn once and each
      move draws only these artists on top (blitting);
    - `freeze_layout=True`: full redraws, but the layout is solved only once;
    - `cache_key()` returning a value: the PNG of each key is drawn once and reused (for
      views of finished results that a slider flips between).
    Shown in JupyterLab it is a live widget; in a saved notebook (GitHub, nbviewer) the PNG
    of the state it was displayed in stands in for it.
    """

    title = "Interactive figure"

    def _set_up(self, controls, figure: Figure, *, moving=(), extra=(), freeze_layout: bool = False):
        self.figure = figure
        self.moving = list(moving)
        for artist in self.moving:
            artist.set_animated(True)  # left out of full draws: they are drawn on top
        self._freeze_layout = freeze_layout
        self._background = None
        self._pngs = {}
        self.image = widgets.Image(format="png")
        self.children = (*controls, self.image, *extra)
        for widget in _widgets(self.children):  # labels in the learner's language (lessonkit.core.language)
            for name in ("description", "tooltip"):
                if isinstance(getattr(widget, name, None), str):
                    setattr(widget, name, tr(getattr(widget, name)))
        self.update()

    def cache_key(self):
        """A hashable key when the picture depends only on it (then each is drawn once); None: no cache."""
        return None

    def update(self, change=None):  # noqa: ARG002 - widgets pass a change dict
        key = self.cache_key()
        if key is not None and key in self._pngs:
            self.after_redraw()
            self.image.value = self._pngs[key]
            return
        self.redraw()
        self.after_redraw()
        self.image.value = self._render()
        if key is not None:
            self._pngs[key] = self.image.value

    def _render(self) -> bytes:
        canvas = self.figure.canvas
        if not self.moving:
            png = png_bytes(self.figure)
            if self._freeze_layout:
                self.figure.set_layout_engine("none")  # the first draw placed the axes: keep them
            return png
        if self._background is None:
            canvas.draw()  # the one full draw; constrained layout places the axes here
            self.figure.set_layout_engine("none")  # and the axes stay where it put them
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self.moving:
            self.figure.draw_artist(artist)
        return canvas_png(canvas)

    def redraw(self):  # pragma: no cover - every subclass draws its own
        raise NotImplementedError

    def after_redraw(self):
        """Update text widgets beside the figure (their text written with `tr`, in the learner's language);
        runs on every move, cached picture or not."""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = tr("{title} (run the notebook in JupyterLab to move the sliders)", title=tr(self.title))
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle


def _widgets(children):
    """Every widget in `children` and inside their boxes."""
    for widget in children:
        yield widget
        if isinstance(widget, widgets.Box):
            yield from _widgets(widget.children)


class LivePlot:
    """A figure shown once and updated in place, e.g. once per training epoch.

    The saved notebook keeps the last state, so the final curves read on GitHub.
    """

    def __init__(self, figure: Figure):
        self.figure = figure
        self.handle: DisplayHandle | None = None

    def show(self):
        image = Image(png_bytes(self.figure))
        if self.handle is None:
            self.handle = display(image, display_id=True)
        else:
            self.handle.update(image)
