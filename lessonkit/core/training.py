"""Training helpers: eval_mode, one_thread, seeded Batches, evaluate, and a general loop.

    history = train(model, optimizer, loss_fn, (x_train, y_train), (x_test, y_test),
                    epochs=15, batch_size=100, seed=777)

The lessons show and run their own loops (lesson 3's `train_full_batch`, lesson 5's
`train_one_epoch`); `train` is the general loop behind `lessonkit.fast`'s opt-in speed-ups (a
CUDA-graph step), with checkpoints and Ctrl-C handling. No lesson's numbers come from it.

The data are tensors already on the training device; each epoch visits a seeded random
permutation of the training indices in batches, sliced on the device (no DataLoader, no
per-sample work). After each epoch the model is evaluated in eval mode and one row is
added to the history. Ctrl-C (or the notebook's stop button) ends training after the
batch in progress; the model and the history so far are kept.
"""
import os
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import torch

from lessonkit.core.checkpoints import load_checkpoint, save_checkpoint
from lessonkit.core.checks import check_choice, check_int
from lessonkit.core.history import History
from lessonkit.core.progress import progress

TASKS = ("classification", "regression")


@contextmanager
def eval_mode(model: torch.nn.Module, training: bool = False):
    """Run the block with `model` in eval mode (dropout off), or in train mode with
    `training=True`; the mode it had before is restored afterwards, even after an error."""
    was_training = model.training
    model.train(training)
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def one_thread():
    """Run the block on one CPU thread, then restore torch's thread count. For tiny
    networks, splitting a small matrix product between threads costs more than it saves."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class Batches:
    """Mini-batches of (x, y) in a seeded random order, sliced on the tensors' device.

    Each pass visits every index at most once; the last partial batch is left out, as the
    original lab's DataLoader(drop_last=True) does.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, generator: torch.Generator):
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        self.batch_size = check_int("batch_size", batch_size, 1, len(x))
        self.x, self.y, self.generator = x, y, generator

    def __len__(self) -> int:
        return len(self.x) // self.batch_size

    def indices(self):
        """The index tensor of each batch of one pass (what `iter` slices x and y with)."""
        order = torch.randperm(len(self.x), generator=self.generator, device=self.generator.device)
        order = order.to(self.x.device)
        for i in range(len(self)):
            yield order[i * self.batch_size : (i + 1) * self.batch_size]

    def __iter__(self):
        for index in self.indices():
            yield self.x[index], self.y[index]


@torch.no_grad()
def evaluate(model, loss_fn, x: torch.Tensor, y: torch.Tensor, task: str = "classification", batch_size: int = 10_000):
    """Mean loss (and accuracy for classification, else None) of `model` in eval mode over (x, y)."""
    check_choice("task", task, TASKS)
    total_loss = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    with eval_mode(model):
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            out = model(xb)
            total_loss += loss_fn(out, yb) * len(xb)
            if task == "classification":
                correct += (out.argmax(1) == yb).sum()
    loss = total_loss.item() / len(x)
    return (loss, correct.item() / len(x)) if task == "classification" else (loss, None)


class _StopRequest:
    """Turns Ctrl-C into a request honoured between batches, so no step is left half-done."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):  # noqa: ARG002 - signal.signal calls its handlers with (signum, frame)
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def train(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn,
    train_data: tuple[torch.Tensor, torch.Tensor],
    test_data: tuple[torch.Tensor, torch.Tensor],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    task: str = "classification",
    eval_train: bool = False,
    checkpoint: str | os.PathLike | None = None,
    resume: bool = False,
    settings: dict | None = None,
    on_epoch=None,
    show_progress: bool = True,
    speedup=None,
) -> History:
    """Train for `epochs` passes over `train_data`; return the per-epoch history.

    Each row holds `train_loss` (mean over the epoch's batches, dropout on, like the
    original lab's `avg_cost`), `test_loss` (eval mode) and, for classification,
    `train_acc` (running, dropout on) and `test_acc`. With `eval_train=True` it also
    records `train_eval_loss` (and `train_eval_acc`): the training set in eval mode.
    `seed` fixes the shuffling; seed the model's initialisation yourself beforehand.
    `checkpoint`: a file written after every epoch; with `resume=True` training continues
    from it when it exists; `settings` (the run's hyperparameters, e.g. {"p": 0.3}) are
    saved with it, and resuming under different ones is refused with a CheckpointError.
    `on_epoch(history)` is called after each epoch (live plots).
    `speedup`: None trains exactly as the loop below reads; `lessonkit.fast.speedup()` may
    swap in faster equivalents (a cheaper CPU dropout mask, a CUDA-graph step).
    """
    check_choice("task", task, TASKS)
    check_int("epochs", epochs, 1)
    x_train, y_train = train_data
    device = x_train.device
    generator = torch.Generator(device=device if device.type == "cuda" else "cpu").manual_seed(seed)
    batches = Batches(x_train, y_train, batch_size, generator)
    history = History()
    if resume and checkpoint is not None and Path(checkpoint).exists():
        history = load_checkpoint(checkpoint, model, optimizer, generator, settings)
    first = len(history) + 1
    classify = task == "classification"

    def step(xb, yb):
        """One textbook training step; returns the batch's loss and outputs, detached."""
        optimizer.zero_grad(set_to_none=True)
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        optimizer.step()
        # detach(): keeping `loss` itself would keep every batch's graph alive (the
        # original lab's `avg_cost += cost / total_batch` does)
        return loss.detach(), out.detach()

    if speedup is not None:
        step = speedup.prepare(model, optimizer, loss_fn, train_data, batch_size) or step

    with _StopRequest() as stop, progress(total=epochs, initial=first - 1, desc="epochs", unit="epoch",
                                          disable=not show_progress) as bar:
        for epoch in range(first, epochs + 1):
            start = time.perf_counter()
            model.train()
            # running sums stay on the device: no .item() inside the epoch, so a GPU never waits
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.long)
            seen = 0
            for xb, yb in batches:
                loss, out = step(xb, yb)
                loss_sum += loss * len(xb)
                if classify:
                    correct += (out.argmax(1) == yb).sum()
                seen += len(xb)
                if stop.requested:
                    break
            if stop.requested:
                history.interrupted = True
                print(f"Stopped during epoch {epoch}: the model keeps the weights of its last finished batch; "
                      f"the history holds the {len(history)} finished epoch(s).")
                break
            row = {"epoch": epoch, "train_loss": loss_sum.item() / seen}
            if classify:
                row["train_acc"] = correct.item() / seen
            if eval_train:
                row["train_eval_loss"], acc = evaluate(model, loss_fn, x_train, y_train, task)
                if classify:
                    row["train_eval_acc"] = acc
            row["test_loss"], acc = evaluate(model, loss_fn, *test_data, task)
            if classify:
                row["test_acc"] = acc
            row["seconds"] = time.perf_counter() - start
            history.add(**row)
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, optimizer, history, generator, settings)
            bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k not in ("epoch", "seconds")}, refresh=False)
            bar.update(1)
            if on_epoch is not None:
                on_epoch(history)
    return history
