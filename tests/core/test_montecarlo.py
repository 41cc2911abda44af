import pytest
import torch

from lessonkit.core.montecarlo import mc_dropout_samples


def net(p=0.5):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Dropout(p), torch.nn.Linear(16, 2))


def test_samples_equal_a_hand_written_loop_and_leave_the_global_rng_alone():
    model, x = net(), torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    model.eval()
    before = torch.get_rng_state()
    samples = mc_dropout_samples(model, x, 5, seed=3)
    assert torch.equal(torch.get_rng_state(), before) and not model.training
    torch.manual_seed(3)
    model.train()
    with torch.no_grad():
        expected = torch.stack([model(x) for _ in range(5)])
    torch.testing.assert_close(samples, expected)
    assert samples.shape == (5, 8, 2) and not torch.equal(samples[0], samples[1])


def test_dropout_off_gives_identical_passes_and_the_mode_is_restored_after_an_error():
    model, x = net(), torch.randn(8, 3)
    model.train()
    samples = mc_dropout_samples(model, x, 3, seed=0, dropout_on=False)
    assert torch.equal(samples[0], samples[2]) and model.training
    with pytest.raises(RuntimeError):
        mc_dropout_samples(model, torch.randn(8, 4), 2, seed=0)  # wrong input width
    assert model.training


@pytest.mark.parametrize("kwargs, error, text", [
    ({"passes": 0}, ValueError, "passes must be >= 1, got 0"),
    ({"passes": 2.0}, TypeError, "passes must be an int, got float"),
    ({"passes": 2, "seed": -1}, ValueError, r"seed must be in \[0, 2\*\*32\), got -1"),
    ({"passes": 2, "dropout_on": 1}, TypeError, "dropout_on must be True or False"),
])
def test_bad_arguments_are_named(kwargs, error, text):
    with pytest.raises(error, match=text):
        mc_dropout_samples(net(), torch.randn(2, 3), **kwargs)
