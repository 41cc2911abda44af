"""Opt-in speed: the same training, in less time. Never needed to understand a lesson.

    from lessonkit import fast
    fast.flush_denormals()                      # first thing in a CPU process
    history = train(..., speedup=fast.speedup())

- `flush_denormals()`: CPU threads flush denormal floats to zero (`denormals.py`).
- `FastDropout`: torch.nn.Dropout with a cheaper CPU mask (`dropout.py`); it prints as FastDropout.
- `GraphedStep`: one training step replayed as a CUDA graph (`cuda_graphs.py`).
`speedup()` bundles the last two for `lessonkit.core.training.train`: on a CPU it swaps the
model's dropout layers for FastDropout, on a CUDA GPU it records the step as a graph.
"""
from lessonkit.fast.cuda_graphs import GraphedStep
from lessonkit.fast.denormals import denormals_flushed, flush_denormals
from lessonkit.fast.dropout import FastDropout, use_fast_dropout

__all__ = ["FastDropout", "GraphedStep", "Speedup", "denormals_flushed", "flush_denormals", "speedup",
           "use_fast_dropout"]


class Speedup:
    """What `train(..., speedup=...)` asks before its first epoch: `prepare()` may change
    layers for faster equivalents and return a faster step (or None for the textbook one)."""

    def __init__(self, cpu_dropout: bool = True, cuda_graph: bool = True):
        self.cpu_dropout, self.cuda_graph = cpu_dropout, cuda_graph

    def prepare(self, model, optimizer, loss_fn, train_data, batch_size: int):
        x, y = train_data
        if x.device.type == "cpu" and self.cpu_dropout:
            use_fast_dropout(model)
        if x.device.type == "cuda" and self.cuda_graph:
            return GraphedStep(model, optimizer, loss_fn, (x[:batch_size], y[:batch_size]))
        return None

    def __repr__(self) -> str:
        return f"Speedup(cpu_dropout={self.cpu_dropout}, cuda_graph={self.cuda_graph})"


def speedup(cpu_dropout: bool = True, cuda_graph: bool = True) -> Speedup:
    """The speed-ups for `train(..., speedup=...)`: FastDropout on a CPU, a CUDA graph on a GPU."""
    return Speedup(cpu_dropout, cuda_graph)
