"""requirements.txt is the one list of packages; environment.yml and the notebooks follow it."""
import re
from pathlib import Path

import yaml

from lessonkit.lessons.setup_check import check_packages, pinned_versions

REPO = Path(__file__).resolve().parents[1]
COURSE_PACKAGES = {"torch", "torchvision", "jupyterlab", "ipywidgets", "matplotlib", "nbval", "pytest", "tqdm"}


def test_requirements_pin_every_course_package_exactly():
    pins = pinned_versions(REPO / "requirements.txt")
    assert COURSE_PACKAGES <= pins.keys()
    assert all(re.fullmatch(r"\d+(\.\d+)+", version) for version in pins.values())  # exact versions only
    assert re.search(r"^-e \.(\s|$)", (REPO / "requirements.txt").read_text(), re.M), "lessonkit itself"


def test_environment_yml_installs_requirements_txt_with_python_311():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert pip_section == ["-r requirements.txt"]
    # No package may be named twice (a second, drifting pin) outside the pip section.
    conda_names = {re.split(r"[=<>]", d)[0] for d in deps if isinstance(d, str)}
    assert conda_names == {"python", "pip"}


def test_installed_versions_match_the_pins(capsys):
    assert check_packages(), capsys.readouterr().out


def test_check_packages_flags_a_drifted_pin(tmp_path, capsys):
    fake = tmp_path / "requirements.txt"
    fake.write_text("torch==0.0.1\n")
    assert not check_packages(fake)
    assert "DIFFERENT" in capsys.readouterr().out
