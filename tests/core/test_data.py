import http.server
import os
import socket
import threading
from pathlib import Path

import pytest
import torchvision

import conftest
from lessonkit.core import data
from lessonkit.core.data import (
    MNIST_ARCHIVES,
    MNISTNotFoundError,
    copy_mnist_archives,
    data_dir,
    missing_mnist_archives,
)


def test_data_dir_defaults_to_repo_data(monkeypatch):
    monkeypatch.delenv("LESSONKIT_DATA", raising=False)
    assert data_dir() == data.REPO_ROOT / "data"
    assert (data.REPO_ROOT / "pyproject.toml").is_file()  # REPO_ROOT really is the repository


def test_installed_as_a_package_the_data_folder_is_data_of_the_working_directory(monkeypatch, tmp_path):
    # lessonkit installed into site-packages: no checkout around it, so `./data` where you run it
    monkeypatch.delenv("LESSONKIT_DATA", raising=False)
    monkeypatch.setattr(data, "REPO_ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    assert not data.in_checkout()
    assert data_dir() == tmp_path / "data"


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSONKIT_DATA", str(tmp_path / "elsewhere"))
    assert data_dir() == tmp_path / "elsewhere"
    assert data.mnist_raw_dir() == tmp_path / "elsewhere" / "MNIST" / "raw"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket closes


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_offline_without_files_names_folder_and_files_and_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{closed_port()}/"])
    with pytest.raises(MNISTNotFoundError) as caught:
        data.mnist(train=True, root=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    for name in MNIST_ARCHIVES:
        assert name in message
    assert "LESSONKIT_DATA" in message
    assert leftovers(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == ["MNIST"]  # the staging folder is gone too


class TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Serves every file as 1 KiB of zeros: a download cut off midway."""

    def do_GET(self):
        body = bytes(1024)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_broken_download_leaves_no_half_written_file(monkeypatch, tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TruncatingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{server.server_port}/"])
        with pytest.raises(MNISTNotFoundError, match="could not be downloaded"):
            data.mnist(train=False, root=tmp_path)
    finally:
        server.shutdown()
    assert leftovers(tmp_path) == []


needs_archives = pytest.mark.skipif(conftest.mnist_archives() is None, reason="offline MNIST archives not found")


@needs_archives
def test_present_archives_load_without_network(monkeypatch, tmp_path):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{closed_port()}/"])
    copy_mnist_archives(conftest.mnist_archives(), tmp_path)
    assert missing_mnist_archives(tmp_path) == []
    test_set = data.mnist(train=False, root=tmp_path)
    assert len(test_set) == 10_000 and test_set.data.shape == (10_000, 28, 28)


@needs_archives
def test_damaged_archive_is_reported_missing(tmp_path):
    raw = copy_mnist_archives(conftest.mnist_archives(), tmp_path)
    (raw / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    assert missing_mnist_archives(tmp_path) == ["t10k-labels-idx1-ubyte.gz"]


def test_copy_from_incomplete_source_names_what_lacks(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train-images-idx3-ubyte.gz").write_bytes(b"x")
    with pytest.raises(MNISTNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        copy_mnist_archives(tmp_path / "src", tmp_path / "root")
    assert not (tmp_path / "root").exists()


def test_tests_use_a_temporary_data_folder():
    assert Path(os.environ["LESSONKIT_DATA"]) != data.REPO_ROOT / "data"
