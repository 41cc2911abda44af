"""What the lessons' own training loops share: eval_mode, one_thread and seeded Batches.

    for x, y in Batches(x_train, y_train, batch_size=100, generator=torch.Generator().manual_seed(777)):
        ...

The lessons show and run their own loops (lesson 3's `train_full_batch`, lesson 5's
`train_one_epoch`). The data are tensors already on the training device; each pass visits a
seeded random permutation of the training indices in batches, sliced on the device (no
DataLoader, no per-sample work).
"""
from contextlib import contextmanager

import torch

from lessonkit.core.checks import check_int


@contextmanager
def eval_mode(model: torch.nn.Module, training: bool = False):
    """Run the block with `model` in eval mode (dropout off), or in train mode with
    `training=True`; the mode it had before is restored afterwards, even after an error."""
    was_training = model.training
    model.train(training)
    try:
        yield model
    finally:
        model.train(was_training)


@contextmanager
def one_thread():
    """Run the block on one CPU thread, then restore torch's thread count. For tiny
    networks, splitting a small matrix product between threads costs more than it saves."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class Batches:
    """Mini-batches of (x, y) in a seeded random order, sliced on the tensors' device.

    Each pass visits every index at most once; the last partial batch is left out, as the
    original lab's DataLoader(drop_last=True) does.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, generator: torch.Generator):
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        self.batch_size = check_int("batch_size", batch_size, 1, len(x))
        self.x, self.y, self.generator = x, y, generator

    def __len__(self) -> int:
        return len(self.x) // self.batch_size

    def indices(self):
        """The index tensor of each batch of one pass (what `iter` slices x and y with)."""
        order = torch.randperm(len(self.x), generator=self.generator, device=self.generator.device)
        order = order.to(self.x.device)
        for i in range(len(self)):
            yield order[i * self.batch_size : (i + 1) * self.batch_size]

    def __iter__(self):
        for index in self.indices():
            yield self.x[index], self.y[index]
