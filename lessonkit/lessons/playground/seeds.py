"""Many seeds at once: the numbers behind the lesson's claims.

    result = compare_many_seeds(seeds=range(20), p=0.5, steps=2000)
    print(result)        # paired mean difference (with dropout - without) and its standard error

For each seed a fresh sample of moons and fresh initial weights; both networks of a pair
(p = 0 and p > 0) start from the same weights on the same sample. All the networks train
together as one batched computation: the same `make_mlp` layers, initial weights and
full-batch Adam steps as the playground, with a batch of weight matrices in each layer.
"""
import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import stack_module_state

from lessonkit.core.checks import check_int, check_number, check_probability
from lessonkit.core.training import one_thread
from lessonkit.lessons.playground.data import make_moons_data
from lessonkit.lessons.playground.model import make_mlp


def _metrics(logits: torch.Tensor, y: torch.Tensor):
    """Per network: mean binary cross-entropy and accuracy, from logits of shape (networks, n)."""
    loss = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(1)
    return loss, ((logits > 0).float() == y).float().mean(1)


def train_many(seeds, p: float, *, steps: int, width: int = 64, depth: int = 2, lr: float = 0.01,
               noise: float = 0.2, flip: float = 0.1, n_train: int = 100) -> dict:
    """Train one network per seed (full batch, Adam) and return its final numbers, each a
    tensor with one entry per seed: val_loss, val_acc, test_loss, test_acc, train_loss, train_acc."""
    seeds = list(seeds)
    p = check_probability("p", p)
    check_int("steps", steps, 1)
    data = [make_moons_data(n_train=n_train, noise=noise, flip=flip, seed=s) for s in seeds]
    stack = lambda name: torch.stack([getattr(d, name) for d in data])  # noqa: E731
    models = []
    for seed in seeds:
        torch.manual_seed(seed)  # the same initial weights as LiveTrainer(seed=seed)
        models.append(make_mlp(width, depth, p))
    params, _ = stack_module_state(models)  # e.g. params["0.weight"]: (networks, width, 2)

    def batched(params, x, training):
        """`make_mlp`'s layers, with one weight matrix per network: x (networks, n, 2) -> (networks, n)."""
        for name, layer in models[0].named_children():
            if isinstance(layer, nn.Linear):
                x = torch.baddbmm(params[f"{name}.bias"].unsqueeze(1), x, params[f"{name}.weight"].transpose(1, 2))
            elif isinstance(layer, nn.Dropout):
                x = nn.functional.dropout(x, p, training)  # a mask entry per unit, point and network
            else:
                x = layer(x)
        return x.squeeze(-1)

    optimizer = torch.optim.Adam(params.values(), lr=lr)  # elementwise: as one Adam per network
    x_train, y_train = stack("x_train"), stack("y_train")
    with one_thread():
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            loss, _ = _metrics(batched(params, x_train, training=True), y_train)
            loss.sum().backward()  # a sum: each network gets the gradient of its own mean loss
            optimizer.step()
        with torch.no_grad():
            result = {}
            for part in ("train", "val", "test"):
                loss, acc = _metrics(batched(params, stack(f"x_{part}"), training=False), stack(f"y_{part}"))
                result[f"{part}_loss"], result[f"{part}_acc"] = loss, acc
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
        d = (self.with_dropout[key] - self.without[key]).double()
        return d.mean().item(), d.std().item() / math.sqrt(len(d))

    def __repr__(self):
        lines = [f"{self.n} seeds, {self.steps} steps; with p = {self.p:g} minus without (paired):",
                 "                mean p=0   mean p>0   difference   SE"]
        for key in ("train_loss", "test_loss", "test_acc"):
            mean, se = self.difference(key)
            lines.append(f"{key:>14}   {self.without[key].mean():8.3f}   {self.with_dropout[key].mean():8.3f}"
                         f"   {mean:+10.3f}   {se:.3f}")
        return "\n".join(lines)


def compare_many_seeds(seeds=range(20), p: float = 0.5, **settings) -> PairedResult:
    """Train without and with dropout on each seed's sample; see `train_many` for `settings`."""
    check_number("p", p, above=0.0, maximum=0.99)
    steps = settings.setdefault("steps", 2000)
    return PairedResult(p, steps, train_many(seeds, 0.0, **settings), train_many(seeds, p, **settings))
