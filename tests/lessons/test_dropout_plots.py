"""Lesson 2's figures show the numbers they claim: masks, scaled values, statistics, MC averages."""
import pytest
import torch

from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.lessons.dropout.model import (
    apply_mask,
    dropout_mask,
    mc_convergence,
    mean_tv_distance,
    normalized_geometric_mean,
    thinned_softmax_layer,
)
from lessonkit.lessons.dropout.plots import plot_ensemble_curve
from lessonkit.lessons.dropout.widgets import HIDDEN, DropoutWalkthrough, ScalingExplorer, mask_text, step_text


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


@pytest.mark.parametrize("make, message", [
    (lambda: DropoutWalkthrough(p=1.5), r"p must be a finite number in \[0, 0.9\], got 1.5"),
    (lambda: DropoutWalkthrough(step=11), r"step must be in \[1, 10\], got 11"),
    (lambda: ScalingExplorer(p=-0.1), r"p must be a finite number in \[0, 0.9\], got -0.1"),
])
def test_the_explorers_refuse_what_their_sliders_cannot_show(make, message):
    with pytest.raises(ValueError, match=message):  # not silently clamped to the slider's range
        make()


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


def test_mean_tv_distance_by_hand_and_its_argument_checks():
    p = torch.tensor([[1.0, 0.0], [0.5, 0.5]])
    q = torch.tensor([[0.0, 1.0], [0.7, 0.3]])
    assert mean_tv_distance(p, p) == 0.0
    assert mean_tv_distance(p, q) == pytest.approx((1.0 + 0.2) / 2)
    with pytest.raises(ValueError, match="same shape"):
        mean_tv_distance(p, q[:1])
    with pytest.raises(ValueError, match="p must have shape"):
        mean_tv_distance(p[0], q[0])
    with pytest.raises(TypeError, match="q must be a torch.Tensor"):
        mean_tv_distance(p, [[0.0, 1.0]])


def test_normalized_geometric_mean_by_hand():
    probs = torch.tensor([[0.8, 0.2], [0.2, 0.8]], dtype=torch.float64)
    torch.testing.assert_close(normalized_geometric_mean(probs.log()), torch.tensor([0.5, 0.5], dtype=torch.float64))
    weights = torch.tensor([0.75, 0.25], dtype=torch.float64)
    g = torch.tensor([0.8**0.75 * 0.2**0.25, 0.2**0.75 * 0.8**0.25], dtype=torch.float64)
    torch.testing.assert_close(normalized_geometric_mean(probs.log(), weights), g / g.sum())
    with pytest.raises(ValueError, match="weights must have shape"):
        normalized_geometric_mean(probs.log(), weights[:1])


def test_eval_mode_is_the_geometric_mean_of_a_softmax_layer_but_not_the_arithmetic_mean():
    g = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(3, 4, generator=g, dtype=torch.float64), torch.randn(3, generator=g, dtype=torch.float64)
    x = torch.rand(4, generator=g, dtype=torch.float64) + 0.5
    layer = thinned_softmax_layer(weight, bias, x, p=0.3)
    assert layer["masks"] == 16
    torch.testing.assert_close(layer["geometric"], layer["eval"], atol=1e-12, rtol=0)
    # the arithmetic mean, by an independent loop over the 16 masks
    expected = torch.zeros(3, dtype=torch.float64)
    for bits in range(16):
        mask = torch.tensor([(bits >> i) & 1 for i in range(4)], dtype=torch.float64)
        chance = 0.7 ** mask.sum() * 0.3 ** (4 - mask.sum())
        expected += chance * (weight @ (mask * x / 0.7) + bias).softmax(dim=0)
    torch.testing.assert_close(layer["arithmetic"], expected)
    assert mean_tv_distance(layer["arithmetic"][None], layer["eval"][None]) > 0.01
    no_dropout = thinned_softmax_layer(weight, bias, x, p=0.0)
    torch.testing.assert_close(no_dropout["arithmetic"], no_dropout["eval"])
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        thinned_softmax_layer(weight, bias, x, p=1.2)
    with pytest.raises(ValueError, match="x's length must be"):
        thinned_softmax_layer(torch.zeros(3, 17), torch.zeros(3), torch.ones(17), p=0.5)
    with pytest.raises(ValueError, match="weight must have shape"):
        thinned_softmax_layer(weight[:, :3], bias, x, p=0.5)


@pytest.fixture(scope="module")
def data():
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 3, (200,), generator=torch.Generator().manual_seed(2))
    return x, y


def test_mc_convergence_is_exact_without_dropout(data):
    x, y = data
    curve = mc_convergence(small_model(0.0), x, y, [1, 10], reference_passes=4, pool_passes=10, seed=0)
    assert curve["distance"] == pytest.approx([0.0, 0.0], abs=1e-6)
    assert curve["eval distance"] == pytest.approx(0.0, abs=1e-6)
    assert curve["accuracy"] == pytest.approx([curve["eval accuracy"]] * 2)
    assert curve["disagreements"] == 0


def test_mc_convergence_matches_a_hand_computation_and_leaves_the_global_rng_alone(data):
    x, y = data
    model = small_model(0.5)
    state = torch.get_rng_state()
    curve = mc_convergence(model, x, y, [5, 1], reference_passes=50, pool_passes=5, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert model.training  # its mode is restored
    assert curve["k"] == [1, 5] and curve["groups"] == [5, 1]
    reference = mc_dropout_samples(model, x, 50, seed=3).softmax(dim=2).mean(dim=0)
    pool = mc_dropout_samples(model, x, 5, seed=4).softmax(dim=2)
    assert curve["distance"][1] == pytest.approx(mean_tv_distance(pool.mean(dim=0), reference))
    by_hand = [mean_tv_distance(sample, reference) for sample in pool]
    assert curve["distance"][0] == pytest.approx(sum(by_hand) / 5)
    assert curve["distance se"][0] == pytest.approx(torch.tensor(by_hand).std().item() / 5**0.5, rel=1e-4)
    with torch.no_grad():
        model.eval()
        eval_probs = model(x).softmax(dim=1)
    assert curve["eval distance"] == pytest.approx(mean_tv_distance(eval_probs, reference))
    again = mc_convergence(model, x, y, [1, 5], reference_passes=50, pool_passes=5, seed=3)
    assert (again["distance"], again["accuracy"]) == (curve["distance"], curve["accuracy"])


def test_mc_distance_shrinks_with_k_and_the_plot_names_the_metric(data):
    x, y = data
    curve = mc_convergence(small_model(0.5), x, y, [1, 4, 16], reference_passes=400, pool_passes=64, seed=0)
    assert curve["distance"][0] > curve["distance"][1] > curve["distance"][2]
    assert -0.6 < curve["slope"] < -0.3
    assert curve["reference noise"] < curve["distance"][2]
    figure = plot_ensemble_curve(curve)
    assert figure.axes[0].get_xscale() == "log" and "total-variation" in figure.axes[0].get_ylabel()
    assert figure.axes[1].get_ylabel() == "test accuracy"


def test_mc_convergence_names_bad_arguments(data):
    x, y = data
    model = small_model(0.5)
    with pytest.raises(ValueError, match=r"each k in ks must be in \[1, 10\]"):
        mc_convergence(model, x, y, [0, 5], reference_passes=20, pool_passes=10, seed=0)
    with pytest.raises(ValueError, match=r"each k in ks must be in \[1, 10\]"):
        mc_convergence(model, x, y, [11], reference_passes=20, pool_passes=10, seed=0)
    with pytest.raises(ValueError, match="reference_passes must be"):
        mc_convergence(model, x, y, [1], reference_passes=1, pool_passes=10, seed=0)
    with pytest.raises(TypeError, match="seed must be an int"):
        mc_convergence(model, x, y, [1], reference_passes=20, pool_passes=10, seed=0.5)
    with pytest.raises(ValueError, match="y must be a tensor of 200 labels"):
        mc_convergence(model, x, y[:10], [1], reference_passes=20, pool_passes=10, seed=0)
    with pytest.raises(ValueError, match="ks must hold at least one k"):
        mc_convergence(model, x, y, [], reference_passes=20, pool_passes=10, seed=0)
