import base64

import ipywidgets as widgets
import pytest

from lessonkit.core import figures, progress
from lessonkit.core.figures import Explorer, LivePlot, new_figure, png_bytes, show


class Line(Explorer):
    title = "A test explorer"

    def __init__(self):
        super().__init__()
        self.slope = widgets.FloatSlider(value=1.0, min=-2, max=2, description="p")
        self.slope.observe(self.update, names="value")
        figure, self.ax = new_figure()
        (self.line,) = self.ax.plot([0, 1], [0, 1])
        self.ax.set_ylim(-2, 2)
        self._set_up([self.slope], figure)

    def redraw(self):
        self.line.set_ydata([0, self.slope.value])


def test_show_displays_the_figure_once_as_png(monkeypatch):
    shown = []
    monkeypatch.setattr(figures, "display", shown.append)
    figure, _ = new_figure()
    show(figure)
    assert len(shown) == 1 and shown[0].data.startswith(b"\x89PNG") and shown[0].format == "png"


def test_explorer_redraws_when_its_control_moves():
    explorer = Line()
    before = bytes(explorer.image.value)
    assert before.startswith(b"\x89PNG")
    explorer.slope.value = -1.5
    assert bytes(explorer.image.value) != before
    assert explorer.children[0] is explorer.slope and explorer.children[1] is explorer.image


def test_saved_notebook_gets_a_static_png_beside_the_live_widget():
    explorer = Line()
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.model_id
    assert base64.b64decode(bundle["image/png"]) == bytes(explorer.image.value)  # the state it is shown in
    assert bundle["text/plain"].startswith("A test explorer")


def test_live_plot_updates_one_output_in_place(monkeypatch):
    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", obj))

    def fake_display(obj, display_id=False):
        calls.append(("display", obj))
        return Handle()

    monkeypatch.setattr(figures, "display", fake_display)
    figure, ax = new_figure()
    plot = LivePlot(figure)
    plot.show()
    ax.plot([0, 1], [1, 0])
    plot.show()
    assert [kind for kind, _ in calls] == ["display", "update"]
    assert calls[0][1].data != calls[1][1].data  # the second image shows the new line


def test_progress_in_a_terminal_is_a_text_bar(capsys):
    with progress.progress(total=3, desc="epochs") as bar:
        for _ in range(3):
            bar.update(1)
    assert "epochs: 100%" in capsys.readouterr().err


def test_progress_in_a_notebook_leaves_its_final_line(monkeypatch):
    handles = []

    class Handle:
        def __init__(self):
            self.final = None

        def update(self, obj):
            self.final = obj

    def fake_display(obj, display_id=False):
        handles.append(Handle())
        return handles[-1]

    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    monkeypatch.setattr(progress, "display", fake_display)
    with progress.progress(total=2, desc="runs") as bar:
        bar.update(2)
    assert len(handles) == 1
    assert "runs: 100%" in handles[0].final.data and "2/2" in handles[0].final.data


@pytest.mark.parametrize("ncols, nrows, count", [(1, 1, None), (3, 1, 3), (2, 2, 4)])
def test_new_figure_gives_the_axes_asked_for(ncols, nrows, count):
    figure, axes = new_figure(ncols, nrows)
    assert figure.get_dpi() == figures.DPI
    if count is None:
        assert axes is figure.axes[0]
    else:
        assert len(axes) == count
    assert png_bytes(figure).startswith(b"\x89PNG")


def test_no_figure_text_is_set_below_8_points():
    """Legends, labels and ticks stay readable at the stored size: no lessonkit source sets a
    font size under 8 pt, and matplotlib's default legend size (10 pt) is left alone."""
    import re
    from pathlib import Path

    import matplotlib

    size = re.compile(r"(?:fontsize|labelsize)=(\d+(?:\.\d+)?)\b")
    root = Path(figures.__file__).resolve().parents[1]
    small = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for path in root.rglob("*.py")
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if any(float(points) < 8 for points in size.findall(line))]
    assert small == []
    assert matplotlib.rcParams["legend.fontsize"] == "medium"
