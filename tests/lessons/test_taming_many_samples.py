import ast
import json
from pathlib import Path

import pytest
import torch

from lessonkit.core.training import one_thread
from lessonkit.lessons.overfitting.regression_data import make_regression_data
from lessonkit.lessons.taming.many_samples import (
    Comparison,
    compare_regularizers,
    pick_by_validation,
    split_validation,
    train_stacked,
)
from lessonkit.lessons.taming.network import column, fit_mlp

DATA = make_regression_data()
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_dropout_vs_overfitting.ipynb"


def notebook_functions(*names):
    """The notebook's own definitions of `names` (imports and defs only, nothing trained)."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    namespace = {"torch": torch}
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        keep = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef))]
        if any(isinstance(node, ast.FunctionDef) and node.name in names for node in keep):
            exec(compile(ast.Module(keep, []), str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - our notebook
    missing = [name for name in names if name not in namespace]
    assert not missing, f"the notebook no longer defines {missing}"
    return [namespace[name] for name in names]


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
    x_fit, y_fit, x_val, y_val = split_validation(DATA, 5, seed=0)
    run = train_stacked(x_fit.expand(2, -1), y_fit.expand(2, -1), [0.0, 0.0], [0.0, 0.0], [0, 1],
                        x_val=x_val.expand(2, -1), y_val=y_val.expand(2, -1), keep_best=[False, True], epochs=150)
    assert run.best_epoch.tolist() == [int(run.val_curve[1].argmin()) + 1]
    best_val = run.mse(x_val[None], y_val[None], best=True)
    assert best_val.item() == pytest.approx(run.val_curve[1].min().item(), rel=1e-5)
    assert run.best_epoch.item() < 150  # this network overfits: the best epoch is not the last


def test_the_choice_is_made_on_validation_even_when_the_test_error_would_choose_otherwise():
    val = torch.tensor([[0.3, 0.1, 0.2], [0.5, 0.6, 0.4]])
    test = torch.tensor([[0.1, 0.9, 0.2], [0.2, 0.3, 0.8]])  # the test minima are elsewhere
    choice, chosen_test = pick_by_validation(val, test)
    assert choice.tolist() == [1, 2]
    assert chosen_test.tolist() == pytest.approx([0.9, 0.8])
    with pytest.raises(ValueError, match="val and test must have the same shape"):
        pick_by_validation(val, test[:, :2])


def test_split_validation_holds_out_disjoint_points_repeatably():
    x_fit, y_fit, x_val, y_val = split_validation(DATA, 5, seed=2)
    assert len(x_fit) == 15 and len(x_val) == 5
    assert set(x_fit.tolist()).isdisjoint(x_val.tolist())
    assert sorted(x_fit.tolist() + x_val.tolist()) == sorted(DATA.x_train.tolist())
    assert torch.equal(split_validation(DATA, 5, seed=2)[2], x_val)
    assert not torch.equal(split_validation(DATA, 5, seed=3)[2], x_val)
    with pytest.raises(ValueError, match="n_val must be"):
        split_validation(DATA, 20)


def test_paired_differences_standard_error_and_wins():
    none = torch.tensor([0.10, 0.20, 0.30, 0.40])
    other = torch.tensor([0.08, 0.21, 0.25, 0.38])  # differences -0.02, 0.01, -0.05, -0.02
    comparison = Comparison([0, 1, 2, 3], {"none": none, "dropout": other, "L2": none, "early stopping": none},
                            torch.zeros(4), torch.zeros(4), torch.zeros(4))
    mean, se, wins, n = comparison.paired("dropout")
    diff = torch.tensor([-0.02, 0.01, -0.05, -0.02], dtype=torch.float64)
    assert mean == pytest.approx(-0.02, abs=1e-7)
    assert se == pytest.approx((diff.std() / 2).item(), rel=1e-5)
    assert (wins, n) == (3, 4)
    assert "3 of 4" in comparison.table()


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="ps must hold one value per model"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [0.1, 0.2], [0.0], [0])
    with pytest.raises(ValueError, match="p must be"):
        train_stacked(DATA.x_train[None], DATA.y_train[None], [1.0], [0.0], [0])
    with pytest.raises(ValueError, match="x_train and y_train must have the same shape"):
        train_stacked(DATA.x_train, DATA.y_train, [0.0], [0.0], [0])
    with pytest.raises(ValueError, match="seeds must hold at least 2"):
        compare_regularizers(seeds=[0])
    with pytest.raises(ValueError, match="weight_decay must be"):
        compare_regularizers(seeds=[0, 1], weight_decays=[0.0])


def test_compare_regularizers_runs_end_to_end_on_a_small_case():
    comparison = compare_regularizers(seeds=[0, 1, 2], ps=[0.2, 0.5], weight_decays=[1e-3, 1e-1],
                                      epochs=60, hidden=16, samples_per_chunk=2)
    assert set(comparison.test_mse) == {"none", "dropout", "L2", "early stopping"}
    assert all(len(v) == 3 and torch.all(v > 0) for v in comparison.test_mse.values())
    assert set(comparison.chosen_p.tolist()) <= {0.2, 0.5}
    assert all(1 <= e <= 60 for e in comparison.chosen_epoch.tolist())
    assert comparison.table().startswith("3 samples")


def test_compare_regularizers_loads_a_repeat_from_the_run_cache_and_trains_any_change(monkeypatch, tmp_path):
    """With $LESSONKIT_RUN_CACHE set, lesson 3's contest trains once: the browser test's second
    run of the notebook loads it. A change of any argument that shapes the result trains again."""
    import lessonkit.lessons.taming.many_samples as many_samples
    from lessonkit.core import run_cache

    small = dict(ps=[0.2, 0.5], weight_decays=[1e-3, 1e-1], epochs=30, hidden=8, samples_per_chunk=2)
    uncached = compare_regularizers(seeds=[0, 1], **small)  # the fixture keeps the cache off here
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    first = compare_regularizers(seeds=[0, 1], **small)
    assert len(list(tmp_path.glob("compare_regularizers-*.pkl"))) == 1
    for method, mse in uncached.test_mse.items():
        assert torch.equal(first.test_mse[method], mse)  # caching changes nothing in the result

    trained = []
    real = many_samples.train_stacked
    monkeypatch.setattr(many_samples, "train_stacked", lambda *a, **k: trained.append(1) or real(*a, **k))
    rng = torch.get_rng_state()
    again = compare_regularizers(seeds=[0, 1], **small)
    assert trained == [] and torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(again.test_mse[m], first.test_mse[m]) for m in first.test_mse)
    assert torch.equal(again.chosen_p, first.chosen_p) and torch.equal(again.chosen_epoch, first.chosen_epoch)

    for change in (dict(seeds=[0, 2]), dict(seeds=[0, 1], epochs=31), dict(seeds=[0, 1], ps=[0.3, 0.5]),
                   dict(seeds=[0, 1], data_kwargs={"noise": 0.3})):
        trained.clear()
        compare_regularizers(**{**small, **change})
        assert trained, f"{change} was loaded instead of trained"
