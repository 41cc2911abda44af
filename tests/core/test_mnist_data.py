import pytest
import torch
import torchvision.transforms as transforms

from lessonkit.core.data import mnist
from lessonkit.core.mnist_data import mnist_tensors, random_subset, raw_test_images


@pytest.fixture(scope="module")
def tensors():
    return mnist_tensors("cpu")


def test_shapes_dtypes_and_labels(tensors):
    (x_train, y_train), (x_test, y_test) = tensors
    assert x_train.shape == (60_000, 784) and x_test.shape == (10_000, 784)
    assert x_train.dtype == x_test.dtype == torch.float32
    assert y_train.dtype == torch.int64 and set(y_test.unique().tolist()) == set(range(10))


def test_train_and_test_images_are_scaled_exactly_like_torchvisions_to_tensor(tensors):
    (x_train, y_train), (x_test, y_test) = tensors
    to_tensor = transforms.ToTensor()
    for split, x, y in ((mnist(train=True), x_train, y_train), (mnist(train=False), x_test, y_test)):
        for i in (0, 1234, len(split) - 1):
            image, label = split[i]  # PIL image, as the original lab's DataLoader sees it
            assert torch.equal(to_tensor(image).reshape(-1), x[i])
            assert label == y[i].item()
    assert x_test.min() == 0 and x_test.max() == 1


def test_raw_test_images_are_the_unscaled_pixels(tensors):
    _, (x_test, _) = tensors
    raw = raw_test_images()
    assert raw.max() == 255
    assert torch.allclose(raw / 255, x_test)


def test_random_subset_is_seeded_and_draws_without_replacement():
    x = torch.arange(1000).float().unsqueeze(1)
    y = torch.arange(1000)
    xs, ys = random_subset(x, y, 300, seed=5)
    assert torch.equal(xs[:, 0].long(), ys)  # pairs stay together
    assert len(set(ys.tolist())) == 300
    assert torch.equal(random_subset(x, y, 300, seed=5)[1], ys)
    assert not torch.equal(random_subset(x, y, 300, seed=6)[1], ys)


@pytest.mark.parametrize("size, error", [(0, ValueError), (1001, ValueError), (2.5, TypeError)])
def test_random_subset_rejects_bad_sizes(size, error):
    x = torch.zeros(1000, 1)
    with pytest.raises(error, match=r"size must be"):
        random_subset(x, x, size, seed=0)
