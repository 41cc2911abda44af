"""FastDropout against torch.nn.Dropout and against the theory both rest on."""
import math

import pytest
import torch

from lessonkit.fast.dropout import LEVELS, FastDropout, drop_threshold, keep_mask, use_fast_dropout

N = 200_000  # elements per statistical check
Z = 4.5  # standard errors allowed; with fixed seeds a pass is repeatable, not luck


def positive_input(shape=(N,), seed=1):
    # no zeros in x, so a zero in the output can only be a dropped unit
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) + 0.5


def exact_drop_probability(p):
    return drop_threshold(p) / LEVELS


@pytest.mark.parametrize("p", [0.001, 0.1, 0.3, 0.5, 0.7, 0.999])
def test_drop_probability_is_p_to_within_half_a_step_of_1_over_65536(p):
    assert abs(exact_drop_probability(p) - p) <= 0.5 / LEVELS
    assert drop_threshold(0.3) == 19661  # 0.3 * 65536 = 19660.8


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_eval_mode_is_exact_identity_like_torch(p):
    x = torch.randn(4, 7)
    ours, theirs = FastDropout(p).eval(), torch.nn.Dropout(p).eval()
    assert torch.equal(ours(x), theirs(x)) and torch.equal(ours(x), x)


def test_p_zero_is_exact_identity_in_train_mode_like_torch():
    x = torch.randn(3, 5)
    assert torch.equal(FastDropout(0.0)(x), torch.nn.Dropout(0.0)(x))
    assert torch.equal(FastDropout(0.0)(x), x)


def test_p_one_gives_all_zeros_and_zero_gradient_like_torch():
    x = torch.randn(3, 5, requires_grad=True)
    out = FastDropout(1.0)(x)
    assert torch.equal(out, torch.nn.Dropout(1.0)(x)) and torch.equal(out, torch.zeros_like(x))
    out.sum().backward()
    assert torch.equal(x.grad, torch.zeros_like(x))  # no NaN from 1 / (1 - p)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_fraction_of_zeros_is_within_a_binomial_bound_of_p_like_torch(p):
    bound = Z * math.sqrt(p * (1 - p) / N)
    torch.manual_seed(2)
    ours = (FastDropout(p)(positive_input()) == 0).float().mean().item()
    torch.manual_seed(2)
    theirs = (torch.nn.Dropout(p)(positive_input()) == 0).float().mean().item()
    assert abs(ours - p) < bound
    assert abs(theirs - p) < bound  # the same bound holds for torch: it is the right bound


def test_each_of_the_four_numbers_cut_from_one_random_word_is_unbiased():
    # Four 16-bit numbers come from each 64-bit word. If the word's top bits were not
    # random (random_() without the full range leaves the sign bit 0), every fourth unit
    # would be kept far too often; check each position on its own.
    p, n = 0.3, 4 * 100_000
    torch.manual_seed(3)
    keep, _ = keep_mask((n // 4, 4), p)
    bound = Z * math.sqrt(p * (1 - p) / (n // 4))
    for position in range(4):
        dropped = 1 - keep[:, position].float().mean().item()
        assert abs(dropped - p) < bound, f"position {position} of each word drops {dropped:.4f}, not {p}"


def test_neighbouring_decisions_are_uncorrelated():
    torch.manual_seed(4)
    keep, _ = keep_mask((N,), 0.5)
    a, b = keep[:-1].float(), keep[1:].float()
    correlation = ((a - a.mean()) * (b - b.mean())).mean() / (a.std() * b.std())
    assert abs(correlation.item()) < Z / math.sqrt(N)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.7])
def test_mean_is_preserved_within_a_bound_like_torch(p):
    x = positive_input()
    bound = Z * math.sqrt((x**2).mean().item() * p / (1 - p) / N)  # each output is x/(1-p) or 0
    torch.manual_seed(5)
    assert abs(FastDropout(p)(x).mean().item() - x.mean().item()) < bound
    torch.manual_seed(5)
    assert abs(torch.nn.Dropout(p)(x).mean().item() - x.mean().item()) < bound


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_kept_values_are_scaled_by_one_over_one_minus_p_and_gradient_is_the_scaled_mask(p):
    x = positive_input((1000,)).requires_grad_()
    torch.manual_seed(6)
    out = FastDropout(p)(x)
    kept = out != 0
    assert kept.any() and (~kept).any()
    scale = 1 / (1 - exact_drop_probability(p))
    torch.testing.assert_close(out[kept], x[kept] * scale)
    torch.testing.assert_close(out[kept], x[kept] / (1 - p), rtol=2e-5, atol=0)  # p rounded, barely
    out.backward(torch.ones_like(out))
    torch.testing.assert_close(x.grad, kept.float() * scale)


def test_output_is_x_times_the_keep_mask_drawn_from_torchs_global_seed():
    x = torch.randn(10, 9)
    torch.manual_seed(7)
    keep, kept = keep_mask(x.shape, 0.3)
    torch.manual_seed(7)
    layer = FastDropout(0.3)
    assert torch.equal(layer(x), x * (keep * (1 / kept)))
    assert not torch.equal(layer(x), layer(x))  # a new mask at every call


def test_same_seed_same_mask_other_seed_other_mask():
    x = torch.ones(64, 64)
    masks = []
    for seed in (11, 11, 12):
        torch.manual_seed(seed)
        masks.append(FastDropout(0.5)(x) != 0)
    assert torch.equal(masks[0], masks[1])
    assert not torch.equal(masks[0], masks[2])


def test_a_generator_gives_repeatable_masks():
    first, _ = keep_mask((50, 50), 0.4, torch.Generator().manual_seed(3))
    second, _ = keep_mask((50, 50), 0.4, torch.Generator().manual_seed(3))
    assert torch.equal(first, second)


@pytest.mark.parametrize("shape", [(0,), (1,), (3, 5, 7), (2, 1, 13)])
def test_any_shape_works_including_sizes_not_divisible_by_four(shape):
    x = positive_input(shape)
    out = FastDropout(0.5)(x)
    assert out.shape == x.shape
    assert torch.all((out == 0) | torch.isclose(out, 2 * x))


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_output_keeps_the_input_dtype(dtype):
    assert FastDropout(0.3)(torch.ones(8, 8, dtype=dtype)).dtype == dtype


def test_it_is_a_torch_dropout_module_that_prints_as_what_it_is():
    layer = FastDropout(0.3)
    assert isinstance(layer, torch.nn.Dropout)
    assert repr(layer) == "FastDropout(p=0.3, inplace=False)"  # not disguised as torch's Dropout
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    use_fast_dropout(model)
    assert "FastDropout(p=0.5" in repr(model)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        FastDropout(1.5)


def test_other_devices_and_inplace_use_torchs_own_dropout():
    x = torch.ones(4, 4, device="meta")
    assert FastDropout(0.3)(x).device.type == "meta"  # never reaches the CPU-only draw
    y = torch.ones(100, 100)
    torch.manual_seed(9)
    expected = torch.nn.Dropout(0.3)(y.clone())
    torch.manual_seed(9)
    assert torch.equal(FastDropout(0.3, inplace=True)(y), expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_cuda_it_is_exactly_torchs_dropout():
    x = torch.ones(256, 256, device="cuda")
    torch.manual_seed(10)
    expected = torch.nn.Dropout(0.3)(x)
    torch.manual_seed(10)
    assert torch.equal(FastDropout(0.3)(x), expected)
