"""Lesson 4's playground: the live loop is the textbook loop, the controls do what they say,
and no thread outlives `close()`. Nothing here is timed: waits poll for a state, with a
generous limit, and the assertions are about steps and weights."""
import threading
import time

import pytest
import torch
from torch import nn

from lessonkit.core.stats import paired
from lessonkit.lessons.playground import widgets as playground_widget
from lessonkit.lessons.playground.data import make_moons_data
from lessonkit.lessons.playground.model import make_mlp, set_dropout
from lessonkit.lessons.playground.train import LiveTrainer, PairedResult, compare_arms, early_stopped, train_many
from lessonkit.lessons.playground.widgets import Playground


def textbook_weights(data, *, steps, width, p, seed, batch_size, lr=0.01, weight_decay=0.0):
    """A plain loop: seed, build, shuffle each pass with a seeded generator, step. The L2 penalty,
    when there is one, is written out in the loss: (λ/2)·‖w‖² has gradient λ·w, what Adam's
    weight_decay adds."""
    torch.manual_seed(seed)
    model = make_mlp(width, 2, p)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    n = len(data.x_train)
    done = 0
    while done < steps:
        order = torch.randperm(n, generator=generator)
        for i in range(n // batch_size):
            index = order[i * batch_size : (i + 1) * batch_size]
            model.train()
            optimizer.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(model(data.x_train[index]).squeeze(1),
                                                                  data.y_train[index])
            loss = loss + weight_decay / 2 * sum((w**2).sum() for w in model.parameters())
            loss.backward()
            optimizer.step()
            done += 1
            if done == steps:
                break
    return [w.detach().clone() for w in model.parameters()]


def weights(trainer):
    return [w.detach().clone() for w in trainer.model.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def wait_for(condition, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.01)


def playground_threads():
    return [t for t in threading.enumerate() if t.name == "lessonkit-playground"]


@pytest.fixture
def playground():
    widget = Playground(seed=0)
    yield widget
    widget.close()


def test_live_loop_equals_the_textbook_loop():
    data = make_moons_data(seed=1)
    # 37 steps of 20 points: seven passes and a bit, so the reshuffles are checked too
    trainer = LiveTrainer(data, width=32, p=0.3, seed=5, batch_size=20)
    torch.manual_seed(123)  # the kernel's own random draws in between must not matter
    torch.rand(10)
    trainer.run(37)
    expected = textbook_weights(data, steps=37, width=32, p=0.3, seed=5, batch_size=20)
    assert same(weights(trainer), expected)
    # and a different seed gives different weights: the comparison can fail
    assert not same(weights(LiveTrainer(data, width=32, p=0.3, seed=6, batch_size=20).run(37)), expected)


def test_training_on_the_thread_equals_training_synchronously(playground):
    playground.p_slider.value = 0.5
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 20)
    playground.pause()
    steps = playground.trainer.steps
    again = LiveTrainer(make_moons_data(seed=0), p=0.5, seed=0).run(steps)
    assert same(weights(playground.trainer), weights(again))
    # the same numbers too, except that its step 0 was recorded before p moved to 0.5
    assert playground.trainer.history["p"][0] == 0.0
    without_p = lambda history: {k: v for k, v in history.items() if k != "p"}  # noqa: E731
    assert without_p(playground.trainer.history) == without_p(again.history)


def test_headless_runs_repeat():
    first, second = Playground(seed=3).run(60), Playground(seed=3).run(60)
    try:
        assert first.readout.value == second.readout.value
        assert first.trainer.history == second.trainer.history
        assert first.image.value == second.image.value
    finally:
        first.close(), second.close()


def dropped_fraction(trainer):
    """Run one step and return the fraction of nonzero inputs each nn.Dropout zeroed."""
    seen = []

    def hook(module, inputs, output):
        if module.training:
            nonzero = inputs[0] != 0
            seen.append(((output == 0) & nonzero).sum().item() / nonzero.sum().item())

    handles = [m.register_forward_hook(hook) for m in trainer.model.modules() if isinstance(m, nn.Dropout)]
    trainer.step(1)
    for handle in handles:
        handle.remove()
    return seen


def test_a_new_p_is_used_from_the_next_step():
    trainer = LiveTrainer(p=0.0, seed=0).run(5)
    assert dropped_fraction(trainer) == [0.0, 0.0]
    trainer.set_p(0.5)
    assert [m.p for m in trainer.model.modules() if isinstance(m, nn.Dropout)] == [0.5, 0.5]
    assert all(0.4 < f < 0.6 for f in dropped_fraction(trainer))
    trainer.set_p(0.0)
    assert dropped_fraction(trainer) == [0.0, 0.0]


def test_the_p_slider_sets_the_models_dropout(playground):
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 10)
    playground.p_slider.value = 0.7  # while it trains
    assert {m.p for m in playground.trainer.model.modules() if isinstance(m, nn.Dropout)} == {0.7}
    wait_for(lambda: playground.trainer.history["p"][-1] == 0.7)  # recorded by a later step
    playground.pause()
    assert "p = <b>0.70</b>" in playground.readout.value  # read from the model


def test_pause_stops_every_step(playground):
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 10)
    playground.pause()
    steps, image = playground.trainer.steps, playground.image.value
    time.sleep(0.5)  # a thread still training would take many steps in this time
    assert playground.trainer.steps == steps and playground.image.value == image
    assert not playground.playing and "paused" in playground.readout.value
    playground.play()  # and play resumes
    wait_for(lambda: playground.trainer.steps > steps)


def test_reset_goes_back_to_step_zero_with_the_first_weights(playground):
    start = weights(playground.trainer)
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 10)
    playground.reset()
    assert not playground.playing
    assert playground.trainer.steps == 0 and len(playground.trainer.history["step"]) == 1
    assert same(weights(playground.trainer), start)
    assert "step 0" in playground.readout.value


def test_width_and_noise_controls_reset_with_new_settings(playground):
    playground.run(20)
    playground.width_choice.value = 16
    assert playground.trainer.model[0].out_features == 16 and playground.trainer.steps == 0
    playground.noise_slider.value = 0.35
    assert playground.trainer.data.noise == 0.35
    assert torch.equal(playground.trainer.data.x_train, make_moons_data(noise=0.35, seed=0).x_train)


def test_close_leaves_no_thread_running():
    widget = Playground(seed=0)
    widget.play()
    wait_for(lambda: widget.trainer.steps >= 5)
    assert len(playground_threads()) == 1
    widget.close()
    assert playground_threads() == []
    with pytest.raises(RuntimeError, match="closed"):
        widget.play()


def test_close_while_paused_also_joins_the_thread():
    widget = Playground(seed=0)
    widget.play()
    widget.pause()
    widget.close()
    assert playground_threads() == []


def test_an_interrupt_pauses_every_playground(playground):
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 5)
    playground_widget._pause_all()  # what the kernel's interrupt handler calls
    wait_for(lambda: not playground.playing)
    with playground._work_lock:  # the frame in progress has ended
        steps = playground.trainer.steps
    time.sleep(0.3)
    assert playground.trainer.steps == steps


def test_only_one_playground_trains_at_a_time(playground):
    other = Playground(seed=1)
    try:
        playground.play()
        other.play()
        wait_for(lambda: not playground.playing)
        assert other.playing
    finally:
        other.close()


def test_the_kernels_interrupt_button_pauses_a_playing_playground():
    """In a real kernel, between cells: ipykernel ignores SIGINT there unless we hook it."""
    from jupyter_client.manager import start_new_kernel

    kernel, client = start_new_kernel(kernel_name="python3")
    printed = []

    def run(code):
        def keep(message):
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])

        reply = client.execute_interactive(code, timeout=120, output_hook=keep)
        assert reply["content"]["status"] == "ok", reply["content"]

    try:
        run("from lessonkit.lessons.playground.widgets import Playground\n"
            "playground = Playground(seed=0, max_steps=10**9)\nplayground.play()")
        run("import time\nwhile playground.trainer.steps < 10: time.sleep(0.05)\nprint(playground.playing)")
        assert printed[-1].strip() == "True"
        kernel.interrupt_kernel()  # the kernel is idle: no cell runs
        run("deadline = time.monotonic() + 30\n"
            "while playground.playing and time.monotonic() < deadline: time.sleep(0.05)\n"
            "with playground._work_lock: steps = playground.trainer.steps\n"
            "time.sleep(0.3)\nprint(playground.playing, playground.trainer.steps == steps)")
        assert printed[-1].strip() == "False True"
    finally:
        client.stop_channels()
        kernel.shutdown_kernel(now=True)


def test_an_error_in_training_is_shown_and_stops_the_thread():
    def broken_step(model, optimizer, xb, yb):
        raise RuntimeError("broken on purpose")

    widget = Playground(seed=0)
    widget.trainer.train_step = broken_step
    try:
        widget.play()
        wait_for(lambda: "broken on purpose" in widget.readout.value)
        assert not widget.playing
    finally:
        widget.close()


def test_many_seeds_train_as_the_playground_does():
    """Each stacked network of `train_many` ends where LiveTrainer ends it alone: the same first
    weights, the same order of points and the same dropout masks."""
    for p in (0.0, 0.5):
        batched = train_many([0, 1, 2], p, steps=30)
        for i, seed in enumerate([0, 1, 2]):
            trainer = LiveTrainer(make_moons_data(seed=seed), p=p, seed=seed, record_every=30).run(30)
            for key in ("train_loss", "test_loss", "test_acc"):
                assert batched[key][i].item() == pytest.approx(trainer.latest()[key], abs=1e-5), (p, seed, key)


def test_paired_difference_and_standard_error():
    result = PairedResult(0.5, 20, train_many(range(3), 0.0, steps=20), train_many(range(3), 0.5, steps=20))
    d = (result.with_dropout["test_loss"] - result.without["test_loss"]).double()
    difference = result.compare("test_loss")
    assert difference.mean == pytest.approx(d.mean().item())
    assert difference.se == pytest.approx((d.std() / 3**0.5).item())
    assert "3 seeds" in repr(result)


def test_weight_decay_is_the_l2_penalty_written_in_the_loss_and_changes_from_the_next_step():
    data = make_moons_data(seed=0)
    trainer = LiveTrainer(data, p=0.0, weight_decay=0.01, seed=0, batch_size=20).run(12)
    expected = textbook_weights(data, steps=12, width=64, p=0.0, seed=0, batch_size=20, weight_decay=0.01)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights(trainer), expected, strict=True))
    plain = textbook_weights(data, steps=12, width=64, p=0.0, seed=0, batch_size=20)
    assert not all(torch.allclose(a, b, atol=1e-6) for a, b in zip(weights(trainer), plain, strict=True))
    trainer.set_weight_decay(0.0)
    assert trainer.optimizer.param_groups[0]["weight_decay"] == 0.0 and "L2 λ = 0" in repr(trainer)


def test_the_l2_slider_sets_the_optimizers_weight_decay(playground):
    playground.play()
    wait_for(lambda: playground.trainer.steps >= 10)
    playground.l2_slider.value = 0.01  # while it trains
    assert playground.trainer.optimizer.param_groups[0]["weight_decay"] == 0.01
    playground.pause()
    assert "L2 λ = <b>0.01</b>" in playground.readout.value  # read from the optimizer
    assert set(playground.l2_slider.options) == {(f"{v:g}", v) for v in playground_widget.L2_VALUES}


def test_many_seeds_with_weight_decay_train_as_the_playground_does():
    batched = train_many([0, 1], 0.5, steps=20, weight_decay=0.01)
    for i, seed in enumerate([0, 1]):
        trainer = LiveTrainer(make_moons_data(seed=seed), p=0.5, weight_decay=0.01, seed=seed, record_every=20).run(20)
        assert batched["test_loss"][i].item() == pytest.approx(trainer.latest()["test_loss"], abs=1e-5)


def test_early_stopping_picks_each_seeds_best_validation_step_from_the_recorded_curve():
    run = train_many([0, 1, 2], 0.0, steps=60, record_every=10)
    assert run["steps"].tolist() == [0, 10, 20, 30, 40, 50, 60]
    assert torch.equal(run["curve"]["test_loss"][-1], run["test_loss"])  # the last record is the end
    for step in (10, 30):  # a record equals a run trained that long
        shorter = train_many([0, 1, 2], 0.0, steps=step)
        assert torch.allclose(run["curve"]["val_acc"][step // 10], shorter["val_acc"])
    stopped = early_stopped(run)
    for i in range(3):
        best = int(run["curve"]["val_acc"][:, i].argmax())  # the first highest
        assert stopped["stop_step"][i] == run["steps"][best]
        assert stopped["test_acc"][i] == run["curve"]["test_acc"][best, i]
    by_loss = early_stopped(run, metric="val_loss")
    assert all(by_loss["val_loss"][i] == run["curve"]["val_loss"][:, i].min() for i in range(3))
    with pytest.raises(ValueError, match="needs a run of train_many"):
        early_stopped(train_many([0], 0.0, steps=5))
    with pytest.raises(ValueError, match="metric must be"):
        early_stopped(run, metric="test_acc")  # the test set chooses nothing


def test_compare_arms_prints_the_paired_differences_from_the_baseline():
    a = {"test_acc": torch.tensor([0.80, 0.82, 0.81]), "test_loss": torch.tensor([1.0, 1.2, 1.1])}
    b = {"test_acc": torch.tensor([0.83, 0.84, 0.80]), "test_loss": torch.tensor([0.5, 0.6, 1.3])}
    table = compare_arms({"none": a, "L2": b}, "none")
    d = paired(b["test_acc"], a["test_acc"])
    assert f"{d.mean:+.3f}  ({d.low:+.3f} to {d.high:+.3f})   2 of 3" in table
    assert f"   2 of 3  {d.detectable:.3f}" in table  # the smallest difference three seeds would detect
    assert "2 of 3" in table.split("test_loss")[1]  # lower loss on two seeds
    with pytest.raises(ValueError, match="baseline must be one of the arms"):
        compare_arms({"none": a}, "L2")


def test_flipped_labels_are_found_and_ringed():
    data = make_moons_data(n_train=400, flip=0.1, seed=3)
    clean = make_moons_data(n_train=400, flip=0.0, seed=3)
    assert not clean.flipped.any() and 0.05 < data.flipped.float().mean() < 0.15
    assert torch.equal(data.flipped, data.y_train != clean.y_train)  # flipping is the only difference
    from lessonkit.lessons.playground.plots import point_edges

    assert point_edges(data).count("black") == int(data.flipped.sum())


@pytest.mark.parametrize("make, error, message", [
    (lambda: LiveTrainer(p=1.0), ValueError, r"p must be in \[0, 1\), got 1.0"),
    (lambda: LiveTrainer(p=-0.1), ValueError, r"p must be in \[0, 1\), got -0.1"),
    (lambda: LiveTrainer(p="0.5"), TypeError, "p must be a number, got str"),
    (lambda: LiveTrainer(width=0), ValueError, "width must be >= 1, got 0"),
    (lambda: make_mlp(width=0), ValueError, "width must be >= 1, got 0"),
    (lambda: LiveTrainer(p=0.2).set_p(1.2), ValueError, r"p must be in \[0, 1\), got 1.2"),
    (lambda: set_dropout(make_mlp(), float("nan")), ValueError, r"p must be in \[0, 1\), got nan"),
    (lambda: make_moons_data(noise=float("nan")), ValueError, "noise must be a finite number in .*, got nan"),
    (lambda: make_moons_data(noise=float("inf")), ValueError, "noise must be a finite number in .*, got inf"),
    (lambda: Playground(p=0.95), ValueError, r"p must be a finite number in \[0, 0.9\], got 0.95"),
    (lambda: Playground(width=0), ValueError, "width must be >= 1, got 0"),
    (lambda: Playground(noise=float("nan")), ValueError, "noise must be a finite number"),
    (lambda: Playground(weight_decay=0.5), ValueError, "weight_decay must be one of 0.0, 0.0001, .*, got 0.5"),
    (lambda: LiveTrainer(weight_decay=-1.0), ValueError, "weight_decay must be a finite number >= 0"),
])
def test_bad_input_is_refused_by_name(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_the_sliders_bound_their_ranges(playground):
    playground.p_slider.value = 2.0
    assert playground.p_slider.value == playground_widget.P_MAX == playground.trainer.p
    playground.noise_slider.value = -1.0
    assert playground.noise_slider.value == 0.0
    assert set(playground.width_choice.options) >= {8, 64, 256}
