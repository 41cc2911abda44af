"""MNIST as tensors: read once from torchvision's files, scaled once, kept on the device.

    (x_train, y_train), (x_test, y_test) = mnist_tensors(device)

Images are float32 rows of 784 pixels scaled to [0, 1], exactly what the original lab's
`transforms.ToTensor()` gives the training images, and the same for the test images
(the original lab fed its test images unscaled, 0-255: `raw_test_images()` keeps that
mistake at hand so the lesson can measure it). Labels are int64 class indices.
Batching is `lessonkit.core.training.Batches`: slices of a shuffled index, on the device.
"""
import torch

from lessonkit.core.checks import check_int, check_seed
from lessonkit.core.data import mnist

PIXELS = 28 * 28
SCALE = 255.0  # ToTensor() divides the uint8 pixels by this


def _images(dataset, device) -> torch.Tensor:
    # `.data` / `.targets`: the deprecated `.test_data` / `.test_labels` of the original lab
    return dataset.data.reshape(-1, PIXELS).to(device=device, dtype=torch.float32).div_(SCALE)


def mnist_tensors(device: torch.device | str = "cpu", root=None):
    """Return `((x_train, y_train), (x_test, y_test))` on `device`, scaled the same way.

    x: float32 of shape (N, 784) in [0, 1]; y: int64 labels 0-9. 60,000 training and
    10,000 test images. Built from `lessonkit.core.data.mnist`, which finds or fetches the files.
    """
    device = torch.device(device)
    train, test = mnist(train=True, root=root), mnist(train=False, root=root)
    return (
        (_images(train, device), train.targets.to(device)),
        (_images(test, device), test.targets.to(device)),
    )


def raw_test_images(device: torch.device | str = "cpu", root=None) -> torch.Tensor:
    """The test images as the original lab fed them: float 0-255, NOT scaled like training.

    Only for showing that pitfall; use `mnist_tensors` for everything else.
    """
    return mnist(train=False, root=root).data.reshape(-1, PIXELS).to(device=device, dtype=torch.float32)


def random_subset(x: torch.Tensor, y: torch.Tensor, size: int, seed: int):
    """`size` samples of (x, y) drawn without replacement, in an order fixed by `seed`."""
    check_int("size", size, 1, len(x))
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    index = torch.randperm(len(x), generator=generator)[:size].to(x.device)
    return x[index], y[index]
