"""Many seeds at once: the numbers behind the lesson's claims.

    result = compare_many_seeds(seeds=range(20), p=0.5, steps=2000)
    print(result)        # paired mean difference (with dropout - without) and its standard error

For each seed a fresh sample of moons and fresh initial weights; both networks of a pair
(p = 0 and p > 0) start from the same weights on the same sample. All the networks train
together with the course's stacked trainer, each as the playground's `LiveTrainer` would
train it alone (a test checks it).
"""
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
from lessonkit.core.stacked import Stacked
from lessonkit.core.stats import Paired, paired
from lessonkit.core.training import Batches, one_thread
from lessonkit.lessons.playground.data import make_moons_data
from lessonkit.lessons.playground.model import make_mlp


def _metrics(logits: torch.Tensor, y: torch.Tensor):
    """Per network: mean binary cross-entropy and accuracy, from logits of shape (networks, n)."""
    loss = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(1)
    return loss, ((logits > 0).float() == y).float().mean(1)


def train_many(seeds, p: float, *, steps: int, width: int = 64, depth: int = 2, lr: float = 0.01,
               noise: float = 0.2, flip: float = 0.1, n_train: int = 100) -> dict:
    """Train one network per seed, each as `LiveTrainer(make_moons_data(seed=s), p=p, seed=s)`
    trains it (full batch, Adam), all at once with the course's stacked trainer; return its
    final numbers, each a tensor with one entry per seed: val_loss, val_acc, test_loss,
    test_acc, train_loss, train_acc."""
    seeds = [check_seed("seed", s) for s in seeds]
    p = check_probability("p", p)
    check_int("steps", steps, 1)
    data = [make_moons_data(n_train=n_train, noise=noise, flip=flip, seed=s) for s in seeds]
    stack = lambda name: torch.stack([getattr(d, name) for d in data])  # noqa: E731
    with one_thread():
        networks = Stacked.from_runs([(partial(make_mlp, width, depth, p), seed) for seed in seeds])
        optimizer = torch.optim.Adam(networks.parameters(), lr=lr)  # elementwise: as one Adam per network
        x_train, y_train = stack("x_train"), stack("y_train")
        # each run visits its points in the order LiveTrainer's seeded batches give (one batch: all of them)
        orders = [Batches(d.x_train, d.y_train, len(d.x_train), torch.Generator().manual_seed(s))
                  for d, s in zip(data, seeds)]
        rows = torch.arange(len(seeds))[:, None]
        for _ in range(steps):
            index = torch.stack([next(order.indices()) for order in orders])
            optimizer.zero_grad(set_to_none=True)
            loss, _ = _metrics(networks(x_train[rows, index], training=True).squeeze(-1), y_train[rows, index])
            loss.sum().backward()  # a sum: each network gets the gradient of its own mean loss
            optimizer.step()
        with torch.no_grad():
            result = {}
            for part in ("train", "val", "test"):
                logits = networks(stack(f"x_{part}"), training=False).squeeze(-1)
                result[f"{part}_loss"], result[f"{part}_acc"] = _metrics(logits, stack(f"y_{part}"))
    return result


@dataclass
class PairedResult:
    """Paired differences (with dropout minus without) over seeds."""

    p: float
    steps: int
    without: dict
    with_dropout: dict

    @property
    def n(self) -> int:
        return len(self.without["test_loss"])

    def difference(self, key: str):
        """(mean, standard error) of the paired difference of `key` across seeds."""
        d = self.compare(key)
        return d.mean, d.se

    def compare(self, key: str) -> Paired:
        """With dropout minus without, paired by seed (for losses lower is better)."""
        return paired(self.with_dropout[key], self.without[key], higher_is_better=key.endswith("acc"))

    def __repr__(self):
        lines = [f"{self.n} seeds, {self.steps} steps; with p = {self.p:g} minus without (paired by seed):",
                 "                mean p=0   mean p>0   difference   SE     95% CI             better"]
        for key in ("train_loss", "test_loss", "test_acc"):
            d = self.compare(key)
            lines.append(f"{key:>14}   {self.without[key].mean():8.3f}   {self.with_dropout[key].mean():8.3f}"
                         f"   {d.mean:+10.3f}   {d.se:.3f}  {d.low:+.3f} to {d.high:+.3f}   {d.wins:>2} of {d.n}")
        return "\n".join(lines)


def compare_many_seeds(seeds=range(20), p: float = 0.5, **settings) -> PairedResult:
    """Train without and with dropout on each seed's sample; see `train_many` for `settings`."""
    check_number("p", p, above=0.0, maximum=0.99)
    steps = settings.setdefault("steps", 2000)
    return PairedResult(p, steps, train_many(seeds, 0.0, **settings), train_many(seeds, p, **settings))
