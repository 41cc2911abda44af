"""The MNIST dropout lab as a program: `python -m lessonkit.mnist --p 0.3 --epochs 15`.

Prints one line per epoch and the final test accuracy (`--help` lists every option). It
trains lesson 5's network with lesson 5's loop (`lessonkit.lessons.mnist.train.run_lab`), at this
machine's speed: denormals flushed on a CPU (`lessonkit.core.device.flush_denormals`), Adam's
fused kernel, bf16 autocast where the processor multiplies bf16 natively (`--dtype`), and the
dropout masks drawn as lesson 2 draws them (`run_lab(..., rand_masks=True)`: `torch.rand(...) >= p`,
lesson 2's `Dropout`) rather than by `nn.Dropout`'s `bernoulli_`: the same distribution
(tests/test_mnist_cli.py), a cheaper draw (`benchmarks/mnist_lab.py` times the program). The
notebook's lab and the experiment runner keep `nn.Dropout`.
"""
import argparse
import math
import sys

import torch

from lessonkit.core.checkpoints import CheckpointError
from lessonkit.core.checks import SEED_RANGE
from lessonkit.core.cli import OneLineParser
from lessonkit.core.data import MNISTDamagedError, MNISTNotFoundError
from lessonkit.core.device import DEVICE_NAMES, DeviceNotAvailableError, flush_denormals, pick_device, training_dtype
from lessonkit.lessons.mnist.train import BATCH_SIZE, EPOCHS, LR, SEED, P, run_lab

PROG = "lessonkit.mnist"
# What a learner can cause once the arguments are read: each is reported in one line, no traceback.
LEARNER_ERRORS = (DeviceNotAvailableError, MNISTNotFoundError, MNISTDamagedError, CheckpointError)


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
_seed = _argument("--seed", int, lambda v: 0 <= v < SEED_RANGE, "a whole number in [0, 2**32)", "in [0, 2**32)")


def _device_name(text):
    if text.split(":")[0] not in DEVICE_NAMES:
        raise argparse.ArgumentTypeError(f"--device must be one of {', '.join(DEVICE_NAMES)} (or cuda:N), got {text!r}")
    return text


def parse_args(argv=None) -> argparse.Namespace:
    parser = OneLineParser(
        error_prefix=PROG, error_suffix=" (--help lists every option)",
        prog="python -m lessonkit.mnist",
        description="Train the MNIST dropout lab (784-512-512-512-512-10, Adam, cross-entropy) "
                    "and print one line per epoch and the final test accuracy.",
        epilog="Example: python -m lessonkit.mnist --p 0.3 --epochs 15 --seed 777",
    )
    parser.add_argument("--p", type=_probability("--p"), default=P,
                        help=f"dropout probability after each hidden layer, in [0, 1) (default {P}; 0 = no dropout)")
    parser.add_argument("--input-p", type=_probability("--input-p"), default=0.0,
                        help="dropout probability of the input pixels, in [0, 1) (default 0, as in the original lab)")
    parser.add_argument("--epochs", type=_positive_int("--epochs"), default=EPOCHS,
                        help=f"passes over the training set, >= 1 (default {EPOCHS})")
    parser.add_argument("--batch-size", type=_positive_int("--batch-size"), default=BATCH_SIZE,
                        help=f"images per step, >= 1 (default {BATCH_SIZE})")
    parser.add_argument("--lr", type=_learning_rate, default=LR, help=f"Adam learning rate, > 0 (default {LR})")
    parser.add_argument("--seed", type=_seed, default=SEED,
                        help=f"seed for initialisation, shuffling and dropout (default {SEED})")
    parser.add_argument("--device", type=_device_name, default=None,
                        help=f"one of {', '.join(DEVICE_NAMES)} or cuda:N "
                             "(default: the GPU if there is one, else the CPU)")
    parser.add_argument("--subset", type=_positive_int("--subset"), default=None,
                        help="train on this many training images only, 1 to 60000 (default: all)")
    parser.add_argument("--dtype", choices=("auto", "float32", "bfloat16"), default="auto",
                        help="what the matrix products compute in: auto (default) takes bfloat16 where the processor "
                             "multiplies it natively (AVX512-BF16, AMX or a recent GPU), else float32")
    parser.add_argument("--checkpoint", default=None,
                        help="file to save after every epoch and resume from, e.g. runs/lab.pt")
    args = parser.parse_args(argv)
    if args.subset is not None and args.subset > 60_000:
        parser.error(f"argument --subset: must be in [1, 60000] (the training images), got {args.subset}")
    if args.batch_size > (args.subset or 60_000):
        parser.error(f"argument --batch-size: must be in [1, {args.subset or 60_000}] (the training images), "
                     f"got {args.batch_size}")
    return args


def main(argv=None) -> int:
    """Run the lab; 0 when it trained, 2 (and one line on stderr) for an error the learner can fix."""
    args = parse_args(argv)
    try:
        device = pick_device(args.device)
        dtype = training_dtype(device) if args.dtype == "auto" else getattr(torch, args.dtype)
        model, history = run_lab(args.p, input_p=args.input_p, epochs=args.epochs, batch_size=args.batch_size,
                                 lr=args.lr, seed=args.seed, device=device, subset=args.subset,
                                 checkpoint=args.checkpoint, fused=True, dtype=dtype, rand_masks=True)
    except LEARNER_ERRORS as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    print(history.table())
    if len(history):
        print(f"Final test accuracy: {100 * history['test_acc'][-1]:.2f}%  "
              f"({sum(history['seconds']):.1f} s of training on {device}, {str(dtype).removeprefix('torch.')})")
    return 0


def run() -> int:
    """The console script `lessonkit-mnist`, and `python -m lessonkit.mnist`."""
    flush_denormals()  # first, before torch starts its worker threads
    return main()


if __name__ == "__main__":
    raise SystemExit(run())
