"""`LiveTrainer`: the playground's network, trained one step at a time.

    trainer = LiveTrainer(make_moons_data(seed=0), width=64, p=0.5, seed=0)
    trainer.run(500)          # 500 steps, synchronously: the same numbers on every run
    trainer.set_p(0.2)        # the next step drops with p = 0.2
    trainer.set_weight_decay(1e-3)   # and adds an L2 penalty of strength 1e-3 (Adam's weight_decay)
    trainer.reset()           # step 0 again: the same initial weights (same seed)
    trainer.latest()          # {"step": 500, "train_loss": ..., "test_acc": ...}

Each step takes the next batch of a seeded shuffle (`lessonkit.core.training.Batches`)
and calls `train_step` (model.py). The dropout masks come from the trainer's own random
state, not from whatever else the kernel drew in between, so a run is repeatable. Every
`record_every` steps the train and test loss and accuracy are measured with dropout off.

The playground widget calls `step` from its background thread and the other methods from
the kernel's main thread: `lock` makes each call see the model between two steps.

Many seeds at once: the numbers behind the lesson's claims.

    runs = {p: train_many(range(20), p, steps=2000) for p in (0.0, 0.5)}
    PairedResult(0.5, 2000, without=runs[0.0], with_dropout=runs[0.5])   # the paired differences, per seed

For each seed a fresh sample of moons and fresh initial weights; both networks of a pair
(p = 0 and p > 0) start from the same weights on the same sample. All the networks train
together with the course's stacked trainer, each as the playground's `LiveTrainer` would
train it alone (a test checks it).
"""
import threading
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
from lessonkit.core.run_cache import cached
from lessonkit.core.stacked import Stacked
from lessonkit.core.stats import Paired, paired
from lessonkit.core.training import Batches, eval_mode, one_thread
from lessonkit.lessons.playground.data import MoonsData, make_moons_data
from lessonkit.lessons.playground.model import MAX_DEPTH, make_mlp, set_dropout, train_step

HISTORY_KEYS = ("step", "p", "train_loss", "train_acc", "test_loss", "test_acc")


class LiveTrainer:
    """A network (`make_mlp(width, depth, p)`), its Adam optimizer and its history on `data`.

    `batch_size=None` trains on the whole training set at every step. `make_model(width,
    depth, p)` and `step(model, optimizer, xb, yb)` may replace `make_mlp` and `train_step`.
    """

    def __init__(self, data: MoonsData | None = None, *, width: int = 64, depth: int = 2, p: float = 0.0,
                 weight_decay: float = 0.0, lr: float = 0.01, batch_size: int | None = None, seed: int = 0,
                 record_every: int = 10, make_model=make_mlp, step=train_step):
        self.width = check_int("width", width, 1)
        self.depth = check_int("depth", depth, 1, MAX_DEPTH)
        self.p = check_probability("p", p)
        self.weight_decay = check_number("weight_decay", weight_decay, 0.0)
        self.lr = check_number("lr", lr, above=0.0)
        self.seed = check_seed("seed", seed)
        self.record_every = check_int("record_every", record_every, 1)
        self.data = data if data is not None else make_moons_data(seed=seed)
        n_train = len(self.data.x_train)
        self.batch_size = n_train if batch_size is None else check_int("batch_size", batch_size, 1, n_train)
        self.make_model, self.train_step = make_model, step
        self.lock = threading.RLock()
        self.reset()

    def reset(self, *, data: MoonsData | None = None, width: int | None = None) -> "LiveTrainer":
        """Back to step 0 with fresh weights from `seed` (optionally new data or width)."""
        if width is not None:
            check_int("width", width, 1)
        with self.lock:
            if data is not None:
                self.data = data
                self.batch_size = min(self.batch_size, len(data.x_train))
            self.width = width or self.width
            # The initial weights and every later dropout mask come from one private random
            # stream: torch.manual_seed(seed) as a textbook loop would, without touching the
            # kernel's own random state.
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self.model = self.make_model(self.width, self.depth, self.p)
                self._rng_state = torch.get_rng_state()
            # weight_decay: L2 coupled into the gradient (weight_decay * w added to it), as torch's Adam does
            self.optimizer = torch.optim.Adam(self.model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
            generator = torch.Generator().manual_seed(self.seed)
            self.batches = Batches(self.data.x_train, self.data.y_train, self.batch_size, generator)
            self._pass = iter(())
            self.steps = 0
            self.history = {key: [] for key in HISTORY_KEYS}
            self._record()
        return self

    def set_p(self, p: float) -> None:
        """Change the drop probability; the next step uses it."""
        p = check_probability("p", p)
        with self.lock:
            self.p = p
            set_dropout(self.model, p)

    def set_weight_decay(self, weight_decay: float) -> None:
        """Change the L2 penalty's strength λ (Adam's weight_decay); the next step uses it."""
        weight_decay = check_number("weight_decay", weight_decay, 0.0)
        with self.lock:
            self.weight_decay = weight_decay
            for group in self.optimizer.param_groups:
                group["weight_decay"] = weight_decay

    def _next_batch(self):
        try:
            return next(self._pass)
        except StopIteration:  # a new pass: a new shuffle
            self._pass = iter(self.batches)
            return next(self._pass)

    def step(self, steps: int = 1) -> None:
        """Train `steps` steps on the calling thread."""
        check_int("steps", steps, 1)
        with self.lock, torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self._rng_state)
            for _ in range(steps):
                xb, yb = self._next_batch()
                self.train_step(self.model, self.optimizer, xb, yb)
                self.steps += 1
                if self.steps % self.record_every == 0:
                    self._record()
            self._rng_state = torch.get_rng_state()

    def run(self, steps: int) -> "LiveTrainer":
        """Train `steps` steps now, on one CPU thread (faster for a network this small)."""
        with one_thread():
            self.step(steps)
        return self

    @torch.no_grad()
    def _measure(self, x, y):
        with eval_mode(self.model):
            logits = self.model(x).squeeze(1)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y).item()
        return loss, ((logits > 0).float() == y).float().mean().item()

    def _record(self):
        row = dict(zip(("train_loss", "train_acc"), self._measure(self.data.x_train, self.data.y_train)))
        row.update(zip(("test_loss", "test_acc"), self._measure(self.data.x_test, self.data.y_test)))
        row.update(step=self.steps, p=self.p)
        for key in HISTORY_KEYS:
            self.history[key].append(row[key])

    def latest(self) -> dict:
        """The last recorded row: step, p, train_loss, train_acc, test_loss, test_acc."""
        with self.lock:
            return {key: values[-1] for key, values in self.history.items()}

    @torch.no_grad()
    def probabilities(self, points: torch.Tensor) -> torch.Tensor:
        """P(class 1) at each point (n, 2), dropout off: what the decision boundary is drawn from."""
        with self.lock, eval_mode(self.model):
            return torch.sigmoid(self.model(points).squeeze(1))

    def snapshot(self, points: torch.Tensor):
        """(probabilities at `points`, a copy of the history), taken between two steps."""
        with self.lock:
            return self.probabilities(points), {key: list(values) for key, values in self.history.items()}

    def __repr__(self):
        row = self.latest()
        return (f"LiveTrainer(2-{'-'.join([str(self.width)] * self.depth)}-1, p = {self.p:g}, "
                f"L2 λ = {self.weight_decay:g}, step {self.steps}: "
                f"train loss {row['train_loss']:.3f}, test loss {row['test_loss']:.3f}, "
                f"test accuracy {row['test_acc']:.1%})")


# Many seeds at once

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
    # stored and loaded only where $LESSONKIT_RUN_CACHE names a folder (CI, an instructor before class)
    return cached(_train_many, seeds=tuple(seeds), p=p, steps=steps, weight_decay=weight_decay, width=width,
                  depth=depth, lr=lr, noise=noise, flip=flip, n_train=n_train, record_every=record_every)


def _train_many(seeds, p, *, steps, weight_decay, width, depth, lr, noise, flip, n_train, record_every) -> dict:
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


def compare_arms(arms: dict, baseline: str, keys=("test_acc", "test_loss")) -> str:
    """One block per key: each arm's mean over the seeds, and its paired difference from
    `baseline` (same seeds, same samples, same initial weights) with the 95% interval, the
    seeds on which it did better (for a loss: lower) and the smallest difference these seeds would
    detect (`Paired.detectable`). `arms`: name -> numbers as `train_many` or `early_stopped` return them."""
    if baseline not in arms:
        raise ValueError(f"baseline must be one of the arms {sorted(arms)}, got {baseline!r}")
    width = max(len(name) for name in arms)
    lines = []
    for key in keys:
        lines.append(f"{key:<{width}}   mean   minus {baseline}: mean, 95% CI, seeds better, detectable")
        for name, run in arms.items():
            row = f"{name:>{width}}  {run[key].mean().item():.3f}"
            if name != baseline:
                d = paired(run[key], arms[baseline][key], higher_is_better=key.endswith("acc"))
                row += f"   {d.mean:+.3f}  ({d.low:+.3f} to {d.high:+.3f})  {d.wins:>2} of {d.n}  {d.detectable:.3f}"
            lines.append(row)
        lines.append("")
    return "\n".join(lines[:-1])
