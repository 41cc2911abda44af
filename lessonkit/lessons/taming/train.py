"""Lesson 3's training beyond one network: many networks at once (the p slider's grid and the
contest's samples), and feature dropout against ridge and least squares over many samples.

    fits = train_p_grid(data, [0, 0.1, ..., 0.8])   # one network per p, trained together
    rows = contest_sample(seed=3)                   # one sample of the contest, its knobs by 5-fold CV
    study = feature_dropout_study(n_samples=20)     # test MSE of each method on each sample
    print(study_table(study))                       # each method's paired difference from feature dropout

Networks train together with the course's stacked trainer (`lessonkit.core.stacked`). Each
model's loss is its own MSE, and Adam works weight by weight, so every model trains as
`fit_mlp` would train it alone: the same initial weights (`make_regression_mlp` after
`torch.manual_seed(seed)`) and the same dropout masks. Only float rounding differs (batched
products, fused Adam); a unit test checks the agreement.

The contest is run once, by `python -m lessonkit.experiments run taming-contest`, into
`records/taming-contest.csv`; the lesson reads it with `lessonkit.lessons.taming.analysis`.
Feature dropout's knob is chosen by cross-validation inside each sample.
"""
from dataclasses import dataclass
from functools import partial

import torch

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
from lessonkit.core.history import History
from lessonkit.core.stacked import Stacked
from lessonkit.core.stats import paired
from lessonkit.core.training import one_thread
from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.overfitting.model import fit_polynomial, legendre_features, mse
from lessonkit.lessons.overfitting.train import choose_degree, choose_ridge
from lessonkit.lessons.overfitting.train import folds as fold_indices
from lessonkit.lessons.taming.model import (
    EPOCHS,
    HIDDEN,
    LR,
    MLPFit,
    check_features,
    check_p,
    dropout_ridge,
    make_regression_mlp,
)


@dataclass
class StackedRun:
    """What `train_stacked` returns: the trained runs (a `Stacked`), validation MSE per epoch
    (models, epochs), and, where asked, the weights at the epoch of lowest validation MSE."""

    stack: Stacked
    val_curve: torch.Tensor
    best_params: dict | None
    best_epoch: torch.Tensor | None

    @torch.no_grad()
    def mse(self, x, y, best: bool = False) -> torch.Tensor:
        """Eval-mode MSE of every model on its own points x, y of shape (models, n)."""
        out = self.stack(x.unsqueeze(2), training=False, params=self.best_params if best else None)
        return ((out.squeeze(2) - y) ** 2).mean(1)


def train_stacked(x_train, y_train, ps, weight_decays, seeds, *, x_val=None, y_val=None, keep_best=None,
                  epochs: int = EPOCHS, lr: float = LR, hidden: int = HIDDEN) -> StackedRun:
    """Train one network per row of x_train, y_train (shape (models, n)) with full-batch
    Adam, as `fit_mlp(p=ps[m], weight_decay=weight_decays[m], seed=seeds[m])` would (same
    initial weights and masks; float rounding aside), with the course's stacked trainer.

    x_val, y_val (models, n_val): measured after every epoch, dropout off. keep_best: a bool
    per model; for those, the weights at their lowest validation MSE are kept too.
    """
    x_train, y_train = torch.as_tensor(x_train, dtype=torch.float32), torch.as_tensor(y_train, dtype=torch.float32)
    if x_train.ndim != 2 or x_train.shape != y_train.shape:
        raise ValueError(f"x_train and y_train must have the same shape (models, n), got "
                         f"{tuple(x_train.shape)} and {tuple(y_train.shape)}")
    models = len(x_train)
    ps, weight_decays, seeds = list(ps), list(weight_decays), list(seeds)
    for name, values in (("ps", ps), ("weight_decays", weight_decays), ("seeds", seeds)):
        if len(values) != models:
            raise ValueError(f"{name} must hold one value per model ({models}), got {len(values)}")
    ps = [check_p(p) for p in ps]
    weight_decays = [check_number("weight_decay", wd, 0) for wd in weight_decays]
    seeds = [check_seed("seed", s) for s in seeds]
    check_int("epochs", epochs, 1)
    check_number("lr", lr, above=0)
    if (x_val is None) != (y_val is None) or (keep_best is not None and x_val is None):
        raise ValueError("x_val and y_val come together, and keep_best needs them")

    with one_thread():
        stack = Stacked.from_runs([(partial(make_regression_mlp, p, hidden), seed) for p, seed in zip(ps, seeds)])
        optimizer = torch.optim.Adam(stack.parameters(), lr=lr, fused=True)  # one kernel: several times faster here
        x, y = x_train.unsqueeze(2), y_train.unsqueeze(2)
        val_curve = torch.empty(models, epochs)
        best_idx = best_params = best_epoch = None
        if keep_best is not None:
            best_idx = torch.nonzero(torch.as_tensor(keep_best, dtype=torch.bool)).squeeze(1)
            best_params = {name: p.detach()[best_idx].clone() for name, p in stack.params.items()}
            best_epoch = torch.zeros(len(best_idx), dtype=torch.long)
        for epoch in range(epochs):
            # the sum of the models' own MSEs: each model's gradient is its own loss's
            loss = ((stack(x, training=True) - y) ** 2).mean((1, 2)).sum()
            optimizer.zero_grad()
            loss.backward()
            if any(weight_decays):
                stack.add_weight_decay(weight_decays)  # Adam's coupled L2, as weight_decay=λ does
            optimizer.step()
            if x_val is not None:
                with torch.no_grad():
                    val = ((stack(x_val.unsqueeze(2), training=False).squeeze(2) - y_val) ** 2).mean(1)
                    val_curve[:, epoch] = val
                    if best_idx is not None:
                        better = val[best_idx] < val_curve[best_idx, :epoch].min(1).values if epoch else \
                            torch.ones(len(best_idx), dtype=torch.bool)
                        if better.any():
                            for name, kept in best_params.items():
                                kept[better] = stack.params[name].detach()[best_idx[better]]
                            best_epoch[better] = epoch + 1
    return StackedRun(stack, val_curve, best_params, best_epoch)


def train_p_grid(data, ps, *, trained: dict | None = None, seed: int = 0, epochs: int = EPOCHS,
                 hidden: int = HIDDEN) -> list[MLPFit]:
    """One network per p in `ps`, trained as `fit_mlp(data, p, seed=seed)` would train it.

    The new ones train together with `train_stacked`: the same initial weights and masks,
    only float rounding differs, which over 1000 steps can move a test MSE in its third
    digit. Their history holds the last epoch only. `trained` maps p to an `MLPFit` already
    made with the same settings: those are reused instead of trained again.
    """
    ps = [check_p(p) for p in ps]
    if not ps:
        raise ValueError("ps must hold at least one p, got none")
    trained = dict(trained or {})
    todo = [p for p in ps if p not in trained]
    if todo:
        m = len(todo)
        run = train_stacked(data.x_train.expand(m, -1), data.y_train.expand(m, -1), todo, [0.0] * m, [seed] * m,
                            epochs=epochs, hidden=hidden)
        train_mse = run.mse(data.x_train.expand(m, -1), data.y_train.expand(m, -1))
        test_mse = run.mse(data.x_test.expand(m, -1), data.y_test.expand(m, -1))
        for i, p in enumerate(todo):
            history = History()
            history.add(epoch=epochs, train_eval_loss=train_mse[i].item(), test_loss=test_mse[i].item())
            trained[p] = MLPFit(run.stack.member(i).eval(), history, p)
    return [trained[p] for p in ps]


# The contest as a record (`python -m lessonkit.experiments run taming-contest`): wider grids,
# each knob chosen by K-fold cross-validation inside its sample, many samples.
CONTEST_PS = (0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
CONTEST_L2 = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def contest_settings(ps=CONTEST_PS, weight_decays=CONTEST_L2) -> list[tuple[str, str, float, float]]:
    """(name, method, p, weight decay) of every network the contest trains on a sample."""
    return ([("none", "none", 0.0, 0.0)] + [(f"p = {p:g}", "dropout", p, 0.0) for p in ps]
            + [(f"λ = {w:g}", "L2", 0.0, w) for w in weight_decays])


def contest_sample(seed: int, *, ps=CONTEST_PS, weight_decays=CONTEST_L2, folds: int = 5, epochs: int = EPOCHS,
                   hidden: int = HIDDEN) -> list[dict]:
    """One sample of the contest, `make_regression_data(seed=seed)`: every setting trained on
    each of `folds` folds of the 20 training points (lesson 1's folds) and scored on the held-out
    points (its CV MSE), then trained on all 20 and scored once on the 200 test points.

    Each setting is read twice: after all `epochs` (its method: none, dropout or L2), and stopped
    early, at the epoch where its mean held-out MSE over the folds is lowest (method "early
    stopping" for the unregularized network, "dropout + early stopping" and "L2 + early stopping"
    for the others); its test MSE is that of the network trained on all 20, read at that epoch.
    The test points choose nothing.

    Returns rows: arm (setting), method, p, weight_decay, step (epochs), split ("cv" or "test"),
    loss (MSE).
    """
    settings = contest_settings(ps, weight_decays)
    data = make_regression_data(seed=check_seed("seed", seed))
    check_int("folds", folds, 2, data.n_train)
    splits = fold_indices(data.n_train, folds, seed)
    k = len(settings)
    x, y = data.x_train, data.y_train
    cv = train_stacked(torch.stack([x[fit] for fit, _ in splits for _ in settings]),
                       torch.stack([y[fit] for fit, _ in splits for _ in settings]),
                       [p for _ in splits for *_, p, _ in settings], [w for _ in splits for *_, w in settings],
                       [seed] * (folds * k), x_val=torch.stack([x[held] for _, held in splits for _ in settings]),
                       y_val=torch.stack([y[held] for _, held in splits for _ in settings]),
                       epochs=epochs, hidden=hidden)
    curves = cv.val_curve.view(folds, k, epochs).mean(0)  # (settings, epochs): the CV MSE after each epoch
    full = train_stacked(x.expand(k, -1), y.expand(k, -1), [p for *_, p, _ in settings], [w for *_, w in settings],
                         [seed] * k, x_val=data.x_test.expand(k, -1), y_val=data.y_test.expand(k, -1),
                         epochs=epochs, hidden=hidden)
    rows = []
    for i, (name, method, p, w) in enumerate(settings):
        best = int(curves[i].argmin()) + 1  # chosen on the folds' held-out points, never on the test points
        stopped = ("early stopping", "early stopping") if method == "none" else \
            (f"{name} + early stopping", f"{method} + early stopping")
        for (arm, how), step in (((name, method), epochs), (stopped, best)):
            rows += [dict(arm=arm, method=how, p=p, weight_decay=w, step=step, split="cv",
                          loss=curves[i, step - 1].item()),
                     dict(arm=arm, method=how, p=p, weight_decay=w, step=step, split="test",
                          loss=full.val_curve[i, step - 1].item())]
    return rows


def cross_validated_p(features: torch.Tensor, y: torch.Tensor, ps, k: int = 5, seed: int = 0) -> tuple[float, list]:
    """The p in `ps` with the lowest k-fold cross-validation MSE of `dropout_ridge`, and every p's CV MSE."""
    features, y = check_features(features, y)
    ps = [check_probability("p", p) for p in ps]
    if not ps:
        raise ValueError("ps must hold at least one p, got none")
    errors = []
    for p in ps:
        fold_errors = [((features[held] @ dropout_ridge(features[fit], y[fit], p) - y[held]) ** 2).mean()
                       for fit, held in fold_indices(len(y), k, seed)]
        errors.append(torch.stack(fold_errors).mean().item())
    return ps[min(range(len(ps)), key=errors.__getitem__)], errors


METHODS = ("least squares, degree 15", "ridge, degree 15 (λ by CV)", "feature dropout, degree 15 (p by CV)",
           "degree chosen by CV")


def feature_dropout_study(n_samples: int = 20, degree: int = 15, ps=(0.01, 0.03, 0.1, 0.3, 0.5),
                          ridges=(1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0), degrees=range(21), k: int = 5) -> dict:
    """Test MSE of four ways to fit lesson 1's data, on `n_samples` samples (seeds 0, 1, ...):
    plain least squares at `degree`, ridge and feature dropout at `degree` with λ and p chosen by
    k-fold CV on the training points, and the CV-chosen degree. Returns {method: tensor of MSEs}
    plus "p" and "ridge", the values CV chose on each sample. The test points are read only
    after every choice is made."""
    check_int("n_samples", n_samples, 2)
    check_int("degree", degree, 0)
    results = {name: [] for name in METHODS} | {"p": [], "ridge": []}
    for seed in range(n_samples):
        data = make_regression_data(seed=seed)
        x, y = data.x_train.double(), data.y_train.double()
        features = legendre_features(x, degree)
        test_features, y_test = legendre_features(data.x_test.double(), degree), data.y_test.double()
        p, _ = cross_validated_p(features, y, ps, k, seed)
        ridge = choose_ridge(data, degree, ridges, k, seed).choice  # lesson 1's cross-validation
        chosen_degree = choose_degree(data, degrees, k, seed).choice
        fits = {
            METHODS[0]: fit_polynomial(x, y, degree),
            METHODS[1]: fit_polynomial(x, y, degree, ridge=ridge),
        }
        for name, fit in fits.items():
            results[name].append(mse(fit, data.x_test, data.y_test))
        w = dropout_ridge(features, y, p)
        results[METHODS[2]].append(((test_features @ w - y_test) ** 2).mean().item())
        results[METHODS[3]].append(mse(fit_polynomial(x, y, chosen_degree), data.x_test, data.y_test))
        results["p"].append(p)
        results["ridge"].append(ridge)
    return {name: torch.tensor(values, dtype=torch.float64) for name, values in results.items()}


def study_table(results: dict, against: str = METHODS[2]) -> str:
    """Each method's mean test MSE, and its paired difference from `against` with its 95% interval."""
    base = results[against]
    n = len(base)
    lines = [f"{n} samples; test MSE, and each method minus {against!r} (paired by sample, 95% interval)",
             f"{'method':<38} {'mean':>8} {'median':>8} {'minus it':>10} {'95% interval':>20} {'lower on':>9}"]
    for name in METHODS:
        values = results[name]
        d = paired(values, base, higher_is_better=False)
        interval = f"{d.low:+.3g} to {d.high:+.3g}"
        cell = "" if name == against else f"{d.mean:>+10.4g} {interval:>20} {d.wins:>5} of {n}"
        lines.append(f"{name:<38} {values.mean().item():>8.4g} {values.median().item():>8.4g} {cell}")
    return "\n".join(lines)
