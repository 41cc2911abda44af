"""A noisy sample from a smooth curve on [-1, 1]: the data of lessons 1 and 3.

    data = make_regression_data(n_train=20, noise=0.2, seed=0)
    data.x_train, data.y_train    # what a model learns from
    data.x_test, data.y_test      # held out, from the same distribution
    data.true_fn(x)               # the noiseless curve, for plots
"""
import math
from dataclasses import dataclass, field

import torch

from lessonkit.core.checks import check_int, check_number, check_seed


def true_function(x: torch.Tensor) -> torch.Tensor:
    """The smooth curve behind the data: one period of a sine, sin(pi * x), on [-1, 1].

    A cubic or quintic polynomial follows it closely, so a low degree fits well and a
    high degree has only noise left to learn.
    """
    return torch.sin(math.pi * x)


@dataclass(frozen=True)
class RegressionData:
    """Training and test points, y = true_fn(x) + Gaussian noise of std `noise`."""

    x_train: torch.Tensor  # shape (n_train,), float32, in [-1, 1]
    y_train: torch.Tensor
    x_test: torch.Tensor  # shape (n_test,)
    y_test: torch.Tensor
    noise: float
    seed: int | None = field(default=None, compare=False)

    def true_fn(self, x: torch.Tensor) -> torch.Tensor:
        """The smooth noiseless curve the points were drawn around."""
        return true_function(x)

    @property
    def n_train(self) -> int:
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        return len(self.x_test)

    def __repr__(self) -> str:
        seed = "" if self.seed is None else f", seed={self.seed}"
        return (f"RegressionData(n_train={self.n_train}, n_test={self.n_test}, "
                f"noise={self.noise:g}{seed}, y = sin(pi*x) + noise on [-1, 1])")


def make_regression_data(n_train: int = 20, n_test: int = 200, noise: float = 0.2,
                         seed: int = 0) -> RegressionData:
    """Draw `n_train` training and `n_test` test points around `true_function`.

    Test inputs are uniform on [-1, 1]. Training inputs are uniform too, one at a random
    spot in each of `n_train` equal slices of [-1, 1]: each point on its own is still
    uniform (the same distribution as the test points), but no stretch of the interval is
    left empty by bad luck, so what a high degree does wrong is overfitting, not guessing
    across a gap. Both get Gaussian noise with standard deviation `noise`.
    The draws use their own `torch.Generator` seeded with `seed`: the same arguments
    always give the same data, and the global random state is untouched.
    """
    check_int("n_train", n_train, 1)
    check_int("n_test", n_test, 1)
    noise = check_number("noise", noise, 0)  # a standard deviation
    check_seed("seed", seed)

    gen = torch.Generator().manual_seed(seed)
    slice_start = torch.arange(n_train, dtype=torch.float32)
    x_train = -1 + (slice_start + torch.rand(n_train, generator=gen)) * (2 / n_train)
    x_train = x_train.clamp(-1, 1)  # float32 rounding may step a hair past an end
    y_train = true_function(x_train) + noise * torch.randn(n_train, generator=gen)
    x_test = torch.rand(n_test, generator=gen) * 2 - 1
    y_test = true_function(x_test) + noise * torch.randn(n_test, generator=gen)
    return RegressionData(x_train, y_train, x_test, y_test, noise, seed)
