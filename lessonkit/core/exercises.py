"""What an exercise checker reports: one type for every lesson.

    report = CheckReport("dropout forward pass")
    report.checks += 1
    report.problems.append("kept values are not scaled")
    print(report)      # ✗ dropout forward pass: 1 of 1 checks found a problem: ...

A checker names the mistake it recognised, never the expected value.
"""
from dataclasses import dataclass, field


@dataclass
class CheckReport:
    """What a checker found: `passed` is True when `problems` is empty.

    `praise`: what a right answer is told (the default just counts the checks).
    """

    name: str
    checks: int = 0
    problems: list[str] = field(default_factory=list)
    praise: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        """What the learner is told: the praise, or the problems one per line."""
        return self.praise if self.passed else "\n".join(self.problems)

    def __str__(self):
        if self.passed:
            return f"✓ {self.name}: {self.praise or f'all {self.checks} checks passed.'}"
        if self.checks <= 1 and len(self.problems) == 1:
            return f"✗ {self.name}: {self.problems[0]}"
        lines = [f"✗ {self.name}: {len(self.problems)} of {self.checks} checks found a problem:"]
        return "\n".join(lines + [f"  - {problem}" for problem in self.problems])

    __repr__ = __str__
