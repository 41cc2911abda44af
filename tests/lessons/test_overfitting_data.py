import math

import numpy as np
import pytest
import torch

from lessonkit.lessons.overfitting.data import RegressionData, make_regression_data, true_function


def test_shapes_dtypes_and_range():
    data = make_regression_data(n_train=17, n_test=55, noise=0.3, seed=4)
    assert isinstance(data, RegressionData)
    for name, n in [("x_train", 17), ("y_train", 17), ("x_test", 55), ("y_test", 55)]:
        t = getattr(data, name)
        assert t.shape == (n,) and t.dtype == torch.float32, name
    for x in (data.x_train, data.x_test):
        assert x.min() >= -1 and x.max() <= 1
    assert data.noise == 0.3 and isinstance(data.noise, float)


def test_true_function_is_a_sine_period():
    x = torch.linspace(-1, 1, 101, dtype=torch.float64)
    assert torch.allclose(true_function(x), torch.from_numpy(np.sin(np.pi * x.numpy())))
    assert torch.equal(make_regression_data().true_fn(x), true_function(x))


def test_same_seed_same_data_and_different_seed_different_data():
    a, b, c = make_regression_data(seed=3), make_regression_data(seed=3), make_regression_data(seed=4)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, name), getattr(b, name))
        assert not torch.equal(getattr(a, name), getattr(c, name))


def test_global_random_state_is_untouched():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    make_regression_data(seed=9)
    assert torch.equal(torch.rand(3), expected)


def test_zero_noise_lies_on_the_curve():
    data = make_regression_data(noise=0.0, seed=1)
    assert torch.equal(data.y_train, true_function(data.x_train))
    assert torch.equal(data.y_test, true_function(data.x_test))


def test_noise_has_the_requested_spread():
    data = make_regression_data(n_train=20_000, n_test=20_000, noise=0.5, seed=2)
    for x, y in [(data.x_train, data.y_train), (data.x_test, data.y_test)]:
        residual = y - true_function(x)
        assert abs(residual.mean().item()) < 0.02
        assert residual.std().item() == pytest.approx(0.5, rel=0.03)


def test_training_points_fill_every_slice():
    n = 25
    x = make_regression_data(n_train=n, seed=5).x_train
    slice_of_point = torch.floor((x + 1) * n / 2).clamp(max=n - 1).long()
    assert torch.equal(slice_of_point, torch.arange(n))


def test_train_and_test_inputs_share_the_uniform_distribution():
    data = make_regression_data(n_train=4000, n_test=4000, seed=6)
    for x in (data.x_train, data.x_test):
        # Uniform on [-1, 1]: histogram of 10 bins is flat within sampling error.
        counts, _ = np.histogram(x.numpy(), bins=10, range=(-1, 1))
        assert np.all(np.abs(counts - 400) < 80), counts


def test_repr_reads_like_the_call():
    text = repr(make_regression_data(n_train=12, n_test=30, noise=0.1, seed=7))
    for part in ("n_train=12", "n_test=30", "noise=0.1", "seed=7", "sin(pi*x)"):
        assert part in text


def test_data_is_frozen():
    data = make_regression_data()
    with pytest.raises(AttributeError):
        data.noise = 1.0


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_train": 0}, ValueError, "n_train must be >= 1, got 0"),
    ({"n_test": -3}, ValueError, "n_test must be >= 1, got -3"),
    ({"n_train": 2.0}, TypeError, "n_train must be an int, got float"),
    ({"n_test": True}, TypeError, "n_test must be an int, got bool"),
    ({"n_train": "20"}, TypeError, "n_train must be an int, got str"),
    ({"noise": -0.1}, ValueError, r"noise must be a finite number >= 0, got -0.1"),
    ({"noise": math.nan}, ValueError, r"noise must be a finite number >= 0, got nan"),
    ({"noise": "0.2"}, TypeError, "noise must be a number"),
    ({"seed": 1.5}, TypeError, "seed must be an int"),
    ({"seed": -1}, ValueError, "seed must be in"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_regression_data(**kwargs)
