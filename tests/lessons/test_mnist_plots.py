import numpy as np

from lessonkit.core.figures import png_bytes
from lessonkit.core.training import History
from lessonkit.lessons.mnist.plots import LiveCurves, curves_figure, prediction_grid


def fake_history(p, epochs=5, eval_train=True):
    history = History()
    for e in range(1, epochs + 1):
        row = dict(epoch=e, train_loss=1 / e + p, train_acc=0.9 - p / 10 + e / 100, test_loss=1 / e + 0.1,
                   test_acc=0.85 + p / 20)
        if eval_train:
            row.update(train_eval_loss=0.5 / e, train_eval_acc=0.95 + e / 200 - p / 10)
        history.add(**row)
    return history


def test_live_curves_follow_the_history(monkeypatch):
    shown = []
    curves = LiveCurves(epochs=5)
    monkeypatch.setattr(curves.plot, "show", lambda: shown.append(1))
    history = fake_history(0.3, epochs=3)
    curves(history)
    assert list(curves.lines["test_loss"].get_xdata()) == [1, 2, 3]
    assert list(curves.lines["train_acc"].get_ydata()) == history["train_acc"]
    assert shown == [1]


def test_static_figures_draw():
    runs = {"p = 0.3": fake_history(0.3), "no dropout": fake_history(0.0)}
    figure = curves_figure(runs, title="x")
    assert len(figure.axes[0].lines) == 4 and png_bytes(figure).startswith(b"\x89PNG")


def test_prediction_grid_marks_mistakes_in_red():
    images = np.zeros((6, 784))
    figure = prediction_grid(images, [1, 2, 3, 4, 5, 6], [1, 2, 0, 4, 5, 0], ncols=3)
    titles = [(ax.get_title(), ax.title.get_color()) for ax in figure.axes]
    assert titles[2] == ("3 (true 0)", "red") and titles[0] == ("1", "black")
    assert sum(color == "red" for _, color in titles) == 2
