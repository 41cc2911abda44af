from pathlib import Path

import notebook_code
import pytest
import torch

from lessonkit.core.training import one_thread
from lessonkit.lessons.overfitting.data import RegressionData, make_regression_data
from lessonkit.lessons.taming.model import column, fit_mlp
from lessonkit.lessons.taming.train import (
    contest_sample,
    contest_settings,
    train_stacked,
)

DATA = make_regression_data()
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_dropout_vs_overfitting.ipynb"


def notebook_functions(*names):
    """The notebook's own definitions of `names` (imports and defs only, nothing trained)."""
    return notebook_code.notebook_functions(NOTEBOOK.name, *names, namespace={"torch": torch})


@pytest.mark.parametrize("p, weight_decay", [(0.0, 0.0), (0.3, 0.0), (0.0, 1e-3)])
def test_fit_mlp_trains_exactly_like_the_notebooks_model_and_loop(p, weight_decay):
    make_mlp, train_full_batch = notebook_functions("make_mlp", "train_full_batch")
    x_train, y_train, x_test, y_test = (column(t) for t in (DATA.x_train, DATA.y_train, DATA.x_test, DATA.y_test))
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(4)
        model = make_mlp(p)
        history = train_full_batch(model, x_train, y_train, x_test, y_test, epochs=30, weight_decay=weight_decay)
    fit = fit_mlp(DATA, p=p, weight_decay=weight_decay, epochs=30, seed=4)
    for name in ("train_loss", "train_eval_loss", "test_loss"):
        assert history[name] == fit.history[name]
    for a, b in zip(model.parameters(), fit.model.parameters()):
        assert torch.equal(a, b)


SETTINGS = [(0.0, 0.0, 3), (0.3, 0.0, 3), (0.0, 1e-3, 5), (0.5, 0.0, 7)]  # (p, weight_decay, seed)


def test_stacked_training_equals_separate_fit_mlp_runs_with_the_same_seeds():
    epochs, m = 40, len(SETTINGS)
    fits = [fit_mlp(DATA, p=p, weight_decay=w, seed=s, epochs=epochs) for p, w, s in SETTINGS]
    run = train_stacked(DATA.x_train.expand(m, -1), DATA.y_train.expand(m, -1), [s[0] for s in SETTINGS],
                        [s[1] for s in SETTINGS], [s[2] for s in SETTINGS], epochs=epochs)
    stacked = run.mse(DATA.x_test.expand(m, -1), DATA.y_test.expand(m, -1))
    separate = torch.tensor([fit.test_mse for fit in fits])
    # same weights, same masks; only float rounding differs (batched products, fused Adam)
    assert torch.allclose(stacked, separate, rtol=1e-4, atol=0)
    for i, fit in enumerate(fits):
        assert torch.allclose(run.stack.member(i)[3].weight, fit.model[3].weight, atol=1e-5)
    # a different mask stream would show: the p = 0.3 model trained with seed 4 differs
    other = train_stacked(DATA.x_train[None], DATA.y_train[None], [0.3], [0.0], [4], epochs=epochs)
    assert not torch.allclose(other.mse(DATA.x_test[None], DATA.y_test[None]), stacked[1:2], rtol=1e-3)


def test_early_stopping_keeps_the_weights_of_the_lowest_validation_epoch():
    x_fit, y_fit, x_val, y_val = DATA.x_train[:15], DATA.y_train[:15], DATA.x_train[15:], DATA.y_train[15:]
    run = train_stacked(x_fit.expand(2, -1), y_fit.expand(2, -1), [0.0, 0.0], [0.0, 0.0], [0, 1],
                        x_val=x_val.expand(2, -1), y_val=y_val.expand(2, -1), keep_best=[False, True], epochs=150)
    assert run.best_epoch.tolist() == [int(run.val_curve[1].argmin()) + 1]
    best_val = run.mse(x_val[None], y_val[None], best=True)
    assert best_val.item() == pytest.approx(run.val_curve[1].min().item(), rel=1e-5)
    assert run.best_epoch.item() < 150  # this network overfits: the best epoch is not the last


def test_a_contest_sample_scores_each_setting_by_cross_validation_and_on_test():
    from lessonkit.lessons.overfitting.train import folds

    ps, wds, epochs = (0.2, 0.5), (1e-3,), 30
    rows = contest_sample(4, ps=ps, weight_decays=wds, folds=4, epochs=epochs, hidden=16)
    settings = contest_settings(ps, wds)
    at_end = [(r["arm"], r["method"], r["split"]) for r in rows if r["step"] == epochs and "early" not in r["method"]]
    assert at_end == [(name, method, s) for name, method, *_ in settings for s in ("cv", "test")]
    data = make_regression_data(seed=4)
    # p = 0.2 written plainly: fit_mlp on each fold's rest, scored on the fold after every epoch
    curves = []
    for fit, held in folds(20, 4, seed=4):
        part = RegressionData(data.x_train[fit], data.y_train[fit], data.x_train[held], data.y_train[held], 0.2)
        curves.append(fit_mlp(part, p=0.2, epochs=epochs, hidden=16, seed=4).history["test_loss"])
    cv_curve = torch.tensor(curves).mean(0)  # the CV MSE after each epoch
    full = fit_mlp(data, p=0.2, epochs=epochs, hidden=16, seed=4).history["test_loss"]
    row = {(r["arm"], r["split"]): r for r in rows}
    assert row["p = 0.2", "cv"]["loss"] == pytest.approx(cv_curve[-1].item(), rel=1e-4)
    assert row["p = 0.2", "test"]["loss"] == pytest.approx(full[-1], rel=1e-4)
    # stopped early: at the epoch of lowest CV MSE, read on the network trained on all 20 points
    stopped = row["p = 0.2 + early stopping", "test"]
    assert stopped["method"] == "dropout + early stopping"
    assert stopped["step"] == int(cv_curve.argmin()) + 1 == row["p = 0.2 + early stopping", "cv"]["step"]
    assert row["p = 0.2 + early stopping", "cv"]["loss"] == pytest.approx(cv_curve.min().item(), rel=1e-4)
    assert stopped["loss"] == pytest.approx(full[stopped["step"] - 1], rel=1e-4)
    for arm, method in (("early stopping", "early stopping"), ("λ = 0.001 + early stopping", "L2 + early stopping")):
        assert [(r["method"], r["split"]) for r in rows if r["arm"] == arm] == [(method, "cv"), (method, "test")]
        assert 1 <= row[arm, "cv"]["step"] <= epochs


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="ps must hold one value per model"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [0.1, 0.2], [0.0], [0])
    with pytest.raises(ValueError, match="p must be"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [1.0], [0.0], [0])
    with pytest.raises(ValueError, match="x_train and y_train must have the same shape"):
        train_stacked(DATA.x_train, DATA.y_train, [0.0], [0.0], [0])
