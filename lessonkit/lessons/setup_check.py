"""The checks of `00_start_here.ipynb`: is this machine ready for the course?"""
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
        print("\nSome versions differ. Run `make lab` from the repository root; it installs the tested versions.")
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
        print(f"MNIST: all {len(MNIST_ARCHIVES)} archives are present and verified in {_shown(raw)}")
        return True
    damaged = damaged_mnist_archives()
    for name in damaged:
        print(damaged_message(raw / name).replace(str(raw), _shown(raw)))
    absent = [name for name in missing if name not in damaged]
    if absent:
        print(f"MNIST: {len(absent)} of {len(MNIST_ARCHIVES)} archives are not in {_shown(raw)}:")
        for name in absent:
            print(f"  {name}")
        print("Lesson 5 downloads them when it first runs. Offline, copy them into that folder,")
        print("or set LESSONKIT_DATA to a folder whose MNIST/raw/ holds them.")
    return False


def widget_check() -> widgets.VBox:
    """A slider whose label must follow it: proof that widgets render and talk to the kernel."""
    slider = widgets.IntSlider(value=3, min=0, max=10, description="n")
    label = widgets.Label()

    def show_square(change=None):  # noqa: ARG001 - observe passes the change dict
        label.value = f"n squared is {slider.value ** 2}: if this changes when you move the slider, widgets work."

    slider.observe(show_square, names="value")
    show_square()
    return widgets.VBox([slider, label])
