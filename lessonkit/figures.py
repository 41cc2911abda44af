"""Figures that redraw in place: behind every slider and every live training curve.

A lesson's widget draws into one matplotlib `Figure` (not pyplot, so nothing is shown
twice) and sends the PNG to an `ipywidgets.Image`. One draw and one PNG encode per
slider move keeps a redraw well under 100 ms on a 2-core CPU.
"""
import base64
import io

import ipywidgets as widgets
from IPython.display import DisplayHandle, Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 80  # small enough to encode fast, sharp enough to read on GitHub


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


class Explorer(widgets.VBox):
    """Controls above a figure that redraws when they change.

    Subclasses build `self.figure` and their controls, then call `self._set_up(controls)`;
    `update()` redraws from the current control values. Shown in JupyterLab it is a live
    widget; in a saved notebook (GitHub, nbviewer) its PNG of the state it was displayed in
    stands in for it, so the lesson reads well where widgets do not run.
    """

    title = "Interactive figure"

    def _set_up(self, controls, figure: Figure, extra=()):
        self.figure = figure
        self.image = widgets.Image(format="png")
        self.children = (*controls, self.image, *extra)
        self.update()

    def update(self, change=None):  # noqa: ARG002 - widgets pass a change dict
        self.redraw()
        self.image.value = png_bytes(self.figure)

    def redraw(self):  # pragma: no cover - every subclass draws its own
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = f"{self.title} (run the notebook in JupyterLab to move the sliders)"
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle


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
