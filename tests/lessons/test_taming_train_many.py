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
    assert [(r["arm"], r["split"]) for r in rows[:-2]] == [(name, s) for name, *_ in settings for s in ("cv", "test")]
    data = make_regression_data(seed=4)
    # the CV MSE of p = 0.2: the mean over the 4 folds of fit_mlp trained on the rest, scored on the fold
    held_out = []
    for fit, held in folds(20, 4, seed=4):
        part = RegressionData(data.x_train[fit], data.y_train[fit], data.x_train[held], data.y_train[held], 0.2)
        held_out.append(fit_mlp(part, p=0.2, epochs=epochs, hidden=16, seed=4).test_mse)
    cv = next(r["loss"] for r in rows if (r["arm"], r["split"]) == ("p = 0.2", "cv"))
    assert cv == pytest.approx(sum(held_out) / 4, rel=1e-4)
    test = next(r["loss"] for r in rows if (r["arm"], r["split"]) == ("p = 0.2", "test"))
    assert test == pytest.approx(fit_mlp(data, p=0.2, epochs=epochs, hidden=16, seed=4).test_mse, rel=1e-4)
    early = [r for r in rows if r["arm"] == "early stopping"]
    assert [r["split"] for r in early] == ["cv", "test"] and 1 <= early[0]["step"] <= epochs


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="ps must hold one value per model"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [0.1, 0.2], [0.0], [0])
    with pytest.raises(ValueError, match="p must be"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [1.0], [0.0], [0])
    with pytest.raises(ValueError, match="x_train and y_train must have the same shape"):
        train_stacked(DATA.x_train, DATA.y_train, [0.0], [0.0], [0])
