import pytest
import torch

from lessonkit.lessons.overfitting.data import make_regression_data
from lessonkit.lessons.taming.model import (
    EPOCHS,
    check_p,
    column,
    fit_mlp,
    make_regression_mlp,
    mc_dropout_predict,
    one_thread,
    p_grid,
)
from lessonkit.lessons.taming.train import train_p_grid

DATA = make_regression_data()  # the lesson's data: 20 training points, noise 0.2, seed 0


def test_make_mlp_is_1_256_256_1_with_dropout_after_each_hidden_layer():
    model = make_regression_mlp(0.3)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(1, 256), (256, 256), (256, 1)]
    drops = [m for m in model if isinstance(m, torch.nn.Dropout)]
    assert [d.p for d in drops] == [0.3, 0.3]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Dropout"] * 2 + ["Linear"]


@pytest.mark.parametrize("bad, error", [
    (1.0, ValueError),
    (-0.1, ValueError),
    (float("nan"), ValueError),
    ("0.3", TypeError),
    (True, TypeError),
])
def test_p_outside_0_1_is_refused_with_its_range(bad, error):
    with pytest.raises(error, match=r"p must be"):
        check_p(bad)
    with pytest.raises(error, match=r"p must be"):
        make_regression_mlp(bad)


def test_bad_training_settings_name_the_argument():
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        fit_mlp(DATA, epochs=0)
    with pytest.raises(ValueError, match="weight_decay must be"):
        fit_mlp(DATA, weight_decay=-1.0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0"):
        fit_mlp(DATA, lr=0.0)
    with pytest.raises(ValueError, match="x must be a 1-D tensor"):
        column(torch.zeros(3, 1))
    with pytest.raises(ValueError, match="passes must be >= 2, got 1"):
        mc_dropout_predict(make_regression_mlp(0.5), torch.zeros(3), passes=1)


def test_history_has_one_row_per_epoch_and_a_rerun_with_the_same_seed_is_identical():
    before = torch.get_rng_state()
    first = fit_mlp(DATA, p=0.5, epochs=25, seed=3)
    second = fit_mlp(DATA, p=0.5, epochs=25, seed=3)
    other = fit_mlp(DATA, p=0.5, epochs=25, seed=4)
    assert len(first.history) == 25 and first.history["epoch"] == list(range(1, 26))
    for name in ("train_loss", "train_eval_loss", "test_loss"):
        assert len(first.history[name]) == 25
        assert first.history[name] == second.history[name]
    assert first.history["test_loss"] != other.history["test_loss"]
    for a, b in zip(first.model.parameters(), second.model.parameters()):
        assert torch.equal(a, b)
    assert torch.equal(torch.get_rng_state(), before)  # the caller's random stream is untouched


def test_fit_reports_the_training_loops_errors_and_predicts_in_eval_mode():
    fit = fit_mlp(DATA, p=0.5, epochs=30)
    x, y = column(DATA.x_test), column(DATA.y_test)
    fit.model.eval()
    with torch.no_grad():
        test_mse = torch.nn.functional.mse_loss(fit.model(x), y).item()
    assert fit.test_mse == pytest.approx(test_mse, rel=1e-6)
    fit.model.train()
    assert torch.equal(fit.predict(DATA.x_test), fit.predict(DATA.x_test))  # dropout off
    assert fit.model.training  # predict restores the mode it found


def test_weight_decay_is_an_l2_penalty_on_the_loss():
    # Adam's weight_decay adds wd * w to the gradient: the gradient of (wd / 2) * |w|^2.
    x, y = column(DATA.x_train), column(DATA.y_train)
    wd = 0.05
    models = []
    for use_option in (True, False):
        torch.manual_seed(0)
        model = make_regression_mlp(0.0, hidden=16)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=wd if use_option else 0.0, fused=True)
        for _ in range(3):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            if not use_option:
                loss = loss + wd / 2 * sum((w**2).sum() for w in model.parameters())
            loss.backward()
            optimizer.step()
        models.append(model)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_on_the_lessons_sample_dropout_narrows_the_gap_of_the_overfit_network():
    # one sample only: whether dropout lowers the test error in general is lesson 3's
    # 20-sample contest, not a unit test
    overfit = fit_mlp(DATA, p=0.0, seed=0)
    dropout = fit_mlp(DATA, p=0.3, seed=0)
    assert len(overfit.history) == EPOCHS
    noise_variance = DATA.noise**2  # the best any model can do on test points, on average
    assert overfit.train_mse < 0.2 * noise_variance  # it has learned the noise...
    assert overfit.test_mse > noise_variance  # ...and pays for it on new points
    assert dropout.train_mse > 5 * overfit.train_mse
    assert dropout.test_mse - dropout.train_mse < 0.75 * (overfit.test_mse - overfit.train_mse)


def test_mc_dropout_has_zero_spread_in_eval_mode_and_a_positive_one_in_train_mode():
    torch.manual_seed(0)
    model = make_regression_mlp(0.3, hidden=32).eval()
    x = torch.linspace(-1.5, 1.5, 50)
    with torch.no_grad():
        weight_scaled = model(column(x)).squeeze(1)  # eval mode: dropout off, no rescaling needed
    mean_eval, std_eval = mc_dropout_predict(model, x, passes=20, dropout_on=False)
    mean_mc, std_mc = mc_dropout_predict(model, x, passes=200, dropout_on=True)
    assert not model.training  # the eval mode it was in is restored
    assert torch.all(std_eval == 0)
    assert torch.allclose(mean_eval, weight_scaled)
    assert torch.all(std_mc > 0)
    assert not torch.allclose(mean_mc, weight_scaled)  # ReLU makes the MC mean differ a little
    again, _ = mc_dropout_predict(model, x, passes=200, dropout_on=True)
    assert torch.equal(again, mean_mc)  # seeded masks
    _, std_no_dropout = mc_dropout_predict(make_regression_mlp(0.0, hidden=32), x, passes=20)
    assert torch.all(std_no_dropout == 0)  # train mode without dropout: nothing random


def test_mc_dropout_mean_agrees_with_torch_functional_dropout_by_hand():
    torch.manual_seed(1)
    model = make_regression_mlp(0.4, hidden=8)
    lin1, _, _, lin2, _, _, lin3 = model
    x = torch.linspace(-1, 1, 7)
    passes = 30
    mean, std = mc_dropout_predict(model, x, passes=passes, seed=5)
    torch.manual_seed(5)  # the same mask stream, drawn by hand with torch's functional dropout
    f = torch.nn.functional
    with torch.no_grad():
        samples = torch.stack([
            lin3(f.dropout(f.relu(lin2(f.dropout(f.relu(lin1(column(x))), 0.4))), 0.4)).squeeze(1)
            for _ in range(passes)
        ])
    assert torch.allclose(mean, samples.mean(0)) and torch.allclose(std, samples.std(0))


def test_p_grid_and_the_grid_reuses_fits_already_made():
    assert p_grid(0.8, 0.1) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    with pytest.raises(ValueError, match="p must be in"):
        p_grid(1.0)
    done = fit_mlp(DATA, p=0.2, epochs=5)
    fits = train_p_grid(DATA, [0.0, 0.2], trained={0.2: done}, epochs=5)
    assert fits[1] is done and fits[0].p == 0.0 and fits[0].history["epoch"] == [5]  # the last epoch only
    alone = fit_mlp(DATA, p=0.0, epochs=5)
    assert fits[0].test_mse == pytest.approx(alone.test_mse, rel=1e-5)  # trained as fit_mlp would
    with pytest.raises(ValueError, match="ps must hold"):
        train_p_grid(DATA, [])


def test_one_thread_restores_the_thread_count():
    threads = torch.get_num_threads()
    with one_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == threads
