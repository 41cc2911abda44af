"""The per-epoch record of a training run: `history["test_acc"]` is one column as a list."""
from dataclasses import dataclass, field


@dataclass
class History:
    """One row per finished epoch: `history["test_acc"]` is that column as a list."""

    columns: dict[str, list[float]] = field(default_factory=dict)

    def add(self, **row: float) -> None:
        for name, value in row.items():
            # epochs stay ints; metrics become plain floats (no tensors kept alive)
            self.columns.setdefault(name, []).append(value if isinstance(value, int) else float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns.get("epoch", []))

    def last(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.columns.items()}

    def table(self) -> str:
        """The history as an aligned text table, one line per epoch."""
        names = list(self.columns)
        lines = ["  ".join(f"{n:>10}" for n in names)]
        for i in range(len(self)):
            lines.append("  ".join(_fmt(self.columns[n][i]) for n in names))
        return "\n".join(lines)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={_fmt(v).strip()}" for k, v in self.last().items()) if len(self) else "empty"
        return f"History({len(self)} epochs: {last})"


def _fmt(value: float) -> str:
    return f"{int(value):>10d}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:>10.4f}"
