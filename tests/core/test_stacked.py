"""The one stacked trainer: a run in a stack is the same run trained alone, with nn.Dropout."""
import pytest
import torch
from torch import nn

from lessonkit.core.stacked import Stacked, draw_mask


def net(p, hidden=16):
    return nn.Sequential(nn.Dropout(p / 2), nn.Linear(3, hidden), nn.ReLU(), nn.Dropout(p), nn.Linear(hidden, 2))


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_a_drawn_mask_is_what_nn_dropout_multiplies_by(p):
    x = torch.rand(50, 7) + 0.5
    torch.manual_seed(3)
    expected = nn.Dropout(p).train()(x)
    torch.manual_seed(3)
    generator = torch.Generator()
    generator.set_state(torch.get_rng_state())
    assert torch.equal(x * draw_mask(x.shape, p, generator), expected)


def train_alone(p, seed, x, y, steps, weight_decay=0.0):
    """The textbook loop: seed, build, then Adam steps with nn.Dropout drawing from torch's generator."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = net(p)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=weight_decay)
        for _ in range(steps):
            model.train()
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model


def test_each_run_in_a_stack_ends_where_it_ends_alone():
    runs = [(0.0, 1, 0.0), (0.4, 1, 0.0), (0.6, 2, 1e-2), (0.2, 3, 0.0)]  # (p, seed, weight decay)
    g = torch.Generator().manual_seed(0)
    xs, ys = torch.rand(len(runs), 40, 3, generator=g), torch.randint(0, 2, (len(runs), 40), generator=g)
    stack = Stacked.from_runs([(lambda p=p: net(p), seed) for p, seed, _ in runs])
    optimizer = torch.optim.Adam(stack.parameters(), lr=1e-2)
    for _ in range(25):
        out = stack(xs, training=True)
        loss = nn.functional.cross_entropy(out.transpose(1, 2), ys, reduction="none").mean(1).sum()
        optimizer.zero_grad()
        loss.backward()
        stack.add_weight_decay([wd for *_, wd in runs])
        optimizer.step()
    for k, (p, seed, wd) in enumerate(runs):
        alone = train_alone(p, seed, xs[k], ys[k], 25, wd)
        member = stack.member(k)
        assert isinstance(member, nn.Sequential) and member[3].p == p  # the lesson's own network
        for (name, a), b in zip(alone.named_parameters(), member.parameters()):
            assert torch.allclose(a, b, atol=1e-5), (k, name)


def test_eval_mode_draws_nothing_and_computes_each_members_network():
    stack = Stacked.from_runs([(lambda: net(0.5), 4), (lambda: net(0.5), 5)])
    x = torch.rand(6, 3)
    state = [g.get_state() for g in stack.generators]
    out = stack(x.expand(2, -1, -1), training=False)
    assert all(torch.equal(g.get_state(), s) for g, s in zip(stack.generators, state))
    for k in range(2):
        assert torch.allclose(out[k], stack.member(k).eval()(x), atol=1e-6)


def test_the_callers_random_state_is_untouched():
    before = torch.get_rng_state()
    Stacked.from_runs([(lambda: net(0.5), 1), (lambda: net(0.5), 2)])
    assert torch.equal(torch.get_rng_state(), before)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="at least one network"):
        Stacked([], [])
    with pytest.raises(ValueError, match="one architecture"):
        Stacked([net(0.1), nn.Sequential(nn.Linear(3, 2))], [torch.Generator(), torch.Generator()])
    stack = Stacked.from_runs([(lambda: net(0.1), 1), (lambda: net(0.1), 2)])
    with pytest.raises(ValueError, match=r"one batch per run, shape \(2, batch"):
        stack(torch.rand(3, 5, 3), training=True)
    with pytest.raises(ValueError, match="decays must hold one value per run"):
        stack.add_weight_decay([0.1])
    with pytest.raises(ValueError, match=r"k must be in \[0, 1\]"):
        stack.member(2)
