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
"""
import threading

import torch

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
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
