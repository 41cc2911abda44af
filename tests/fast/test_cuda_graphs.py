"""The CUDA-graph step trains like the textbook step (these run only where there is a GPU)."""
import pytest
import torch

from lessonkit import fast
from lessonkit.core.training import train


def toy_classification(seed=0, n=240):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    return (x[:200], y[:200]), (x[200:], y[200:])


def cuda_run(p, speedup, seed=0, epochs=3):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Dropout(p),
                                torch.nn.Linear(64, 2)).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, fused=True, capturable=True)
    train_data, test_data = [tuple(t.cuda() for t in pair) for pair in toy_classification()]
    history = train(model, optimizer, torch.nn.CrossEntropyLoss(), train_data, test_data, epochs=epochs,
                    batch_size=16, seed=seed, show_progress=False, speedup=speedup)
    return model, history


def test_a_graphed_step_needs_cuda_data():
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters(), capturable=True)
    (x, y), _ = toy_classification()
    with pytest.raises(ValueError, match="needs the data on a CUDA device, got cpu"):
        fast.GraphedStep(model, optimizer, torch.nn.CrossEntropyLoss(), (x[:16], y[:16]))


def test_a_graphed_step_needs_a_capturable_optimizer():
    model = torch.nn.Linear(2, 2)
    (x, y), _ = toy_classification()
    with pytest.raises(ValueError, match="capturable=True"):
        fast.GraphedStep(model, torch.optim.Adam(model.parameters()), torch.nn.CrossEntropyLoss(), (x[:16], y[:16]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graph_trains_like_the_eager_loop():
    # no dropout: no random draws, so graph replay and eager steps do the same arithmetic
    eager_model, eager = cuda_run(0.0, speedup=None)
    graph_model, graphed = cuda_run(0.0, speedup=fast.speedup())
    for column in ("train_loss", "train_acc", "test_loss", "test_acc"):
        assert graphed[column] == pytest.approx(eager[column], rel=1e-4, abs=1e-6)
    for a, b in zip(eager_model.parameters(), graph_model.parameters()):
        assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_graph_with_dropout_is_repeatable():
    _, first = cuda_run(0.3, speedup=fast.speedup())
    _, second = cuda_run(0.3, speedup=fast.speedup())
    assert first["train_loss"] == second["train_loss"] and first["test_acc"] == second["test_acc"]
