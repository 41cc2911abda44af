"""The opt-in run cache: off by default; on, a repeated `cached(run_lab, ...)` loads instead of
training, and any change to what made the run (settings, first weights, data) trains again."""
import functools
from types import SimpleNamespace

import pytest
import torch

import conftest
from lessonkit.core import run_cache
from lessonkit.core.seeding import seed_everything
from lessonkit.lessons.mnist import train as lab


@pytest.fixture
def small_mnist():
    return conftest.fake_mnist()


@pytest.fixture
def trainings(monkeypatch):
    """Counts the training epochs run_lab runs."""
    calls = []
    real = lab.train_one_epoch

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(lab, "train_one_epoch", counted)
    return calls


def run(data, p=0.3, seed=1, **kwargs):
    return run_cache.cached(lab.run_lab, p=p, epochs=1, seed=seed, data=data, device="cpu", show_progress=False,
                            **kwargs)


def test_off_by_default_nothing_is_stored(small_mnist, trainings, monkeypatch, tmp_path):
    monkeypatch.delenv(run_cache.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    run(small_mnist)
    run(small_mnist)
    assert len(trainings) == 2 and list(tmp_path.iterdir()) == []


def test_a_repeated_run_loads_the_same_model_history_and_random_state(small_mnist, trainings, monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path / "cache"))
    model, history = run(small_mnist)
    after_training = torch.rand(3)
    seen = []
    again, loaded = run(small_mnist, on_epoch=seen.append)
    assert len(trainings) == 1  # the second call trained nothing
    assert loaded["test_acc"] == history["test_acc"] and loaded["train_loss"] == history["train_loss"]
    for a, b in zip(model.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)
    assert torch.equal(torch.rand(3), after_training)  # the global generator is where training left it
    assert seen == [loaded]  # live curves still get drawn once


@pytest.mark.parametrize("change", [dict(p=0.5), dict(seed=2), dict(lr=1e-2), dict(subset=300)])
def test_any_change_to_the_run_trains_again(small_mnist, trainings, monkeypatch, tmp_path, change):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    run(small_mnist)
    run(small_mnist, **change)
    assert len(trainings) == 2


def test_a_network_with_other_first_weights_trains_again(small_mnist, trainings, monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    seed_everything(1)
    run(small_mnist, model=lab.build_model(0.3))
    seed_everything(2)  # the same network, other first weights
    run(small_mnist, model=lab.build_model(0.3))
    assert len(trainings) == 2


def test_other_data_trains_again(small_mnist, trainings, monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    run(small_mnist)
    (x, y), test = small_mnist
    run(((x + 1e-3, y), test))
    assert len(trainings) == 2


def test_a_damaged_entry_is_a_miss_and_is_replaced(small_mnist, trainings, monkeypatch, tmp_path):
    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    run(small_mnist)
    entry, = tmp_path.glob("run_lab-*.pkl")
    entry.write_bytes(entry.read_bytes()[:50])
    run(small_mnist)
    run(small_mnist)
    assert len(trainings) == 2 and not list(tmp_path.glob(".*.tmp"))


ENGLISH = '''
def step(x):
    """Double it."""
    return x * 2  # twice
'''
KOREAN = '''
def step(x):
    """두 배로."""
    return x * 2  # 두 배
'''
CHANGED = '''
def step(x):
    """Double it."""
    return x * 3  # twice
'''


def _defined(source: str, tmp_path, name: str):
    """`step` from its own file (inspect.getsource reads the file, as it reads a notebook cell)."""
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    namespace = {}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - the test's own source
    return namespace["step"]


def test_a_loop_with_translated_comments_and_docstring_is_the_same_run_and_a_changed_line_is_not(tmp_path):
    english, korean, changed = (_defined(s, tmp_path, n) for s, n in
                                ((ENGLISH, "en"), (KOREAN, "ko"), (CHANGED, "changed")))
    assert run_cache.run_key("k", english) == run_cache.run_key("k", korean)
    assert run_cache.run_key("k", english) != run_cache.run_key("k", changed)


def test_lesson_4s_train_many_loads_a_stored_run_with_the_cache_on(monkeypatch, tmp_path):
    from lessonkit.lessons.playground import train as playground

    monkeypatch.setenv(run_cache.ENV, str(tmp_path))
    count = SimpleNamespace(trained=0)  # not a list: what the stand-in reads is part of the key
    real = playground._train_many

    def counted(*args, **kwargs):
        count.trained += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(playground, "_train_many", counted)
    first = playground.train_many([0, 1], 0.3, steps=20, record_every=10)
    again = playground.train_many([0, 1], 0.3, steps=20, record_every=10)
    other = playground.train_many([0, 1], 0.5, steps=20, record_every=10)
    assert count.trained == 2  # the repeated call loaded; another p trained
    assert torch.equal(first["val_acc"], again["val_acc"]) and torch.equal(first["curve"]["val_loss"],
                                                                          again["curve"]["val_loss"])
    assert not torch.equal(first["train_loss"], other["train_loss"])


NOTEBOOK = """
import torch

x_train = torch.arange(6.0)


def train(scale):
    return (x_train * scale).sum()


def run(seeds):
    return [train(seed) for seed in seeds]


def mine(x):
    return x * 2


layer = lambda p: mine(p)
"""


def _notebook(tmp_path, source: str = NOTEBOOK) -> dict:
    """A notebook's namespace: its functions are `__main__`'s, their source readable, as in a kernel."""
    path = tmp_path / f"cell{len(list(tmp_path.iterdir()))}.py"
    path.write_text(source)
    namespace = {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - the test's own source
    return namespace


def test_the_key_follows_what_a_notebook_function_reads_the_data_a_called_function_a_lambda_s_target(tmp_path):
    """`cached(run, ...)` in lesson 2 calls train(), which reads x_train: changing either, or the function
    a lambda argument wraps, is another run; a fresh kernel with the same cells is the same run."""
    def key(namespace):
        return run_cache.run_key("k", namespace["run"], {"layer": namespace["layer"], "seeds": range(3),
                                                         "make": functools.partial(namespace["mine"], 2)})

    same = key(_notebook(tmp_path))
    assert key(_notebook(tmp_path)) == same  # another kernel: other addresses, the same key
    changed_data = _notebook(tmp_path)
    changed_data["x_train"] = torch.arange(6.0) + 1
    assert key(changed_data) != same
    assert key(_notebook(tmp_path, NOTEBOOK.replace("x_train * scale", "x_train + scale"))) != same
    assert key(_notebook(tmp_path, NOTEBOOK.replace("return x * 2", "return x * 3"))) != same
    assert key(_notebook(tmp_path, NOTEBOOK.replace("return x * 2", "return x * 2  # twice"))) == same


def test_the_korean_edition_asks_for_the_english_runs(small_mnist):
    """The language a lesson is shown in is read by lessonkit's code, never part of a run: the Korean
    edition's kernels load what the English ones stored."""
    from lessonkit.core import language
    from lessonkit.lessons.playground import train as playground

    def keys():
        return (run_cache.run_key("lab", lab.run_lab, {"p": 0.3, "data": small_mnist}),
                run_cache.run_key("many", playground._train_many, {"p": 0.3, "steps": 20}))

    english = keys()
    language.set_language("ko")
    try:
        korean = keys()
    finally:
        language.set_language("en")
    assert korean == english
