"""Progress bars for long work: a live bar in JupyterLab, a text bar in a terminal.

In a notebook the live bar is a widget, which GitHub cannot show; when the work ends
the bar is replaced by its final text line, so the saved notebook still says how long
the work took.
"""
from IPython.display import Pretty, display
from tqdm import tqdm as text_tqdm


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class progress:
    """`with progress(total=15, desc="epochs") as bar: ... bar.update(1)`; also iterable-free.

    Wraps tqdm; `bar.set_postfix(...)` and `bar.update(n)` work as in tqdm.
    """

    def __init__(self, total: int, desc: str = "", unit: str = "it", **tqdm_kwargs):
        self._handle = None
        if _in_notebook() and not tqdm_kwargs.get("disable"):
            from tqdm.notebook import tqdm as notebook_tqdm

            self.bar = notebook_tqdm(total=total, desc=desc, unit=unit, display=False, **tqdm_kwargs)
            self._handle = display(self.bar.container, display_id=True)
        else:
            self.bar = text_tqdm(total=total, desc=desc, unit=unit, **tqdm_kwargs)

    def __enter__(self):
        return self.bar

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._handle is None:
            self.bar.close()
            return
        final_line = text_tqdm.format_meter(**self.bar.format_dict)
        self.bar.close()
        self._handle.update(Pretty(final_line))
