"""The one training loop of the course: regression in lesson 3, classification in lesson 4.

    history = train(model, optimizer, loss_fn, (x_train, y_train), (x_test, y_test),
                    epochs=15, batch_size=100, seed=777)

The data are tensors already on the training device; each epoch visits a seeded random
permutation of the training indices in batches, sliced on the device (no DataLoader, no
per-sample work). After each epoch the model is evaluated in `eval()` mode and one row
is added to the history. Ctrl-C (or the notebook's stop button) ends training after the
batch in progress; the model and the history so far are kept.
"""
import math
import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from lessonkit.progress import progress

TASKS = ("classification", "regression")


@dataclass
class History:
    """One row per finished epoch: `history["test_acc"]` is that column as a list."""

    columns: dict[str, list[float]] = field(default_factory=dict)
    interrupted: bool = False

    def add(self, **row: float) -> None:
        for name, value in row.items():
            # epochs stay ints; metrics become plain floats (no tensors kept alive)
            self.columns.setdefault(name, []).append(value if isinstance(value, int) else float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns.get("epoch", []))

    def last(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.columns.items()}

    def table(self) -> str:
        """The history as an aligned text table, one line per epoch."""
        names = list(self.columns)
        lines = ["  ".join(f"{n:>10}" for n in names)]
        for i in range(len(self)):
            lines.append("  ".join(_fmt(self.columns[n][i]) for n in names))
        return "\n".join(lines)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={_fmt(v).strip()}" for k, v in self.last().items()) if len(self) else "empty"
        return f"History({len(self)} epochs{', interrupted' if self.interrupted else ''}: {last})"


def _fmt(value: float) -> str:
    return f"{int(value):>10d}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:>10.4f}"


class Batches:
    """Mini-batches of (x, y) in a seeded random order, sliced on the tensors' device.

    Each pass visits every index once; with `drop_last` the last partial batch is left
    out, as the original lab's DataLoader(drop_last=True) does.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, generator: torch.Generator, drop_last: bool = True):
        _check_int("batch_size", batch_size, 1)
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        if batch_size > len(x) and drop_last:
            raise ValueError(f"batch_size must be in [1, {len(x)}] (the number of samples), got {batch_size}")
        self.x, self.y, self.batch_size, self.generator, self.drop_last = x, y, batch_size, generator, drop_last

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

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
    """Mean loss (and accuracy for classification) of `model` in eval mode over (x, y)."""
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device, dtype=torch.long)
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        out = model(xb)
        total_loss += loss_fn(out, yb) * len(xb)
        if task == "classification":
            correct += (out.argmax(1) == yb).sum()
    model.train(was_training)
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

    def _handle(self, signum, frame):
        self.requested = True

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


class _GraphedStep:
    """One whole training step (gather, forward, loss, backward, optimizer step, running
    sums) recorded once as a CUDA graph and replayed: one launch instead of ~50, which is
    what a small network on a fast GPU is limited by. Same arithmetic as the eager loop.
    """

    def __init__(self, model, optimizer, loss_fn, x, y, batch_size, classify):
        if not all(group.get("capturable") for group in optimizer.param_groups):
            raise ValueError("cuda_graph=True needs an optimizer made with capturable=True, "
                             "e.g. torch.optim.Adam(params, fused=True, capturable=True)")
        device = x.device
        self.index = torch.zeros(batch_size, dtype=torch.long, device=device)
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), dtype=torch.long, device=device)
        # Warm-up steps (cuBLAS workspaces, optimizer state) change weights and state: keep
        # copies and put them back in place afterwards, since the graph holds these addresses.
        params = {p: p.detach().clone() for p in model.parameters()}
        state = {p: {k: v.clone() for k, v in optimizer.state[p].items()} for p in params if p in optimizer.state}
        rng = torch.cuda.get_rng_state(device)

        def step():
            optimizer.zero_grad(set_to_none=True)
            xb, yb = x[self.index], y[self.index]
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
            self.loss_sum += loss.detach() * batch_size
            if classify:
                self.correct += (out.argmax(1) == yb).sum()

        model.train()
        side = torch.cuda.Stream(device)
        side.wait_stream(torch.cuda.current_stream(device))
        with torch.cuda.stream(side):
            for _ in range(3):
                step()
        torch.cuda.current_stream(device).wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(self.graph):
            step()
        with torch.no_grad():
            for p, saved in params.items():
                p.copy_(saved)
                for name, value in optimizer.state[p].items():
                    if torch.is_tensor(value):
                        value.copy_(state[p][name]) if p in state else value.zero_()
        torch.cuda.set_rng_state(rng, device)

    def run(self, index: torch.Tensor) -> None:
        self.index.copy_(index)
        self.graph.replay()


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used to resume."""


def save_checkpoint(path, model, optimizer, history: History, generator: torch.Generator, settings: dict | None = None) -> None:
    """Write everything needed to resume, atomically: the file is whole or not there at all.

    settings: the run's hyperparameters (p, lr, ...); resuming checks them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "history": history.columns,
        "generator": generator.get_state(),
        "settings": dict(settings or {}),
        # dropout draws from the global generator: resume must continue its stream too
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)  # atomic: readers see the old file or the new one, never half
    finally:
        tmp.unlink(missing_ok=True)  # a save cut short leaves no partial file behind


def load_checkpoint(path, model, optimizer, generator: torch.Generator, settings: dict | None = None) -> History:
    """Restore model, optimizer and shuffling state from `path`; return the history so far.

    settings: this run's hyperparameters; if the checkpoint was written under others
    (say p=0.3, and now p=0.5), resuming would mix two runs, so it is refused.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # noqa: BLE001 - truncated, foreign or damaged: same advice
        raise CheckpointError(
            f"checkpoint {path} is damaged or is not a lessonkit checkpoint ({type(err).__name__}: {err}). "
            "Delete it to start over, or point to another checkpoint."
        ) from err
    saved = state.get("settings", {}) if isinstance(state, dict) else {}
    differ = [f"{k}={saved.get(k)!r} there, {v!r} now" for k, v in (settings or {}).items() if saved.get(k) != v]
    if differ:
        raise CheckpointError(
            f"checkpoint {path} was written by a run with other settings ({'; '.join(differ)}). "
            "Resume with the same settings, or delete it (or use another file) to start a new run."
        )
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"]:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        return History(columns={k: list(v) for k, v in state["history"].items()})
    except Exception as err:  # noqa: BLE001 - truncated, foreign or damaged: same advice
        raise CheckpointError(
            f"checkpoint {path} is damaged or was written for another model ({type(err).__name__}: {err}). "
            "Delete it to start over, or point to another checkpoint."
        ) from err


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
    on_epoch=None,
    show_progress: bool = True,
    cuda_graph: bool = False,
    settings: dict | None = None,
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
    `cuda_graph=True` (CUDA only; the optimizer needs `capturable=True`) replays each step
    as one recorded CUDA graph: the same training, several times faster for small networks.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    _check_int("epochs", epochs, 1)
    x_train, y_train = train_data
    device = x_train.device
    generator = torch.Generator(device=device if device.type == "cuda" else "cpu").manual_seed(seed)
    batches = Batches(x_train, y_train, batch_size, generator)
    history = History()
    if resume and checkpoint is not None and Path(checkpoint).exists():
        history = load_checkpoint(checkpoint, model, optimizer, generator, settings)
    first = len(history) + 1
    classify = task == "classification"
    graphed = None
    if cuda_graph:
        if device.type != "cuda":
            raise ValueError(f"cuda_graph=True needs the data on a CUDA device, got {device}")
        graphed = _GraphedStep(model, optimizer, loss_fn, x_train, y_train, batch_size, classify)

    with _StopRequest() as stop, progress(total=epochs, initial=first - 1, desc="epochs", unit="epoch", disable=not show_progress) as bar:
        for epoch in range(first, epochs + 1):
            start = time.perf_counter()
            model.train()
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), device=device, dtype=torch.long)
            seen = 0
            if graphed is not None:
                graphed.loss_sum.zero_()
                graphed.correct.zero_()
                for index in batches.indices():
                    graphed.run(index)
                    seen += batch_size
                    if stop.requested:
                        break
                loss_sum, correct = graphed.loss_sum, graphed.correct
            for xb, yb in (batches if graphed is None else ()):
                optimizer.zero_grad(set_to_none=True)
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()
                optimizer.step()
                # detach(): adding `loss` itself would keep every batch's graph alive (the
                # original lab's `avg_cost += cost / total_batch` does); no .item() here,
                # so a GPU is never made to wait for the CPU inside the epoch.
                loss_sum += loss.detach() * len(xb)
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


def _check_int(name: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
