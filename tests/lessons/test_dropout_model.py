"""lessonkit's dropout against torch.nn.Dropout and against the theory it rests on."""
import math

import pytest
import torch

from lessonkit.lessons.dropout.model import Dropout, apply_mask, check_mask_p, dropout, dropout_mask, dropout_with_mask

N = 200_000  # elements per statistical check: the bounds below are ~1% of p wide
Z = 4.5  # standard errors allowed; with fixed seeds a pass is repeatable, not luck


def seeded(seed=0):
    return torch.Generator().manual_seed(seed)


def positive_input(n=N, seed=1):
    # No zeros in x, so a zero in the output can only be a dropped unit.
    return torch.rand(n, generator=seeded(seed)) + 0.5


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_eval_mode_is_exact_identity_like_torch(p):
    x = torch.randn(4, 7, generator=seeded())
    assert torch.equal(dropout(x, p, training=False), x)
    ours, theirs = Dropout(p).eval(), torch.nn.Dropout(p).eval()
    assert torch.equal(ours(x), theirs(x))
    assert torch.equal(ours(x), x)


def test_p_zero_is_exact_identity_in_train_mode_like_torch():
    x = torch.randn(3, 5, generator=seeded())
    assert torch.equal(dropout(x, 0.0), x)
    assert torch.equal(Dropout(0.0).train()(x), torch.nn.Dropout(0.0).train()(x))


def test_p_one_gives_all_zeros_like_torch():
    x = torch.randn(3, 5, generator=seeded(), requires_grad=True)
    out = dropout(x, 1.0, generator=seeded())
    assert torch.equal(out, torch.zeros_like(x))
    assert torch.equal(out, torch.nn.Dropout(1.0)(x))
    out.sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))  # no NaN from dividing by 1 - p = 0


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_fraction_of_zeros_is_within_a_binomial_bound_of_p(p):
    bound = Z * math.sqrt(p * (1 - p) / N)
    ours = (dropout(positive_input(), p, generator=seeded(2)) == 0).float().mean().item()
    torch.manual_seed(2)
    theirs = (torch.nn.Dropout(p)(positive_input()) == 0).float().mean().item()
    assert abs(ours - p) < bound
    assert abs(theirs - p) < bound  # the same bound holds for torch: it is the right bound


@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_mean_is_preserved_within_a_bound(p):
    x = positive_input()
    # Each output element is x/(1-p) with probability 1-p, else 0: variance x^2 p/(1-p).
    bound = Z * math.sqrt((x**2).mean().item() * p / (1 - p) / N)
    out = dropout(x, p, generator=seeded(3))
    assert abs(out.mean().item() - x.mean().item()) < bound
    torch.manual_seed(3)
    assert abs(torch.nn.Dropout(p)(x).mean().item() - x.mean().item()) < bound


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_kept_values_are_scaled_by_one_over_one_minus_p(p):
    x = positive_input(1000)
    out, mask = dropout_with_mask(x, p, seeded(4))
    kept = mask.bool()
    assert kept.any() and (~kept).any()
    torch.testing.assert_close(out[kept], x[kept] / (1 - p))
    assert torch.equal(out[~kept], torch.zeros_like(out[~kept]))


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_gradient_equals_mask_over_one_minus_p(p):
    x = positive_input(1000).requires_grad_()
    out, mask = dropout_with_mask(x, p, seeded(5))
    out.backward(torch.ones_like(out))
    torch.testing.assert_close(x.grad, mask / (1 - p))


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_given_torchs_mask_output_and_gradient_match_torch(p):
    # torch draws its mask with its own RNG calls; read the mask off its output and replay it.
    torch.manual_seed(6)
    x_torch = positive_input(500).requires_grad_()
    upstream = torch.randn(500, generator=seeded(7))
    out_torch = torch.nn.Dropout(p)(x_torch)
    out_torch.backward(upstream)
    mask = (out_torch != 0).float()

    x_ours = positive_input(500).requires_grad_()
    out_ours = apply_mask(x_ours, mask, p)
    out_ours.backward(upstream)
    torch.testing.assert_close(out_ours, out_torch)
    torch.testing.assert_close(x_ours.grad, x_torch.grad)


def test_same_generator_seed_gives_same_mask_and_other_seeds_differ():
    x = positive_input(1000)
    assert torch.equal(dropout(x, 0.5, generator=seeded(11)), dropout(x, 0.5, generator=seeded(11)))
    assert not torch.equal(dropout(x, 0.5, generator=seeded(11)), dropout(x, 0.5, generator=seeded(12)))
    assert torch.equal(dropout_mask((5, 3), 0.5, seeded(11)), dropout_mask((5, 3), 0.5, seeded(11)))


def test_no_generator_uses_torchs_global_seed():
    x = positive_input(1000)
    torch.manual_seed(13)
    first = dropout(x, 0.5)
    torch.manual_seed(13)
    assert torch.equal(dropout(x, 0.5), first)


def test_mask_is_zeros_and_ones_of_the_right_shape_and_dtype():
    mask = dropout_mask((3, 5), 0.5, seeded(), dtype=torch.float64)
    assert mask.shape == (3, 5) and mask.dtype == torch.float64
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(dropout_mask((4,), 0.0), torch.ones(4))
    assert torch.equal(dropout_mask((4,), 1.0), torch.zeros(4))


def test_module_follows_train_and_eval_and_keeps_its_last_mask():
    x = positive_input(100)
    layer = Dropout(0.5, generator=seeded(8))
    out = layer(x)
    assert layer.last_mask is not None
    torch.testing.assert_close(out, x * layer.last_mask * 2)
    assert not torch.equal(layer(x), out)  # a new mask on every train-mode call
    layer.eval()
    assert torch.equal(layer(x), x) and layer.last_mask is None


def test_module_works_inside_a_model_and_has_a_readable_repr():
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), Dropout(0.3))
    assert model(torch.randn(2, 4)).shape == (2, 5)
    assert repr(Dropout(0.3)) == "Dropout(p=0.3)"
    assert repr(Dropout(0.5, generator=seeded(42))) == "Dropout(p=0.5, generator seed=42)"


@pytest.mark.parametrize("p", [-0.1, 1.2, float("nan")])
def test_p_out_of_range_is_refused(p):
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got"):
        dropout(torch.ones(3), p)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        Dropout(p)


@pytest.mark.parametrize("p", ["0.5", True, None, torch.tensor(0.5)])
def test_p_of_wrong_type_is_refused(p):
    with pytest.raises(TypeError, match="p must be a number, got "):
        check_mask_p(p)


def test_non_float_inputs_are_refused():
    with pytest.raises(TypeError, match="x must be a floating-point tensor, got dtype torch.int64"):
        dropout(torch.arange(4), 0.5)
    with pytest.raises(TypeError, match="x must be a torch.Tensor, got list"):
        dropout([1.0, 2.0], 0.5)
    with pytest.raises(TypeError, match="training must be True or False"):
        dropout(torch.ones(3), 0.5, training=0.5)
