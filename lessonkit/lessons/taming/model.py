"""Lesson 3's network: a small MLP, far too big for 20 points, with or without dropout.

    fit = fit_mlp(data, p=0.3)                 # seed, make_regression_mlp, the notebook's full-batch loop
    fit.predict(x)                             # eval mode: dropout off, weights as trained
    mean, std = mc_dropout_predict(fit.model, x, passes=100, seed=0)

Everything runs on the CPU, on one thread: the network is tiny, and for 20 points the
start-up cost of a GPU kernel, or of splitting a small matrix product between threads, is
larger than the work itself.

Dropout on the inputs of a linear model is ridge regression with one penalty per feature:

    X = legendre_features(data.x_train, 15)           # lesson 1's 16 features
    w = dropout_ridge(X, data.y_train, p=0.3)         # the minimum of the expected dropout loss
    w_sgd = dropout_sgd(X, data.y_train, p=0.3)       # the same, found by SGD with real masks
    feature_penalties(X, p=0.3)                       # λ_j = p/(1-p)·(XᵀX)_jj

Why: with inverted dropout every input x_ij becomes x_ij·m_ij/(1-p), m_ij ~ Bernoulli(1-p),
so its mean is x_ij and its variance x_ij²·p/(1-p). The expected squared error then splits
into the plain squared error plus Σ_j λ_j w_j² with λ_j = p/(1-p)·Σ_i x_ij²: ridge, with a
penalty that grows with the size of feature j (Srivastava et al. 2014, §9.1, write it with
their p, the *keep* probability; Wager et al. 2013). Here p is torch's *drop* probability.
These fits are float64, so the numbers are the same on every machine.
"""
from dataclasses import dataclass

import torch
from torch import nn

from lessonkit.core.checks import check_int, check_number, check_probability, check_seed
from lessonkit.core.history import History
from lessonkit.core.montecarlo import mc_dropout_samples
from lessonkit.core.training import eval_mode, one_thread

HIDDEN = 256  # 1-256-256-1: about 66,000 weights for 20 points
EPOCHS = 1000  # full-batch Adam steps: long enough to chase the noise
LR = 3e-3


def check_p(p) -> float:
    """`p` as a float: dropout's drop probability must be in [0, 1) (p = 1 learns nothing)."""
    return check_probability("p", p)


def make_regression_mlp(p: float = 0.0, hidden: int = HIDDEN) -> nn.Sequential:
    """1-hidden-hidden-1 ReLU network with `nn.Dropout(p)` after each hidden layer.

    p = 0 gives the same layers with dropout that does nothing, so "with" and "without"
    dropout are exactly the same network. Seed torch first for a repeatable start.
    """
    p = check_p(p)
    check_int("hidden", hidden, 1)
    return nn.Sequential(
        nn.Linear(1, hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(hidden, 1),
    )


def column(x: torch.Tensor) -> torch.Tensor:
    """x of shape (n,) as a float32 column (n, 1): one input feature per row."""
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D tensor of inputs, got shape {tuple(x.shape)}")
    return x.unsqueeze(1)


@dataclass
class MLPFit:
    """A trained network and its per-epoch history (`train_eval_loss`, `test_loss`, ...)."""

    model: nn.Sequential
    history: History
    p: float
    weight_decay: float = 0.0

    @property
    def train_mse(self) -> float:
        """Training MSE in eval mode (dropout off), after the last epoch."""
        return self.history["train_eval_loss"][-1]

    @property
    def test_mse(self) -> float:
        return self.history["test_loss"][-1]

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Eval-mode prediction at the 1-D inputs `x`: dropout off, a shape-(n,) tensor."""
        with eval_mode(self.model):
            return self.model(column(x)).squeeze(1)

    def __repr__(self) -> str:
        l2 = f", weight_decay={self.weight_decay:g}" if self.weight_decay else ""
        return (f"MLPFit(p={self.p:g}{l2}, {len(self.history)} epochs: "
                f"train MSE {self.train_mse:.4f}, test MSE {self.test_mse:.4f})")


def train_full_batch(model, x_train, y_train, x_test, y_test, epochs=EPOCHS, lr=LR, weight_decay=0.0):
    """The notebook's loop, word for word: full-batch Adam on the MSE, one row per epoch.

    Each epoch is one step on all training points with dropout on (`model.train()`), then
    the train and test MSE measured with dropout off (`model.eval()`). Returns the history.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.MSELoss()
    history = History()
    for epoch in range(1, epochs + 1):
        model.train()  # dropout on: a fresh mask for every point and unit
        loss = loss_fn(model(x_train), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        model.eval()  # dropout off, to measure
        with torch.no_grad():
            history.add(epoch=epoch, train_loss=loss.item(),
                        train_eval_loss=loss_fn(model(x_train), y_train).item(),
                        test_loss=loss_fn(model(x_test), y_test).item())
    return history


def fit_mlp(data, p: float = 0.0, *, weight_decay: float = 0.0, epochs: int = EPOCHS, lr: float = LR,
            hidden: int = HIDDEN, seed: int = 0) -> MLPFit:
    """`torch.manual_seed(seed)`, `make_regression_mlp(p)`, then the notebook's loop `train_full_batch`.

    `weight_decay` > 0 is Adam's coupled L2: weight_decay * w is added to the gradient, the
    gradient of a penalty (weight_decay/2)*|w|^2 on the loss (not AdamW's decoupled decay).
    `seed` fixes the initial weights and every dropout mask; the caller's global random
    state is left as it was, so fits do not depend on call order.
    """
    p = check_p(p)
    weight_decay = check_number("weight_decay", weight_decay, 0)
    check_int("epochs", epochs, 1)
    check_number("lr", lr, above=0)
    x_train, y_train = column(data.x_train), column(data.y_train)
    x_test, y_test = column(data.x_test), column(data.y_test)
    # init and dropout draw from torch's global RNG: fork it, so the caller's is untouched
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make_regression_mlp(p, hidden)
        history = train_full_batch(model, x_train, y_train, x_test, y_test, epochs, lr, weight_decay)
    model.eval()
    return MLPFit(model, history, p, weight_decay)


def p_grid(stop: float = 0.8, step: float = 0.1) -> list[float]:
    """Drop probabilities 0, step, ..., stop, rounded so 0.30000000000000004 reads 0.3."""
    stop, step = check_p(stop), check_number("step", step, above=0)
    return [round(i * step, 10) for i in range(int(round(stop / step)) + 1)]


def mc_dropout_predict(model: nn.Module, x: torch.Tensor, passes: int = 100, seed: int = 0,
                       dropout_on: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo dropout: `passes` predictions at the 1-D inputs `x`, their mean and std.

    dropout_on=True runs the model in train mode, so every pass drops a fresh random set
    of units; False runs it in eval mode, where every pass is the same (std 0). The model's
    mode is restored afterwards; `seed` fixes the masks without touching the global RNG.
    """
    check_int("passes", passes, 2)
    with one_thread():
        samples = mc_dropout_samples(model, column(x), passes, seed=seed, dropout_on=dropout_on).squeeze(2)
    return samples.mean(0), samples.std(0)  # one pass per row: (passes, n)


# Dropout on the inputs of a linear model: ridge with one penalty per feature

def check_features(features: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    features, y = torch.as_tensor(features, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    if features.ndim != 2 or y.shape != features.shape[:1]:
        raise ValueError(f"features must be (points, features) and y (points,), got {tuple(features.shape)} "
                         f"and {tuple(y.shape)}")
    return features, y


def feature_penalties(features: torch.Tensor, p: float) -> torch.Tensor:
    """λ_j = p/(1-p)·Σ_i x_ij²: the ridge penalty that dropout puts on each feature's weight."""
    p = check_probability("p", p)
    features = torch.as_tensor(features, dtype=torch.float64)
    return p / (1 - p) * (features**2).sum(0)


def dropout_ridge(features: torch.Tensor, y: torch.Tensor, p: float) -> torch.Tensor:
    """The weights that minimize the expected loss of dropout on the features, in closed form:
    (XᵀX + diag(λ))⁻¹ Xᵀy. At p = 0 it is plain least squares (X must then have full rank)."""
    features, y = check_features(features, y)
    gram = features.T @ features
    return torch.linalg.solve(gram + torch.diag(feature_penalties(features, p)), features.T @ y)


def dropout_sgd(features: torch.Tensor, y: torch.Tensor, p: float, *, steps: int = 40_000, lr: float | None = None,
                seed: int = 0) -> torch.Tensor:
    """Train the linear model by gradient descent on the mean squared error with dropout on its
    inputs (a fresh mask for every point at every step); return the average of the second
    half of the iterates, which settles on the minimum of the expected loss.

    lr: the step size; None takes half of 1/L, where L bounds the expected loss's curvature.
    """
    features, y = check_features(features, y)
    p = check_probability("p", p)
    check_int("steps", steps, 2)
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    n = len(y)
    if lr is None:
        curvature = (features.T @ features + torch.diag(feature_penalties(features, p))) * (2 / n)
        lr = 0.5 / torch.linalg.eigvalsh(curvature).max().item()
    lr = check_number("lr", lr, above=0)
    w = torch.zeros(features.shape[1], dtype=torch.float64)
    total = torch.zeros_like(w)
    for step in range(steps):
        keep = torch.rand(features.shape, generator=generator, dtype=torch.float64) >= p
        dropped = features * keep / (1 - p)  # inverted dropout, as torch.nn.Dropout does
        w = w - lr * (2 / n) * dropped.T @ (dropped @ w - y)
        if step >= steps // 2:
            total += w
    return total / (steps - steps // 2)
