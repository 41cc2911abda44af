"""Lesson 3's experiment, as `python -m lessonkit.experiments` runs it: the contest, one run per
data sample (`contest_sample`), every knob chosen by K-fold cross-validation inside its sample."""
import time
from dataclasses import dataclass

import torch

from lessonkit.core.progress import progress
from lessonkit.core.records import PROVENANCE, append_rows, provenance
from lessonkit.lessons.taming.train import contest_sample

COLUMNS = ["experiment", "arm", "method", "p", "weight_decay", "seed", "step", "split", "loss", *PROVENANCE]


@dataclass(frozen=True)
class ContestExperiment:
    """One run per sample (seed): every setting of the contest on that sample's data."""

    name: str
    about: str
    seeds: tuple
    folds: int = 5

    def runs(self) -> list[tuple]:
        return [(seed,) for seed in self.seeds]

    def key(self, row: dict) -> tuple:
        return (row["seed"],)

    def run_key(self, arm=None, seed=None, size=None) -> tuple:
        """The key of one sample, checked: one clear line if the contest has no such sample."""
        if arm is not None or size is not None:
            raise ValueError(f"{self.name} runs one sample per seed: give --seed only, not --arm or --size")
        if seed not in self.seeds:
            raise ValueError(f"--seed must be one of this experiment's seeds, {min(self.seeds)} to {max(self.seeds)}, "
                             f"got {seed}")
        return (seed,)

    def sample(self, seed: int) -> list[dict]:
        return contest_sample(seed, folds=self.folds)

    def train(self, todo, path, device=None, show_progress=True) -> None:  # noqa: ARG002 - tiny networks: the CPU
        where = provenance(torch.device("cpu"))
        with progress(total=len(todo), desc=self.name, unit="sample", disable=not show_progress) as bar:
            for (seed,) in todo:
                start = time.perf_counter()
                rows = self.sample(seed)
                seconds = round(time.perf_counter() - start, 2)
                append_rows(path, [{"experiment": self.name, "seed": seed, **row, "seconds_per_run": seconds, **where}
                                   for row in rows], COLUMNS)
                bar.update(1)

    def rerun(self, key, device=None) -> list[dict]:  # noqa: ARG002 - tiny networks: the CPU
        seed, = key
        return [{**row, "seed": seed} for row in self.sample(seed)]


EXPERIMENTS = [
    ContestExperiment("taming-contest", "lesson 3: none, dropout, L2, each also stopped early, on 50 samples, "
                      "knobs and epochs by 5-fold CV", tuple(range(50))),
]
