"""The README's key figures are the ones the committed notebooks show."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_docs_figures_match_the_notebooks():
    result = subprocess.run([sys.executable, "scripts/export_figures.py", "--check"], cwd=REPO, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_shows_every_exported_figure():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        from export_figures import FIGURES
    finally:
        sys.path.remove(str(REPO / "scripts"))
    readme = (REPO / "README.md").read_text()
    for _, _, name in FIGURES:
        assert f"(docs/{name})" in readme, name
