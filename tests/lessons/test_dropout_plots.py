"""Lesson 2's figures show the numbers they claim: masks, scaled values, statistics, MC averages."""
import pytest
import torch

from lessonkit.lessons.dropout.ensemble import mc_dropout_curve, plot_ensemble_curve
from lessonkit.lessons.dropout.layer import apply_mask, dropout_mask
from lessonkit.lessons.dropout.plots import HIDDEN, DropoutWalkthrough, ScalingExplorer, mask_text, step_text


@pytest.fixture(scope="module")
def walkthrough():
    return DropoutWalkthrough(p=0.5, seed=0)


def test_walkthrough_masks_come_from_dropout_mask_with_its_generator(walkthrough):
    g = torch.Generator().manual_seed(1)  # the walk-through's mask generator is seed + 1
    expected = [dropout_mask((HIDDEN,), 0.5, g) for _ in range(3)]
    assert all(torch.equal(a, b) for a, b in zip(walkthrough.masks(), expected))


def test_walkthrough_forward_matches_a_plain_torch_forward_pass(walkthrough):
    raw, scaled, output = walkthrough.forward()
    h = walkthrough.x
    for (w, b), mask, r, s in zip(walkthrough.layers, walkthrough.masks(), raw, scaled):
        h = torch.nn.functional.linear(h, w, b).relu()
        torch.testing.assert_close(r, h)
        h = h * mask * 2  # p = 0.5
        torch.testing.assert_close(s, h)
    w, b = walkthrough.layers[-1]
    torch.testing.assert_close(output, torch.nn.functional.linear(h, w, b))


def test_raising_p_only_drops_more_units_and_the_text_follows():
    w = DropoutWalkthrough(p=0.2, seed=0)
    low, text_low = w.masks(), w.numbers.value
    w.p_slider.value = 0.7
    high = w.masks()
    assert all(bool((hi <= lo).all()) for hi, lo in zip(high, low))
    assert sum(m.sum() for m in high) < sum(m.sum() for m in low)
    assert w.numbers.value != text_low and mask_text(high[0]) in w.numbers.value


def test_next_batch_draws_new_masks_and_redraws():
    w = DropoutWalkthrough(p=0.5, seed=0)
    before, image = w.masks(), w.image.value
    w.next_batch()
    assert not all(torch.equal(a, b) for a, b in zip(before, w.masks()))
    assert w.image.value != image and "batch 2" in w.numbers.value


def test_step_slider_follows_the_seed_steps(walkthrough):
    assert step_text(1).startswith("Set layer 1's dropout mask")
    assert step_text(6).startswith("Scale layer 2's kept outputs")
    assert step_text(10).startswith("Compute the output")
    walkthrough.step_slider.value = 4
    assert "step 4" in walkthrough.numbers.value and step_text(4) in walkthrough.numbers.value
    with pytest.raises(ValueError, match=r"step must be in \[1, 10\], got 11"):
        step_text(11)


def test_mask_text_reads_like_the_seed():
    assert mask_text(torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0])) == "[1, 0, 0, 1, 1]"


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_scaling_explorer_numbers_match_a_direct_computation(p):
    explorer = ScalingExplorer(p=p, n=5000, seed=3)
    x = explorer.activations
    g = torch.Generator().manual_seed(3)
    torch.randn(5000, generator=g)  # the activations' draw comes first
    mask = dropout_mask(x.shape, p, g)
    s = explorer.stats()
    assert s["fraction of zeros"] == pytest.approx(1 - mask.mean().item())
    assert s["mean without scaling"] == pytest.approx((x * mask).mean().item())
    assert s["mean with scaling"] == pytest.approx(apply_mask(x, mask, p).mean().item())
    assert s["variance with scaling"] == pytest.approx(apply_mask(x, mask, p).var(unbiased=False).item())
    assert f"{s['fraction of zeros']:.3f}" in explorer.numbers.value


def test_scaling_keeps_the_mean_and_raises_the_variance_only_with_scaling():
    explorer = ScalingExplorer(p=0.5)
    s = explorer.stats()
    assert abs(s["mean with scaling"] - s["mean before"]) < 0.05 * s["mean before"]
    assert s["mean without scaling"] == pytest.approx(0.5 * s["mean before"], rel=0.05)
    assert s["variance with scaling"] == pytest.approx(s["variance in theory"], rel=0.05)
    text = explorer.numbers.value
    explorer.p_slider.value = 0.8
    assert explorer.stats()["variance with scaling"] > s["variance with scaling"]
    assert explorer.numbers.value != text


def small_model(p):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Dropout(p), torch.nn.Linear(16, 3))


def test_mc_average_matches_a_hand_written_loop_and_restores_the_mode():
    model, x = small_model(0.5), torch.randn(50, 2, generator=torch.Generator().manual_seed(1))
    model.eval()
    torch.manual_seed(5)
    average = mc_dropout_curve(model, x, None, [7])["averages"][0]
    assert not model.training
    model.train()
    torch.manual_seed(5)
    with torch.no_grad():
        expected = torch.stack([model(x).softmax(dim=1) for _ in range(7)]).mean(dim=0)
    torch.testing.assert_close(average, expected)


def test_mc_curve_is_exact_without_dropout_and_shrinks_with_k():
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 3, (200,), generator=torch.Generator().manual_seed(2))
    exact = mc_dropout_curve(small_model(0.0), x, y, [1, 10])
    assert exact["gap"] == pytest.approx([0.0, 0.0], abs=1e-6)
    assert exact["accuracy"] == pytest.approx([exact["eval accuracy"]] * 2)
    torch.manual_seed(3)
    curve = mc_dropout_curve(small_model(0.5), x, y, [100, 1])  # order of ks does not matter
    assert curve["k"] == [1, 100] and curve["gap"][1] < curve["gap"][0]
    assert plot_ensemble_curve(curve).axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="ks must be positive integers"):
        mc_dropout_curve(small_model(0.5), x, y, [0, 5])
