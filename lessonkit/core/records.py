"""Experiments kept as data: `records/<experiment>.csv`, one row per measurement, each with
the provenance of the run that made it.

    record = load_record("mnist-1k-settled")  # a DataFrame: one row per measurement
    print(describe_provenance(record))        # where, when, with what and how fast they were made

`python -m lessonkit.experiments` writes these files (`append_rows`); lessons read them.
"""
import csv
import datetime
import fcntl
import io
import platform
import statistics
import subprocess
from pathlib import Path

import pandas as pd
import torch

from lessonkit.core.data import REPO_ROOT
from lessonkit.core.language import tr

RECORDS = REPO_ROOT / "records"
PROVENANCE = ["seconds_per_run", "device", "processor", "dtype", "torch", "lessonkit_commit", "date"]


def record_path(name: str) -> Path:
    return RECORDS / f"{name}.csv"


def load_record(name: str, path: Path | None = None) -> pd.DataFrame:
    """records/<name>.csv (or `path`) as a DataFrame, one row per measurement."""
    path = Path(path) if path is not None else record_path(name)
    if not path.exists():
        raise FileNotFoundError(tr("no record {file} in {folder}/: run `python -m lessonkit.experiments run {name}` "
                                   "first", file=path.name, folder=path.parent.name, name=name))
    record = pd.read_csv(path)
    if "dtype" not in record:  # records made before the runner wrote its dtype were float32: no autocast then
        record.insert(record.columns.get_loc("processor") + 1, "dtype", "float32")
    for key in PROVENANCE:
        lacking = record[record[key].isna()] if key in record else record
        if len(lacking):
            raise ValueError(f"{path.name}: a row of seed {lacking['seed'].iloc[0]} lacks its provenance {[key]}")
    return record


def rows_of(record) -> list[dict]:
    """A record as a list of dicts (numbers as Python numbers), for code that walks it row by row."""
    return record.to_dict("records") if isinstance(record, pd.DataFrame) else list(record)


def append_rows(path: Path, rows: list[dict], columns: list[str]) -> None:
    """Append one run's rows in one locked write (a run is in the record whole or not at all,
    also when several runner processes share the record)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    def csv_text(header: bool) -> str:
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, lineterminator="\n")
        if header:
            writer.writeheader()
        writer.writerows(rows)
        return text.getvalue()

    with open(path, "a", newline="") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0, 2)
        file.write(csv_text(header=file.tell() == 0))
        file.flush()
        fcntl.flock(file, fcntl.LOCK_UN)


def processor_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def provenance(device: torch.device, dtype: torch.dtype = torch.float32) -> dict:
    """Where and with what a run is made (all but its seconds); dtype: what its matrix products computed in."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "lessonkit"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        commit += "+changes" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {"device": name, "processor": processor_name(), "dtype": str(dtype).removeprefix("torch."),
            "torch": torch.__version__, "lessonkit_commit": commit, "date": datetime.date.today().isoformat()}


def describe_provenance(rows) -> str:
    """One paragraph: how many runs, on what, with which torch and lessonkit, when (the day the
    runner started), how long each took. A record without sizes (lesson 3's contest) counts
    samples: its time is per sample, all of that sample's networks together."""
    rows = rows_of(rows)
    per_sample = "size" not in rows[0]
    runs = {}
    for row in rows:
        runs.setdefault(row["seed"] if per_sample else (row["arm"], row["seed"], row["size"]), row)
    firsts = list(runs.values())
    unit = "sample" if per_sample else "run"

    def values(key):
        return ", ".join(sorted({str(r[key]) for r in firsts}))

    seconds = [r["seconds_per_run"] for r in firsts]
    return (f"{len(firsts)} {unit}s of {values('experiment')}; device {values('device')} ({values('processor')}, "
            f"{values('dtype')}); "
            f"torch {values('torch')}; lessonkit commit {values('lessonkit_commit')}; made {values('date')}; "
            f"{statistics.median(seconds):.0f} s per {unit} (median; {min(seconds):.0f} to {max(seconds):.0f})")
