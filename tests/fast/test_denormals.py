"""Flushing denormals: every thread when called first, a warning when called too late.

Each case runs in a fresh interpreter: the setting belongs to the process's threads, and
this test process has long since started its own.
"""
import subprocess
import sys
import textwrap

import pytest
import torch

pytestmark = [
    pytest.mark.skipif(not torch.set_flush_denormal(False), reason="this CPU cannot flush denormals"),
    pytest.mark.skipif(torch.get_num_threads() < 2, reason="needs torch to compute on 2 or more threads"),
]


def run_fresh(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "always", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=120, check=True)


def test_called_first_every_thread_flushes_and_a_denormal_product_is_zero():
    done = run_fresh("""
        import torch
        from lessonkit.fast.denormals import denormals_flushed, flush_denormals
        print(flush_denormals(), denormals_flushed())
        tiny = torch.finfo(torch.float32).tiny
        print(bool((torch.full((1 << 18,), tiny) * 0.5 == 0).all()))
    """)
    assert done.stdout.split() == ["True", "True", "True"]
    assert "Warning" not in done.stderr


def test_without_it_denormals_survive():
    done = run_fresh("""
        import torch
        from lessonkit.fast.denormals import denormals_flushed
        print(denormals_flushed())
        print((torch.full((4,), torch.finfo(torch.float32).tiny) * 0.5).min().item() > 0)
    """)
    assert done.stdout.split() == ["False", "True"]


def test_called_after_the_worker_threads_started_it_says_so_and_returns_false():
    done = run_fresh("""
        import torch
        from lessonkit.fast.denormals import denormals_flushed, flush_denormals
        torch.rand(1_000_000).mul_(2)  # a computation big enough to start torch's worker threads
        print(flush_denormals(), denormals_flushed())
    """)
    assert done.stdout.split() == ["False", "False"]
    assert "came after torch had started its worker threads" in done.stderr
    assert "before any computation" in done.stderr
