"""The MNIST dropout lab: the original lab's network and recipe, on any device.

    model = build_model(p=0.3)            # 784-512-512-512-512-10, Xavier-uniform
    model, history = run_lab(p=0.3, epochs=15, seed=777)

From a terminal, `python -m lessonkit.mnist --p 0.3 --epochs 15` runs the same lab
(`lessonkit/mnist.py`; `--help` lists every option).
"""
import torch

from lessonkit.core import run_cache
from lessonkit.core.checks import check_probability
from lessonkit.core.device import pick_device
from lessonkit.core.mnist_data import mnist_tensors, random_subset
from lessonkit.core.seeding import seed_everything
from lessonkit.core.training import train

LAYER_SIZES = (784, 512, 512, 512, 512, 10)
# The original lab's recipe.
P, LR, BATCH_SIZE, EPOCHS, SEED = 0.3, 1e-3, 100, 15, 777


def build_model(p: float = P, dropout=torch.nn.Dropout, input_p: float = 0.0) -> torch.nn.Sequential:
    """The lab's network: Linear 784-512-512-512-512-10, ReLU then Dropout(p) after each
    hidden layer, none after the output (its 10 outputs are the logits for the loss).

    Weights are Xavier-uniform and biases keep torch's default, as in the original lab;
    seed torch (`seed_everything`) first to make the initialisation repeatable.
    dropout: the dropout layer's class: torch.nn.Dropout, or lesson 2's Dropout to compare.
    input_p: also drop input pixels with this probability, as the dropout paper did on
    MNIST; the default 0 adds no layer (the original lab has no input dropout).
    """
    p, input_p = check_probability("p", p), check_probability("input_p", input_p)
    linears = [torch.nn.Linear(n_in, n_out) for n_in, n_out in zip(LAYER_SIZES, LAYER_SIZES[1:])]
    for linear in linears:
        torch.nn.init.xavier_uniform_(linear.weight)
    layers = [dropout(input_p)] if input_p > 0 else []
    for linear in linears[:-1]:
        layers += [linear, torch.nn.ReLU(), dropout(p)]
    return torch.nn.Sequential(*layers, linears[-1])


def make_optimizer(model: torch.nn.Module, lr: float = LR) -> torch.optim.Adam:
    """Adam as in the original lab, with its fused kernel: same update, one pass over the weights.

    On a GPU it is also `capturable`, so `lessonkit.fast` can record each step as a CUDA graph.
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
    dropout=torch.nn.Dropout,
    input_p: float = 0.0,
    model: torch.nn.Module | None = None,
    **train_kwargs,
):
    """Seed, build the model, and train it with the lab's recipe. Returns (model, history).

    model: a network you built yourself (seed torch first: its first weights and its
    dropout masks come from torch's generator); it is trained as given, and `p`,
    `dropout` and `input_p` are ignored. The default builds `build_model(p, ...)`.

    device: None takes the GPU when there is one, else the CPU (see `pick_device`).
    subset: train on this many training images only (drawn with `seed`); the test set is whole.
    data: `mnist_tensors(device)` already loaded, to save reloading between runs.
    dropout, input_p: the dropout layer's class, and the input pixels' drop probability
    (see `build_model`).
    Other keywords go to `lessonkit.core.training.train` (`checkpoint`, `on_epoch`,
    `speedup=lessonkit.fast.speedup()` for the same training in less time, ...).
    """
    p, input_p = check_probability("p", p), check_probability("input_p", input_p)
    device = pick_device(device, verbose=False) if device is None or isinstance(device, str) else device
    train_data, test_data = data if data is not None else mnist_tensors(device)
    if subset is not None:
        train_data = random_subset(*train_data, subset, seed)
    if model is None:
        seed_everything(seed)
        model = build_model(p, dropout, input_p)
    else:  # the dropout of the network given, for the checkpoint's settings
        p = [layer.p for layer in model.modules() if isinstance(layer, torch.nn.Dropout)]
    model = model.to(device)
    optimizer = make_optimizer(model, lr)
    # saved with a checkpoint, so resuming under other settings is refused, not silently mixed
    settings = {"p": p, "input_p": input_p, "lr": float(lr), "batch_size": batch_size, "seed": seed, "subset": subset}
    cacheable = train_kwargs.get("checkpoint") is None
    if cacheable:  # only with $LESSONKIT_RUN_CACHE set: see lessonkit.core.run_cache
        shaping = {k: v for k, v in train_kwargs.items() if k not in ("on_epoch", "show_progress", "speedup")}
        key = run_cache.run_key("run_lab", settings, epochs, shaping, repr(model), model.state_dict(),
                                train_data, test_data, device.type, train_kwargs.get("speedup") is not None)
        stored = run_cache.load("run_lab", key)
        if stored is not None:
            model.load_state_dict(stored["model"])
            torch.set_rng_state(stored["rng"])  # as if it had trained: later draws are the same
            if train_kwargs.get("on_epoch") is not None:
                train_kwargs["on_epoch"](stored["history"])
            return model, stored["history"]
    history = train(model, optimizer, torch.nn.CrossEntropyLoss(), train_data, test_data,
                    epochs=epochs, batch_size=batch_size, seed=seed, settings=settings, **train_kwargs)
    if cacheable and not history.interrupted:
        state = {name: value.detach().to("cpu") for name, value in model.state_dict().items()}
        run_cache.save("run_lab", key, {"model": state, "history": history, "rng": torch.get_rng_state()})
    return model, history
