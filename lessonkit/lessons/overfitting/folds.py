"""k-fold cross-validation's bookkeeping: which points each fold holds out.

    order = fold_order(20, seed=0)        # the points in a seeded random order
    for fit_index, held_out in folds(20, 5, seed=0): ...

Fold k holds out the points order[k::folds]; the rest are fitted. The test points are
never involved: cross-validation splits the training points only.
"""
import torch

from lessonkit.core.checks import check_int, check_seed


def fold_order(n: int, seed: int) -> torch.Tensor:
    """The shuffled order of n points, from its own generator: fold k holds order[k::folds]."""
    check_int("n", n, 1)
    return torch.argsort(torch.rand(n, generator=torch.Generator().manual_seed(check_seed("seed", seed))))


def folds(n: int, k: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(indices to fit, indices held out) for each of the k folds of n points."""
    check_int("k", k, 2, n)
    order = fold_order(n, seed)
    held = torch.arange(n) % k
    return [(order[held != fold], order[held == fold]) for fold in range(k)]
