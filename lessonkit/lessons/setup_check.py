"""The checks of `00_start_here.ipynb`: is this machine ready for the course? Lesson 0's public
surface: every name its notebook imports, `pick_device` included."""
import base64
import re
from importlib import metadata
from pathlib import Path

import ipywidgets as widgets

from lessonkit.core.data import (
    MNIST_ARCHIVES,
    REPO_ROOT,
    damaged_message,
    damaged_mnist_archives,
    data_dir,
    missing_mnist_archives,
)
from lessonkit.core.device import pick_device  # noqa: F401 - notebook 00 imports it from its lesson
from lessonkit.core.figures import new_figure, png_bytes
from lessonkit.core.language import Message, tr

REQUIREMENTS = REPO_ROOT / "requirements.txt"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s#]+)")


def pinned_versions(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """The exact versions requirements.txt asks for, by package name."""
    pins = {}
    for line in requirements.read_text().splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def check_packages(requirements: Path = REQUIREMENTS) -> bool:
    """Print each package with the version installed and the one the course was tested with."""
    ok = True
    print(f"{'package':<20} {'installed':<12} {'tested with':<12}")
    for name, wanted in pinned_versions(requirements).items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = "missing"
        mark = "ok" if have == wanted else "DIFFERENT"
        ok &= have == wanted
        print(f"{name:<20} {have:<12} {wanted:<12} {mark}")
    if not ok:
        print("\n" + tr("Some versions differ. Run `make lab` from the repository root; it installs the tested "
                         "versions."))
    return ok


def _shown(path: Path) -> str:
    """A path as a learner should read it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def check_mnist() -> bool:
    """Say whether the four MNIST archives are in the data folder, and what to do if not."""
    raw = data_dir() / "MNIST" / "raw"
    missing = missing_mnist_archives()
    if not missing:
        print(tr("MNIST: all {count} archives are present and verified in {folder}", count=len(MNIST_ARCHIVES),
                 folder=_shown(raw)))
        return True
    damaged = damaged_mnist_archives()
    for name in damaged:
        print(damaged_message(raw / name).replace(str(raw), _shown(raw)))
    absent = [name for name in missing if name not in damaged]
    if absent:
        print(tr("MNIST: {absent} of {count} archives are not in {folder}:", absent=len(absent),
                 count=len(MNIST_ARCHIVES), folder=_shown(raw)))
        for name in absent:
            print(f"  {name}")
        print(tr("Lesson 5 downloads them when it first runs. Offline, copy them into that folder,"))
        print(tr("or set LESSONKIT_DATA to a folder whose MNIST/raw/ holds them."))
    return False


class WidgetCheck(widgets.VBox):
    """A slider and a sentence that follows it; saved notebooks show a picture of both."""

    TITLE = "Widget check: slider n and its square"

    def __init__(self, value: int = 3):
        self.slider = widgets.IntSlider(value=value, min=0, max=10, description="n")
        self.label = widgets.Label()
        super().__init__([self.slider, self.label])
        self.slider.observe(self._show_square, names="value")
        self._show_square()

    def _show_square(self, change=None):  # noqa: ARG002 - observe passes the change dict
        self._sentence = Message("n squared is {square}: if this changes when you move the slider, widgets work.",
                                 square=self.slider.value ** 2)
        self.label.value = tr(self._sentence)

    def picture(self) -> bytes:
        """A PNG of the slider and its sentence, as JupyterLab draws them (for GitHub and nbviewer)."""
        figure, ax = new_figure(width=6.4, height=0.8)
        ax.set_axis_off()
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 1)
        fraction = (self.slider.value - self.slider.min) / (self.slider.max - self.slider.min)
        start, end = 0.5, 4.5
        ax.text(0.25, 0.72, self.slider.description, ha="right", va="center", fontsize=10)
        ax.plot([start, end], [0.72, 0.72], color="#bdbdbd", linewidth=3, solid_capstyle="round")
        knob = start + fraction * (end - start)
        ax.plot([start, knob], [0.72, 0.72], color="#2196f3", linewidth=3, solid_capstyle="round")
        ax.plot([knob], [0.72], "o", markersize=10, color="white", markeredgecolor="#2196f3")
        ax.text(end + 0.3, 0.72, str(self.slider.value), va="center", fontsize=10)
        ax.text(0, 0.2, self._sentence, va="center", fontsize=9)  # English: figures assume no Hangul font
        return png_bytes(figure)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = tr("{title} (run the notebook in JupyterLab to move the slider)", title=tr(self.TITLE))
        bundle["image/png"] = base64.b64encode(self.picture()).decode("ascii")
        return bundle


def widget_check() -> WidgetCheck:
    """A slider whose label must follow it: proof that widgets render and talk to the kernel."""
    return WidgetCheck()
