"""The pieces the lessons' loops share: seeded batches, the eval-mode block, the history."""
import pytest
import torch

from lessonkit.core.history import History
from lessonkit.core.training import Batches, eval_mode


def make_model(seed=0, out=2, p=0.2):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2 if out == 2 else 1, 32), torch.nn.ReLU(), torch.nn.Dropout(p),
                               torch.nn.Linear(32, out))



def test_batches_visit_every_index_once_minus_the_dropped_tail():
    x = torch.arange(103)
    batches = Batches(x, x, batch_size=10, generator=torch.Generator().manual_seed(1))
    seen = torch.cat([xb for xb, _ in batches])
    assert len(batches) == 10 and len(seen) == 100
    assert len(set(seen.tolist())) == 100  # no index twice
    assert seen.tolist() != list(range(100))  # shuffled


def test_batches_order_is_fixed_by_the_seed_and_changes_each_epoch():
    x = torch.arange(50)

    def order(seed):
        return [xb.tolist() for xb, _ in Batches(x, x, 10, torch.Generator().manual_seed(seed))]

    assert order(3) == order(3)
    assert order(3) != order(4)
    batches = Batches(x, x, 10, torch.Generator().manual_seed(3))
    assert [b.tolist() for b, _ in batches] != [b.tolist() for b, _ in batches]


def test_history_repr_and_table():
    history = History()
    history.add(epoch=1, test_acc=0.5)
    assert "1 epochs" in repr(history) and "test_acc=0.5000" in repr(history)
    assert history.table().splitlines()[1].split() == ["1", "0.5000"]


def test_eval_mode_restores_the_mode_even_after_an_error():
    model = make_model()
    model.train()
    with pytest.raises(RuntimeError), eval_mode(model):
        assert not model.training
        raise RuntimeError("inside")
    assert model.training
    model.eval()
    with eval_mode(model, training=True):
        assert model.training
    assert not model.training
