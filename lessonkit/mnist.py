"""The MNIST dropout lab: the original lab's network and recipe, on any device.

    model = build_model(p=0.3)            # 784-512-512-512-512-10, Xavier-uniform
    model, history = run_lab(p=0.3, epochs=15, seed=777)

From a terminal, `python -m lessonkit.mnist --p 0.3 --epochs 15` prints the per-epoch
table and the final test accuracy (`--help` lists every option).
"""
import argparse
import math

import torch

from lessonkit.denormals import flush_denormals
from lessonkit.device import DEVICE_NAMES, pick_device
from lessonkit.fast_dropout import FastDropout
from lessonkit.mnist_data import mnist_tensors, random_subset
from lessonkit.seeding import seed_everything
from lessonkit.training import train

LAYER_SIZES = (784, 512, 512, 512, 512, 10)
# The original lab's recipe.
P, LR, BATCH_SIZE, EPOCHS, SEED = 0.3, 1e-3, 100, 15, 777


def check_p(p, name: str = "p") -> float:
    """Return `p` as a float, or fail clearly when it is not a drop probability in [0, 1)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(p).__name__}")
    if not (0 <= p < 1) or math.isnan(p):
        raise ValueError(f"{name} must be in [0, 1), got {p}")
    return float(p)


def build_model(p: float = P, dropout=FastDropout, input_p: float = 0.0) -> torch.nn.Sequential:
    """The lab's network: Linear 784-512-512-512-512-10, ReLU then Dropout(p) after each
    hidden layer, none after the output (its 10 outputs are the logits for the loss).

    Weights are Xavier-uniform and biases keep torch's default, as in the original lab;
    seed torch (`seed_everything`) first to make the initialisation repeatable.
    dropout: the dropout layer's class. FastDropout is torch.nn.Dropout with a cheaper
    random draw on the CPU; pass torch.nn.Dropout (or lesson 2's Dropout) to compare.
    input_p: also drop input pixels with this probability, as the dropout paper did on
    MNIST; the default 0 adds no layer (the original lab has no input dropout).
    """
    p, input_p = check_p(p), check_p(input_p, "input_p")
    linears = [torch.nn.Linear(n_in, n_out) for n_in, n_out in zip(LAYER_SIZES, LAYER_SIZES[1:])]
    for linear in linears:
        torch.nn.init.xavier_uniform_(linear.weight)
    layers = [dropout(input_p)] if input_p > 0 else []
    for linear in linears[:-1]:
        layers += [linear, torch.nn.ReLU(), dropout(p)]
    return torch.nn.Sequential(*layers, linears[-1])


def make_optimizer(model: torch.nn.Module, lr: float = LR) -> torch.optim.Adam:
    """Adam as in the original lab, with its fused kernel: same update, one pass over the weights.

    On a GPU it is also `capturable`, so `train(..., cuda_graph=True)` can record it.
    """
    on_cuda = next(model.parameters()).is_cuda
    return torch.optim.Adam(model.parameters(), lr=lr, fused=True, capturable=on_cuda)


@torch.no_grad()
def accuracy(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of `x` that `model` classifies as `y`, in whatever mode the model is in now."""
    return (model(x).argmax(1) == y).float().mean().item()


def run_lab(
    p: float = P,
    *,
    epochs: int = EPOCHS,
    batch_size: int = BATCH_SIZE,
    lr: float = LR,
    seed: int = SEED,
    device: torch.device | str | None = None,
    subset: int | None = None,
    data=None,
    dropout=FastDropout,
    input_p: float = 0.0,
    **train_kwargs,
):
    """Seed, build the model, and train it with the lab's recipe. Returns (model, history).

    device: None takes the GPU when there is one, else the CPU (see `pick_device`).
    subset: train on this many training images only (drawn with `seed`); the test set is whole.
    data: `mnist_tensors(device)` already loaded, to save reloading between runs.
    dropout, input_p: the dropout layer's class, and the input pixels' drop probability
    (see `build_model`).
    On a CPU, call `lessonkit.denormals.flush_denormals()` first thing: same results, faster.
    Other keywords go to `lessonkit.training.train` (`checkpoint`, `on_epoch`, ...).
    """
    p, input_p = check_p(p), check_p(input_p, "input_p")
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    train_data, test_data = data if data is not None else mnist_tensors(device)
    if subset is not None:
        train_data = random_subset(*train_data, subset, seed)
    seed_everything(seed)
    model = build_model(p, dropout, input_p).to(device)
    optimizer = make_optimizer(model, lr)
    # on a GPU each step is replayed as one CUDA graph: same training, far fewer launches
    train_kwargs.setdefault("cuda_graph", device.type == "cuda")
    # saved with a checkpoint, so resuming under other settings is refused, not silently mixed
    settings = {"p": p, "input_p": input_p, "lr": float(lr), "batch_size": batch_size, "seed": seed, "subset": subset}
    history = train(model, optimizer, torch.nn.CrossEntropyLoss(), train_data, test_data,
                    epochs=epochs, batch_size=batch_size, seed=seed, settings=settings, **train_kwargs)
    return model, history


def _argument(name, cast, ok, kind, valid):
    """An argparse type: `cast` the text, then require `ok(value)`; errors name the argument.

    kind: what the text must look like ("a whole number >= 1"); valid: the range ("in [0, 1)").
    """
    def parse(text):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be {kind}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"{name} must be {valid}, got {value}")
        return value

    return parse


def _positive_int(name):
    return _argument(name, int, lambda v: v >= 1, "a whole number >= 1", "a whole number >= 1")


def _probability(name):
    return _argument(name, float, lambda v: 0 <= v < 1, "a number in [0, 1)", "in [0, 1)")


_learning_rate = _argument("--lr", float, lambda v: math.isfinite(v) and v > 0, "a number > 0", "a finite number > 0")
_seed = _argument("--seed", int, lambda v: 0 <= v < 2**32, "a whole number in [0, 2**32)", "in [0, 2**32)")


def _device_name(text):
    if text.split(":")[0] not in DEVICE_NAMES:
        raise argparse.ArgumentTypeError(f"--device must be one of {', '.join(DEVICE_NAMES)} (or cuda:N), got {text!r}")
    return text


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lessonkit.mnist",
        description="Train the MNIST dropout lab (784-512-512-512-512-10, Adam, cross-entropy) "
                    "and print one line per epoch and the final test accuracy.",
        epilog="Example: python -m lessonkit.mnist --p 0.3 --epochs 15 --seed 777",
    )
    parser.add_argument("--p", type=_probability("--p"), default=P, help=f"dropout probability after each hidden layer, in [0, 1) (default {P}; 0 = no dropout)")
    parser.add_argument("--input-p", type=_probability("--input-p"), default=0.0, help="dropout probability of the input pixels, in [0, 1) (default 0, as in the original lab)")
    parser.add_argument("--epochs", type=_positive_int("--epochs"), default=EPOCHS, help=f"passes over the training set, >= 1 (default {EPOCHS})")
    parser.add_argument("--batch-size", type=_positive_int("--batch-size"), default=BATCH_SIZE, help=f"images per step, >= 1 (default {BATCH_SIZE})")
    parser.add_argument("--lr", type=_learning_rate, default=LR, help=f"Adam learning rate, > 0 (default {LR})")
    parser.add_argument("--seed", type=_seed, default=SEED, help=f"seed for initialisation, shuffling and dropout (default {SEED})")
    parser.add_argument("--device", type=_device_name, default=None, help=f"one of {', '.join(DEVICE_NAMES)} or cuda:N (default: the GPU if there is one, else the CPU)")
    parser.add_argument("--subset", type=_positive_int("--subset"), default=None, help="train on this many training images only, 1 to 60000 (default: all)")
    parser.add_argument("--checkpoint", default=None, help="file to save after every epoch and resume from, e.g. runs/lab.pt")
    args = parser.parse_args(argv)
    if args.subset is not None and args.subset > 60_000:
        parser.error(f"argument --subset: must be in [1, 60000] (the training images), got {args.subset}")
    if args.batch_size > (args.subset or 60_000):
        parser.error(f"argument --batch-size: must be in [1, {args.subset or 60_000}] (the training images), got {args.batch_size}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    device = pick_device(args.device)
    model, history = run_lab(args.p, input_p=args.input_p, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                             device=device, subset=args.subset, checkpoint=args.checkpoint, resume=args.checkpoint is not None)
    print(history.table())
    if len(history):
        print(f"Final test accuracy: {100 * history['test_acc'][-1]:.2f}%  "
              f"({sum(history['seconds']):.1f} s of training on {device})")
    return 0


if __name__ == "__main__":
    flush_denormals()  # first, before torch starts its worker threads: see lessonkit.denormals
    raise SystemExit(main())
