"""The network of the playground and its training step, short enough to read in the notebook.

    model = make_mlp(width=64, depth=2, p=0.5)     # 2-64-64-1, nn.Dropout after each hidden layer
    loss = train_step(model, optimizer, xb, yb)    # one Adam step on a batch
    set_dropout(model, 0.2)                        # change p of every nn.Dropout, even mid-training
    dropout_p(model)                               # 0.2: what the model's nn.Dropout layers use now
"""
import torch
from torch import nn

from lessonkit.core.checks import check_int, check_probability

WIDTHS = (8, 16, 32, 64, 128, 256)  # the width choice of the playground
MAX_DEPTH = 4


def make_mlp(width: int = 64, depth: int = 2, p: float = 0.0) -> nn.Sequential:
    """2 inputs, `depth` hidden layers of `width` ReLU units, each followed by nn.Dropout(p),
    and one output: the logit of class 1 (the lower moon). p is the *drop* probability."""
    check_int("width", width, 1)
    check_int("depth", depth, 1, MAX_DEPTH)
    p = check_probability("p", p)
    layers, inputs = [], 2
    for _ in range(depth):
        layers += [nn.Linear(inputs, width), nn.ReLU(), nn.Dropout(p)]
        inputs = width
    layers.append(nn.Linear(inputs, 1))
    return nn.Sequential(*layers)


def set_dropout(model: nn.Module, p: float) -> None:
    """Set p of every nn.Dropout in `model`; the next forward pass in train mode uses it."""
    p = check_probability("p", p)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = p


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """One textbook step: dropout on, binary cross-entropy on the logits, backward, update.
    Returns the batch's loss (detached)."""
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss = nn.functional.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)
    loss.backward()
    optimizer.step()
    return loss.detach()


def dropout_p(model: nn.Module) -> float | None:
    """The p of the model's nn.Dropout layers (`set_dropout` gives them one), None without any."""
    ps = {module.p for module in model.modules() if isinstance(module, nn.Dropout)}
    if len(ps) > 1:
        raise ValueError(f"the model's nn.Dropout layers use different p: {sorted(ps)}")
    return ps.pop() if ps else None
