"""The MNIST dropout lab: the original lab's network, its training epoch and its test.

    model = build_model(p=0.3)            # 784-512-512-512-512-10, Xavier-uniform
    model, history = run_lab(p=0.3, epochs=15, seed=777)

`build_model`, `train_one_epoch` and `evaluate` are the functions lesson 5's notebook shows,
word for word (a test compares them); `run_lab` only calls them, epoch after epoch (the
notebook hands it its own, so what the learner reads is what runs). From a
terminal, `python -m lessonkit.mnist --p 0.3 --epochs 15` runs the same lab with cheaper dropout
masks of the same distribution (`rand_masks`), denormals flushed.
"""
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from lessonkit.core.checkpoints import load_checkpoint, save_checkpoint
from lessonkit.core.checks import check_int, check_probability
from lessonkit.core.device import pick_device
from lessonkit.core.history import History
from lessonkit.core.mnist_data import mnist_tensors, random_subset
from lessonkit.core.progress import progress
from lessonkit.core.seeding import seed_everything
from lessonkit.core.training import Batches
from lessonkit.lessons.dropout.model import Dropout

LAYER_SIZES = (784, 512, 512, 512, 512, 10)
# The original lab's recipe.
P, LR, BATCH_SIZE, EPOCHS, SEED = 0.3, 1e-3, 100, 15, 777


def build_model(p=0.3, input_p=0.0):
    """The lab's network: Linear 784-512-512-512-512-10, ReLU then Dropout(p) after each
    hidden layer, none after the output; input_p > 0 also drops input pixels (as the dropout
    paper did on MNIST). Weights are Xavier-uniform, biases torch's default."""
    p, input_p = check_probability("p", p), check_probability("input_p", input_p)
    linears = [nn.Linear(784, 512), nn.Linear(512, 512), nn.Linear(512, 512), nn.Linear(512, 512), nn.Linear(512, 10)]
    for linear in linears:
        nn.init.xavier_uniform_(linear.weight)
    layers = [nn.Dropout(input_p)] if input_p > 0 else []
    for linear in linears[:-1]:
        layers += [linear, nn.ReLU(), nn.Dropout(p)]
    return nn.Sequential(*layers, linears[-1])


def train_one_epoch(model, optimizer, batches):
    """One pass over the batches with dropout on; returns the mean training loss."""
    model.train()  # dropout on
    total = 0.0
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()  # a number, not the tensor: keeping the tensor keeps its graph
    return total / len(batches)


@torch.no_grad()
def evaluate(model, x, y):
    """(mean cross-entropy, accuracy) of the model on (x, y), with dropout off."""
    model.eval()  # dropout off: every unit, weights as trained
    logits = model(x)
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of `x` that `model` classifies as `y`, in whatever mode the model is in now."""
    return (model(x).argmax(1) == y).float().mean().item()


def _autocast_forward(model: nn.Module, device: torch.device, dtype: torch.dtype) -> list:
    """Run every forward pass of `model` under autocast, and nothing else (its backward pass and the
    optimizer's step stay in float32): a pre-hook enters the context, a hook leaves it. Returns
    the handles; `_remove(handles)` undoes it."""
    entered = []

    def enter(module, args):  # noqa: ARG001 - torch calls a forward pre-hook with (module, args)
        context = torch.autocast(device.type, dtype=dtype)
        context.__enter__()
        entered.append(context)

    def leave(module, args, output):  # noqa: ARG001 - torch calls a forward hook with (module, args, output)
        entered.pop().__exit__(None, None, None)

    return [model.register_forward_pre_hook(enter), model.register_forward_hook(leave), entered]


def _remove(handles: list) -> None:
    *hooks, entered = handles
    for hook in hooks:
        hook.remove()
    while entered:  # a forward pass that raised left its context open
        entered.pop().__exit__(None, None, None)


def run_lab(p: float = P, *, input_p: float = 0.0, epochs: int = EPOCHS, batch_size: int = BATCH_SIZE,
            lr: float = LR, seed: int = SEED, device=None, subset: int | None = None, data=None,
            model: nn.Module | None = None, checkpoint=None, on_epoch=None, show_progress: bool = True,
            epoch_fn=None, eval_fn=None, fused: bool = False, dtype: torch.dtype = torch.float32,
            rand_masks: bool = False):
    """Seed, build the model, then `train_one_epoch` and `evaluate` for each epoch. Returns
    (model, history) with one row per epoch: train_loss, test_loss, test_acc, seconds.

    model: a network you built yourself after seeding torch (p and input_p are then not used).
    device: None takes the GPU when there is one, else the CPU. subset: train on this many
    training images (drawn with `seed`). data: `mnist_tensors(device)` already loaded.
    checkpoint: a file written after every epoch; a later call with the same file and
    settings continues from it (other settings are refused). on_epoch(history): called after
    each epoch (live plots). epoch_fn, eval_fn: the training epoch and the evaluation to call
    (the notebook passes its own; None: `train_one_epoch` and `evaluate` here, the same code).
    rand_masks: with no model given, draw the dropout masks as lesson 2 does (its `Dropout`:
    `torch.rand(...) >= p`) rather than by `nn.Dropout`'s `bernoulli_`: the same distribution, a
    cheaper draw on a CPU (the command-line lab's choice; the notebook and the runner keep nn.Dropout).
    """
    epoch_fn, eval_fn = epoch_fn or train_one_epoch, eval_fn or evaluate
    p, input_p = check_probability("p", p), check_probability("input_p", input_p)
    check_int("epochs", epochs, 1)
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    (x_train, y_train), (x_test, y_test) = data if data is not None else mnist_tensors(device)
    if subset is not None:
        x_train, y_train = random_subset(x_train, y_train, subset, seed)
    if model is None:
        seed_everything(seed)
        model = build_model(p, input_p)
        if rand_masks:
            for i, layer in enumerate(model):
                if isinstance(layer, nn.Dropout):
                    model[i] = Dropout(layer.p)
    else:  # the dropout of the network given (nn.Dropout or lesson 2's), for the checkpoint's settings
        p = [layer.p for layer in model.modules() if isinstance(layer, (nn.Dropout, Dropout))]
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, fused=fused or None)
    generator = torch.Generator(device=device if device.type == "cuda" else "cpu").manual_seed(seed)
    batches = Batches(x_train, y_train, batch_size, generator)
    settings = {"p": p, "input_p": input_p, "lr": float(lr), "batch_size": batch_size, "seed": seed, "subset": subset,
                "fused": fused, "dtype": str(dtype).removeprefix("torch."), "rand_masks": rand_masks}
    history = History()
    if checkpoint is not None and Path(checkpoint).exists():
        history = load_checkpoint(checkpoint, model, optimizer, generator, settings)
    handles = _autocast_forward(model, device, dtype) if dtype != torch.float32 else None
    try:
        with progress(total=epochs, initial=len(history), desc="epochs", unit="epoch",
                      disable=not show_progress) as bar:
            for epoch in range(len(history) + 1, epochs + 1):
                start = time.perf_counter()
                train_loss = epoch_fn(model, optimizer, batches)
                test_loss, test_acc = eval_fn(model, x_test, y_test)
                history.add(epoch=epoch, train_loss=train_loss, test_loss=test_loss, test_acc=test_acc,
                            seconds=time.perf_counter() - start)
                if checkpoint is not None:
                    save_checkpoint(checkpoint, model, optimizer, history, generator, settings)
                bar.set_postfix(test_acc=f"{test_acc:.2%}", refresh=False)
                bar.update(1)
                if on_epoch is not None:
                    on_epoch(history)
    finally:
        if handles is not None:
            _remove(handles)
    return model, history
