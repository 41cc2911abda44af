import numpy as np

from lessonkit.core.history import History
from lessonkit.lessons.mnist.plots import prediction_grid
from lessonkit.lessons.mnist.widgets import LiveCurves


def fake_history(p, epochs=5):
    """A history with run_lab's columns."""
    history = History()
    for e in range(1, epochs + 1):
        history.add(epoch=e, train_loss=1 / e + p, test_loss=1 / e + 0.1, test_acc=0.85 + p / 20 + e / 100)
    return history


def test_live_curves_follow_the_history(monkeypatch):
    shown = []
    curves = LiveCurves(epochs=5)
    monkeypatch.setattr(curves.plot, "show", lambda: shown.append(1))
    history = fake_history(0.3, epochs=3)
    curves(history)
    assert list(curves.lines["test_loss"].get_xdata()) == [1, 2, 3]
    assert list(curves.lines["train_loss"].get_ydata()) == history["train_loss"]
    assert list(curves.lines["test_acc"].get_ydata()) == history["test_acc"]
    assert shown == [1]


def test_prediction_grid_marks_mistakes_in_red():
    images = np.zeros((6, 784))
    figure = prediction_grid(images, [1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 5, 0], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in figure.axes]
    assert titles[2] == ("3 (true 0)", "red") and titles[0] == ("1", "black")
    assert sum(color == "red" for _, color in titles) == 2
