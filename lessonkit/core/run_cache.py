"""Reuse finished training runs, when asked to: a folder of results keyed by all that made them.

    export LESSONKIT_RUN_CACHE=runs/cache    # then run a lesson twice: the second time loads

    model, history = cached(run_lab, p=0.3, epochs=15, data=data)   # trains, or loads a finished run

Unset (the default), nothing is stored or loaded and every lesson trains every run, as it
reads. Set to a folder, `cached(fn, ...)` (lesson 2's twenty-seed comparison, lesson 4's
`train_many`, lesson 5's live lab and retrained record) stores each finished result there and
loads it, instead of training again, when the same run is asked for again: the same arguments
(settings, first weights, data), the same code without its comments and docstrings, the same
values the notebook's code reads by name (its data and functions), and the same torch version.
The results are those the training gave; only the time differs.

Who uses it: an instructor who runs lesson 5 before class, so that Run All in class takes
seconds; and CI, where nbval executes the lessons with an empty cache and the browser
test then runs the same notebooks in JupyterLab from it, so their long training runs once
per CI run.
"""
import ast
import hashlib
import inspect
import os
import pickle
import re
import tempfile
import textwrap
from pathlib import Path

import torch

ENV = "LESSONKIT_RUN_CACHE"


def cache_dir() -> Path | None:
    """The folder named by $LESSONKIT_RUN_CACHE, or None when caching is off."""
    folder = os.environ.get(ENV, "").strip()
    return Path(folder) if folder else None


def _feed(digest, value, seen=None) -> None:
    seen = set() if seen is None else seen
    if isinstance(value, (torch.Tensor, type)) or callable(value) and hasattr(value, "__code__"):
        if id(value) in seen:  # read twice (x_train by train() and by the cell): fed once
            digest.update(b"again")
            return
        seen.add(id(value))
    if isinstance(value, torch.Tensor):
        tensor = value.detach().to("cpu").contiguous()
        digest.update(f"tensor{tuple(tensor.shape)}{tensor.dtype}".encode())
        digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    elif callable(value) and hasattr(value, "__code__"):  # a function is its code, comments aside...
        try:
            digest.update(_code_of(value).encode())
        except (OSError, TypeError, SyntaxError):  # a lambda inside a longer line, say
            digest.update(value.__code__.co_code)
        if value.__module__ == "__main__":  # ...and a notebook's, what it reads by name: train() its data, say
            for name, read in _what_it_reads(value):
                digest.update(name.encode())
                _feed(digest, read, seen)
    elif isinstance(value, type) and _own(value):  # a class of the notebook's or lessonkit's: its methods
        digest.update(value.__qualname__.encode())
        for name, member in sorted(vars(value).items()):
            if callable(member) and hasattr(member, "__code__"):
                digest.update(name.encode())
                _feed(digest, member, seen)
    elif isinstance(value, torch.nn.Module):  # a network is its layers and its weights
        digest.update(repr(value).encode())
        _feed(digest, value.state_dict())
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            digest.update(repr(key).encode())
            _feed(digest, value[key], seen)
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _feed(digest, item, seen)
    else:  # without an address (" at 0x7f..."), which differs in every process
        digest.update(re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value)).encode())


# Besides the notebook's own (__main__), the code whose functions and classes a key holds. What
# lessonkit's functions read is not followed: it holds settings that do not change a run, such as
# the language a lesson is shown in, and the Korean edition must load the English run.
OWN = ("lessonkit",)


def _what_it_reads(function):
    """(name, value) of each global and closure variable a notebook's `function` (or a function, lambda
    or comprehension inside it) reads that can change a run: the notebook's and lessonkit's functions
    and classes, tensors, networks, numbers, strings and their containers. Modules and other objects
    are left out. Attribute names count too (`self.p` looks up a global `p`): a key may hold more than
    the run needs, which costs a retraining, never less, which would load a wrong run."""
    names, codes = set(), [function.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if hasattr(c, "co_names")]
    found = [(name, function.__globals__[name]) for name in sorted(names) if name in function.__globals__]
    cells = zip(function.__code__.co_freevars, function.__closure__ or ())
    found += [(name, cell.cell_contents) for name, cell in cells if _is_filled(cell)]
    return [(name, value) for name, value in found if _can_change_a_run(value)]


def _is_filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def _can_change_a_run(value) -> bool:
    if isinstance(value, (torch.Tensor, torch.nn.Module, int, float, str, bool, tuple, list, dict)):
        return True
    return callable(value) and _own(value)


def _own(value) -> bool:
    module = getattr(value, "__module__", None) or ""
    return module == "__main__" or module.split(".")[0] in OWN


def _code_of(function) -> str:
    """A function's syntax tree without its comments and docstrings: the Korean edition's function, its
    comments and docstring translated, is the English one's run."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def run_key(kind: str, *parts) -> str:
    """A hash of `parts` (settings, state dicts, data tensors, ...) and of torch's version."""
    digest = hashlib.sha256(f"{kind}|torch {torch.__version__}".encode())
    for part in parts:
        _feed(digest, part)
    return digest.hexdigest()[:32]


def load(kind: str, key: str):
    """The stored result of run `key`, or None: caching off, never stored, or unreadable."""
    folder = cache_dir()
    path = folder / f"{kind}-{key}.pkl" if folder else None
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as file:
            return pickle.load(file)  # noqa: S301 - a folder the user named for their own runs
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None  # a damaged entry is a miss: the run trains again and overwrites it


def save(kind: str, key: str, result) -> None:
    """Store `result` for run `key` (atomically: a whole file or none); nothing when off."""
    folder = cache_dir()
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(result, file)
        os.replace(temporary, folder / f"{kind}-{key}.pkl")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


CALLBACKS = ("on_epoch", "show_progress")  # keywords that change how a run is shown, not its result


def cached(fn, **kwargs):
    """`fn(**kwargs)`, or its stored result when the same call finished before (caching on).

    The key holds fn and every keyword but CALLBACKS: functions by their code and what they read
    by name (the notebook's functions, tensors, numbers: `_what_it_reads`), tensors by content. A loaded
    call leaves torch's global generator where the training left it, and hands `on_epoch`
    (if given) the result's history once, so live curves still draw.
    """
    key = run_key(f"{fn.__module__}.{fn.__qualname__}", fn, {k: v for k, v in kwargs.items() if k not in CALLBACKS})
    stored = load(fn.__name__, key)
    if stored is not None:
        torch.set_rng_state(stored["rng"])
        history = stored["result"][-1] if isinstance(stored["result"], tuple) else None
        if kwargs.get("on_epoch") is not None and history is not None:
            kwargs["on_epoch"](history)
        return stored["result"]
    result = fn(**kwargs)
    save(fn.__name__, key, {"result": result, "rng": torch.get_rng_state()})
    return result
