"""Two interleaved half-moons, two classes, with label noise: small enough to overfit.

    data = make_moons_data(n_train=100, noise=0.2, flip=0.1, seed=0)
    data.x_train, data.y_train    # (100, 2) float32 points, (100,) float32 labels 0 or 1

Every draw takes a `torch.Generator` seeded with `seed`, so the same arguments give the
same points. The validation set is for choosing settings; the test set only measures.
"""
import math
from dataclasses import dataclass

import torch

from lessonkit.core.checks import check_int, check_number, check_seed

NOISE_RANGE = (0.0, 0.5)  # the noise slider; above 0.5 the two moons are one cloud
FLIP_RANGE = (0.0, 0.5)  # flipping half the labels would leave nothing to learn


def make_moons(n: int, noise: float, flip: float, generator: torch.Generator):
    """`n` points of two moons: (x of shape (n, 2), y of shape (n,)).

    Class 0 is the upper moon, class 1 the lower one shifted right; `noise` is the standard
    deviation of Gaussian noise added to each coordinate, `flip` the fraction of labels
    swapped at random (the single stray points an overfit network wraps itself around).
    """
    angle = torch.rand(n, generator=generator) * math.pi
    y = (torch.arange(n) % 2).float()  # alternate classes: equal halves, whatever n
    upper = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    lower = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)
    x = torch.where(y[:, None] == 1, lower, upper)
    x = x + noise * torch.randn(n, 2, generator=generator)
    flipped = torch.rand(n, generator=generator) < flip
    y = torch.where(flipped, 1 - y, y)
    return x - torch.tensor([0.5, 0.25]), y  # centred on the origin


@dataclass(frozen=True)
class MoonsData:
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    noise: float
    flip: float
    seed: int

    @property
    def flipped(self) -> torch.Tensor:
        """Which training labels were flipped: `make_moons` draws the classes alternately, so a
        label that differs from its position's class is a flipped one."""
        return self.y_train != (torch.arange(len(self.y_train)) % 2).float()

    def __repr__(self):
        return (f"MoonsData({len(self.x_train)} training, {len(self.x_val)} validation and {len(self.x_test)} test "
                f"points, noise {self.noise:g}, {self.flip:.0%} of labels flipped, seed {self.seed})")


def make_moons_data(n_train: int = 100, n_val: int = 200, n_test: int = 1000, noise: float = 0.2,
                    flip: float = 0.1, seed: int = 0) -> MoonsData:
    """Training, validation and test sets drawn from the same two moons (see `make_moons`)."""
    check_int("n_train", n_train, 2, 100_000)
    check_int("n_val", n_val, 2, 100_000)
    check_int("n_test", n_test, 2, 100_000)
    noise = check_number("noise", noise, *NOISE_RANGE)
    flip = check_number("flip", flip, *FLIP_RANGE)
    check_seed("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    # The training set is drawn first, so a larger test set never changes it.
    sets = [make_moons(n, noise, flip, generator) for n in (n_train, n_val, n_test)]
    return MoonsData(*sets[0], *sets[1], *sets[2], noise=noise, flip=flip, seed=seed)
