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


def train_many(seeds, p: float, *, steps: int, weight_decay: float = 0.0, width: int = 64, depth: int = 2,
               lr: float = 0.01, noise: float = 0.2, flip: float = 0.1, n_train: int = 100,
               record_every: int | None = None) -> dict:
    """Train one network per seed, each as `LiveTrainer(make_moons_data(seed=s), p=p,
    weight_decay=weight_decay, seed=s)` trains it (full batch, Adam), all at once with the
    course's stacked trainer; return its final numbers, each a tensor with one entry per seed:
    val_loss, val_acc, test_loss, test_acc, train_loss, train_acc.

    With `record_every`, also "curve": the same numbers every `record_every` steps (from step
    0), each of shape (records, seeds), and "steps", the steps they were measured at: what
    early stopping chooses from (`early_stopped`)."""
    seeds = [check_seed("seed", s) for s in seeds]
    p = check_probability("p", p)
    weight_decay = check_number("weight_decay", weight_decay, 0.0)
    check_int("steps", steps, 1)
    if record_every is not None:
        check_int("record_every", record_every, 1, steps)
    data = [make_moons_data(n_train=n_train, noise=noise, flip=flip, seed=s) for s in seeds]
    stack = lambda name: torch.stack([getattr(d, name) for d in data])  # noqa: E731
    with one_thread():
        networks = Stacked.from_runs([(partial(make_mlp, width, depth, p), seed) for seed in seeds])
        # elementwise, L2 included (weight_decay * w added to each gradient): as one Adam per network
        optimizer = torch.optim.Adam(networks.parameters(), lr=lr, weight_decay=weight_decay)
        x_train, y_train = stack("x_train"), stack("y_train")
        # each run visits its points in the order LiveTrainer's seeded batches give (one batch: all of them)
        orders = [Batches(d.x_train, d.y_train, len(d.x_train), torch.Generator().manual_seed(s))
                  for d, s in zip(data, seeds)]
        rows = torch.arange(len(seeds))[:, None]

        @torch.no_grad()
        def measure():
            result = {}
            for part in ("train", "val", "test"):
                logits = networks(stack(f"x_{part}"), training=False).squeeze(-1)
                result[f"{part}_loss"], result[f"{part}_acc"] = _metrics(logits, stack(f"y_{part}"))
            return result

        curve = []
        for step in range(steps):
            if record_every is not None and step % record_every == 0:
                curve.append((step, measure()))
            index = torch.stack([next(order.indices()) for order in orders])
            optimizer.zero_grad(set_to_none=True)
            loss, _ = _metrics(networks(x_train[rows, index], training=True).squeeze(-1), y_train[rows, index])
            loss.sum().backward()  # a sum: each network gets the gradient of its own mean loss
            optimizer.step()
        result = measure()
    if record_every is not None:
        curve.append((steps, result))
        result["steps"] = torch.tensor([step for step, _ in curve])
        result["curve"] = {key: torch.stack([row[key] for _, row in curve]) for key in curve[0][1]}
    return result


def early_stopped(run: dict, metric: str = "val_acc") -> dict:
    """Each seed's numbers at its own best recorded step by `metric` on validation data (the
    highest accuracy or the lowest loss; the earliest such step on a tie), from a `train_many`
    run made with `record_every`. Adds "stop_step", one per seed. The test set chooses nothing."""
    if "curve" not in run:
        raise ValueError("early_stopped needs a run of train_many(..., record_every=k): it has no curve")
    if metric not in ("val_acc", "val_loss"):
        raise ValueError(f"metric must be 'val_acc' or 'val_loss', got {metric!r}")
    values = run["curve"][metric]
    best = values.argmax(0) if metric == "val_acc" else values.argmin(0)  # argmax/argmin: the first best
    seeds = torch.arange(values.shape[1])
    stopped = {key: curve[best, seeds] for key, curve in run["curve"].items()}
    stopped["stop_step"] = run["steps"][best]
    return stopped


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


def compare_arms(arms: dict, baseline: str, keys=("test_acc", "test_loss")) -> str:
    """One block per key: each arm's mean over the seeds, and its paired difference from
    `baseline` (same seeds, same samples, same initial weights) with the 95% interval and the
    seeds on which it did better (for a loss: lower). `arms`: name -> numbers as `train_many`
    or `early_stopped` return them."""
    if baseline not in arms:
        raise ValueError(f"baseline must be one of the arms {sorted(arms)}, got {baseline!r}")
    width = max(len(name) for name in arms)
    lines = []
    for key in keys:
        lines.append(f"{key:<{width}}   mean   minus {baseline}: mean, 95% CI, seeds better")
        for name, run in arms.items():
            row = f"{name:>{width}}  {run[key].mean().item():.3f}"
            if name != baseline:
                d = paired(run[key], arms[baseline][key], higher_is_better=key.endswith("acc"))
                row += f"   {d.mean:+.3f}  ({d.low:+.3f} to {d.high:+.3f})  {d.wins:>2} of {d.n}"
            lines.append(row)
        lines.append("")
    return "\n".join(lines[:-1])
