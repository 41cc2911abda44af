"""Where the lessons keep their data, and getting MNIST into it safely.

The data folder is `$LESSONKIT_DATA` when that is set, else `data/` at the repository
root in a checkout of the course, else `data/` in the working directory (lessonkit
installed as a package). MNIST lives in `<data folder>/MNIST/raw/` as torchvision lays it out.
"""
import os
import shutil
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # lessonkit/core/data.py -> the checkout

# The four archives torchvision.datasets.MNIST reads, with the md5 it checks...
MNIST_ARCHIVES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
# ...and their sizes in bytes, so a damaged file can be told apart from a missing one.
MNIST_SIZES = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}


class MNISTNotFoundError(FileNotFoundError):
    """MNIST is not in the data folder and could not be downloaded."""


class MNISTDamagedError(RuntimeError):
    """An MNIST archive is in the data folder but is not the original file (truncated or changed)."""


def in_checkout() -> bool:
    """True when lessonkit runs from a checkout of the course (an editable install)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "notebooks").is_dir()


def data_dir() -> Path:
    """The folder the lessons read data from: `$LESSONKIT_DATA`, else `<repo>/data` in a
    checkout of the course, else `./data` of the working directory."""
    env = os.environ.get("LESSONKIT_DATA")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT / "data" if in_checkout() else Path.cwd() / "data"


def mnist_raw_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds (or should hold) the four MNIST archives."""
    return Path(root if root is not None else data_dir()) / "MNIST" / "raw"


def missing_mnist_archives(root: str | os.PathLike | None = None) -> list[str]:
    """Names of the MNIST archives that are absent from, or damaged in, the data folder."""
    from torchvision.datasets.utils import check_integrity

    raw = mnist_raw_dir(root)
    return [name for name, md5 in MNIST_ARCHIVES.items() if not check_integrity(str(raw / name), md5)]


def damaged_mnist_archives(root: str | os.PathLike | None = None) -> list[str]:
    """Names of the MNIST archives that are in the data folder but fail their md5 check."""
    from torchvision.datasets.utils import check_integrity

    raw = mnist_raw_dir(root)
    return [name for name, md5 in MNIST_ARCHIVES.items()
            if (raw / name).is_file() and not check_integrity(str(raw / name), md5)]


def damaged_message(path: Path) -> str:
    """One line that says which archive is damaged, how, and what to do; nothing is moved or deleted."""
    expected = MNIST_SIZES[path.name]
    size = path.stat().st_size
    how = f"{size:,} bytes where {expected:,} are expected" if size != expected else f"{size:,} bytes as expected"
    return (f"MNIST archive {path} is damaged: {how}, and its md5 checksum does not match the original's. "
            f"Replace it with a good copy (or delete it to download it again); lessonkit leaves it as it is.")


def copy_mnist_archives(source: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Copy the four archives from the folder `source` into `<root>/MNIST/raw` (for offline set-ups)."""
    source = Path(source)
    absent = [name for name in MNIST_ARCHIVES if not (source / name).is_file()]
    if absent:
        raise MNISTNotFoundError(f"source {source} lacks the MNIST archives {', '.join(absent)}")
    raw = mnist_raw_dir(root)
    raw.mkdir(parents=True, exist_ok=True)
    for name in MNIST_ARCHIVES:
        _atomic_copy(source / name, raw / name)
    return raw


def mnist(train: bool = True, root: str | os.PathLike | None = None):
    """Return `torchvision.datasets.MNIST` for the training (or test) split.

    The archives are downloaded into the data folder if they are missing. Without a
    network the error names the folder and the four files to place there, and nothing
    half-downloaded is left behind. An archive that is there but damaged (truncated, say)
    raises MNISTDamagedError naming it; it is neither replaced nor deleted.
    """
    from torchvision.datasets import MNIST

    root = Path(root if root is not None else data_dir())
    damaged = damaged_mnist_archives(root)
    if damaged:
        raise MNISTDamagedError(damaged_message(mnist_raw_dir(root) / damaged[0]))
    if missing_mnist_archives(root):
        _download_mnist(root)
    # The archives are all present and verified, so this only extracts: no network.
    return MNIST(str(root), train=train, download=True)


def _download_mnist(root: Path) -> None:
    """Download MNIST into a temporary folder beside the data and move it in only when complete."""
    from torchvision.datasets import MNIST

    raw = mnist_raw_dir(root)
    raw.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".mnist-download-", dir=root))
    try:
        staged_raw = mnist_raw_dir(staging)
        staged_raw.mkdir(parents=True)
        missing = set(missing_mnist_archives(root))
        for name in MNIST_ARCHIVES.keys() - missing:  # keep the good archives we already have
            shutil.copy2(raw / name, staged_raw / name)
        try:
            MNIST(str(staging), train=True, download=True)
        except Exception as err:  # any failure means the same thing to a learner
            raise MNISTNotFoundError(_mnist_help(raw, err)) from err
        for name in MNIST_ARCHIVES:
            os.replace(staged_raw / name, raw / name)  # atomic: a file is whole or absent
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _mnist_help(raw: Path, err: Exception) -> str:
    reason = " ".join(f"{type(err).__name__}: {err}".split())  # one line, whatever the error printed
    return (f"MNIST is not in {raw} and could not be downloaded ({reason}). Place the four files "
            f"{', '.join(MNIST_ARCHIVES)} in that folder (from any MNIST mirror or a classmate), "
            "or set the LESSONKIT_DATA environment variable to a folder that has MNIST/raw/ with them.")


def _atomic_copy(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.partial")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
