"""What an exercise checker reports, with hints in stages: one mechanism for every lesson.

    report = CheckReport("dropout forward pass", hint=1)
    report.checks += 1
    report.problems.append(Mistake("kept values not scaled",
                                   symptom="the mean of your output is 0.7 of the input's",
                                   where="the line that multiplies x by the mask",
                                   fix="divide the kept values by (1 - p)"))
    print(report)   # stage 1: the mistake's name and its symptom only

In a notebook every question is an `Exercise`, Kaggle Learn's way: `q1.check(my_answer)`,
`q1.hint()` / `q1.hint(2)` / `q1.hint(3)`, `q1.solution()`. The solutions live here, in
lessonkit, never in a notebook's source or stored outputs.

A wrong answer is told its symptom first; the same check run again with `hint=2` adds
where to look, and only `hint=3`, asked for explicitly, adds the fix. A checker names the
mistake it recognised and never prints the expected value, at any stage.
"""
import inspect
import random
import sys
import threading
import tomllib
import types
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files

import numpy as np
import torch

from lessonkit.core.language import Message, tr, tr_comments

STAGES = {1: Message("the symptom"), 2: Message("where to look"), 3: Message("the fix")}


@dataclass(frozen=True)
class Mistake:
    """A mistake a checker recognised, told in up to three stages."""

    name: str  # what was recognised, short: "kept values not scaled"
    symptom: str  # stage 1: what the checker saw (a `Message` when it has fields)
    where: str  # stage 2: where to look
    fix: str  # stage 3: what to change (a rule or a line of code, never the expected value)

    def told(self, hint: int) -> str:
        """The mistake at stage `hint`, in the learner's language (lessonkit.core.language)."""
        parts = [f"{tr(self.name)}: {tr(self.symptom)}"]
        if hint >= 2:
            parts.append(f"{tr('Where to look:')} {tr(self.where)}")
        if hint >= 3:
            parts.append(f"{tr('Fix:')} {tr(self.fix)}")
        return " ".join(parts)


@contextmanager
def pure(seed: int = 0):
    """Run a check as if it never ran: torch's (CPU, and CUDA once started), numpy's and Python's
    global random states are saved, seeded with `seed` (so a check counts the same on every run,
    whatever the learner drew before) and restored afterwards, even when the learner's code raises.
    A wrong answer that draws from the global generator must not move the lesson's later numbers."""
    cuda = list(range(torch.cuda.device_count())) if torch.cuda.is_initialized() else []
    numpy_state, python_state = np.random.get_state(), random.getstate()
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        np.random.seed(seed)
        random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(numpy_state)
            random.setstate(python_state)


@contextmanager
def calls_into(functions, *, files=()):
    """The names of those of `functions` (Python functions, builtins such as `torch.dropout`, or torch's ops
    such as `torch.ops.aten.dropout`, any of their overloads and their raw `_op` included) that are called
    inside the block, however the learner imported or renamed them: a profiler sees every call, in this thread
    and in any thread started inside the block. An exercise that asks the learner to write what lessonkit or
    torch already does uses it to tell a call into the library from the learner's own code.

    A decorated function (`@torch.no_grad()`, `functools.wraps`) is known by the function it wraps, never by
    its wrapper, whose code every function so decorated shares: a learner's own decorated function is not
    the library's. `files`: code compiled from these file names counts too, by the name given (lesson 5's
    solution, run from its text, is new functions at every `solved()`)."""
    ops = {id(f): f"torch.ops.{f}" for f in functions if isinstance(f, torch._ops.OpOverloadPacket)}
    # by identity: code objects compare equal by their instructions alone, so a learner's function typed
    # like the library's (the tests' answer_for_tests) would count as a call into it
    codes = {id(inspect.unwrap(f).__code__): _full_name(inspect.unwrap(f)) for f in functions
             if hasattr(inspect.unwrap(f), "__code__")}
    builtins = {id(f): _full_name(f) for f in functions if not hasattr(f, "__code__") and id(f) not in ops}
    for packet in (f for f in functions if isinstance(f, torch._ops.OpOverloadPacket)):
        for overload in packet.overloads():  # the raw op below OpOverload.__call__: `.default._op(...)`
            builtins[id(getattr(packet, overload)._op)] = f"torch.ops.{packet}"
    # torch.ops.aten.dropout(...) and its overloads (.default) run Python's __call__ of torch's op classes
    op_calls = ({torch._ops.OpOverloadPacket.__call__.__code__, torch._ops.OpOverload.__call__.__code__} if ops
                else set())
    called: list[str] = []
    previous, previous_threads = sys.getprofile(), threading.getprofile()

    def watch(frame, event, arg):
        if event == "call" and id(frame.f_code) in codes:
            called.append(codes[id(frame.f_code)])
        elif event == "call" and frame.f_code.co_filename in files:
            called.append(f"{frame.f_code.co_name}, the course's solution")
        elif event == "call" and frame.f_code in op_calls:
            op = frame.f_locals.get("self")
            name = ops.get(id(getattr(op, "overloadpacket", op)))
            if name:
                called.append(name)
        elif event == "c_call" and id(arg) in builtins:
            called.append(builtins[id(arg)])

    sys.setprofile(watch)
    threading.setprofile(watch)  # a thread the learner's code starts (a ThreadPoolExecutor) is watched too
    try:
        yield called
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)


def _full_name(function) -> str:
    if not hasattr(function, "__code__"):  # a builtin: torch's name no module (torch.dropout)
        return f"{getattr(function, '__module__', None) or 'torch'}.{function.__name__}"
    return f"{function.__module__}.{function.__qualname__}"


def hint_stage(hint) -> int:
    """`hint` when it is 1, 2 or 3; otherwise a ValueError naming the three stages."""
    if isinstance(hint, bool) or hint not in STAGES:
        raise ValueError(tr("hint must be 1 (the symptom), 2 (where to look) or 3 (the fix), got {hint!r}",
                            hint=hint))
    return hint


@dataclass
class CheckReport:
    """What a checker found: `passed` is True when `problems` is empty.

    `problems`: `Message`s or constant strings (an answer of the wrong form: told the same at every
    stage) or `Mistake`s (told at stage `hint`). `praise`: what a right answer is told (the
    default just counts the checks).
    """

    name: str
    checks: int = 0
    problems: list = field(default_factory=list)
    praise: str = ""
    hint: int = 1
    ask: str = ""  # how the learner asks for the next stage, e.g. "q1.hint" (default: the check's hint=)

    def __post_init__(self):
        hint_stage(self.hint)

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def mistakes(self) -> list[str]:
        """The names of the mistakes recognised (for tests and for a learner's own code)."""
        return [problem.name for problem in self.problems if isinstance(problem, Mistake)]

    def _told(self) -> list[str]:
        return [problem.told(self.hint) if isinstance(problem, Mistake) else tr(problem) for problem in self.problems]

    def _next_stage(self) -> str:
        if self.hint >= 3 or not self.mistakes:
            return ""
        stage = STAGES[self.hint + 1]
        if self.ask:
            return tr("(hint {hint} of 3; {ask}({next}) gives {stage}.)", hint=self.hint, ask=self.ask,
                      next=self.hint + 1, stage=stage)
        return tr("(hint {hint} of 3; run the check again with hint={next} for {stage}.)", hint=self.hint,
                  next=self.hint + 1, stage=stage)

    @property
    def message(self) -> str:
        """What the learner is told: the praise, or the problems one per line."""
        if self.passed:
            return tr(self.praise)
        return "\n".join(self._told() + ([self._next_stage()] if self._next_stage() else []))

    def __str__(self):
        name = tr(self.name)
        if self.passed:
            praise = tr(self.praise) if self.praise else tr("all {checks} checks passed.", checks=self.checks)
            return f"✓ {name}: {praise}"
        told, more = self._told(), self._next_stage()
        if len(told) == 1:  # one problem: one line, however many checks ran
            lines = [f"✗ {name}: {told[0]}"]
        else:
            lines = [f"✗ {name}: " + tr("{found} of {checks} checks found a problem:", found=len(told),
                                         checks=self.checks)]
            lines += [f"  - {problem}" for problem in told]
        return "\n".join(lines + ([more] if more else []))

    __repr__ = __str__


def not_answered(variable: str, what: str) -> CheckReport:
    """The report for an answer cell left as it came (`None`): a nudge, not an error."""
    return CheckReport(variable, checks=1,
                       problems=[Message("not answered yet. Write your answer in `{variable}` ({what}), then run "
                                         "this cell again.", variable=variable, what=Message(what))])


def check_multiple_choice(variable: str, answer, *, right: str, wrong: dict[str, Mistake], praise: str,
                 hint: int = 1) -> CheckReport:
    """Check a multiple-choice answer: one of the words in `right` and `wrong` (case and
    surrounding spaces ignored). A wrong choice is told its `Mistake` at stage `hint`."""
    hint = hint_stage(hint)
    choices = sorted([right, *wrong])  # in an order that does not tell which is right
    what = Message("one of {choices}", choices=", ".join(f'"{c}"' for c in choices))
    if answer is None:
        return not_answered(variable, what)
    report = CheckReport(variable, checks=1, hint=hint)
    if not isinstance(answer, str):
        report.problems.append(Message("{variable} must be {what}, got {answer!r} ({type}).", variable=variable,
                                       what=what, answer=answer, type=type(answer).__name__))
        return report
    choice = answer.strip().lower()
    if choice not in choices:
        report.problems.append(Message("{variable} must be {what}, got {answer!r}.", variable=variable, what=what,
                                       answer=answer))
    elif choice == right:
        report.praise = Message("Right. {praise}", praise=Message(praise))
    else:
        report.problems.append(wrong[choice])
    return report


@dataclass(frozen=True, repr=False)
class ChoiceQuestion:
    """A multiple-choice question as data: the question, its right answer, the praise for it, and
    for each wrong choice the mistake it reveals, (name, symptom) told with the question's `where`
    and `fix`, or a `Mistake` of its own. `question.check(answer, hint=1)` is
    `check_multiple_choice` on it; `print(question)` asks it."""

    question: str
    variable: str
    right: str
    praise: str
    where: str
    fix: str
    wrong: dict

    def check(self, answer, *, hint: int = 1) -> CheckReport:
        mistakes = {choice: told if isinstance(told, Mistake) else Mistake(*told, self.where, self.fix)
                    for choice, told in self.wrong.items()}
        return check_multiple_choice(self.variable, answer, right=self.right, wrong=mistakes, praise=self.praise,
                                     hint=hint)

    def __str__(self) -> str:
        return self.question

    __repr__ = __str__  # never the dataclass's fields: they hold the right answer


def load_questions(package: str) -> dict[str, ChoiceQuestion]:
    """A lesson's multiple-choice questions, kept as data in its package's `questions.toml`."""
    data = tomllib.loads(files(package).joinpath("questions.toml").read_text(encoding="utf-8"))
    return {name: ChoiceQuestion(q["question"], q["variable"], right=q["right"], praise=q["praise"],
                                 where=q["where"], fix=q["fix"],
                                 wrong={choice: (m["name"], m["symptom"]) for choice, m in q["wrong"].items()})
            for name, q in data.items()}


_UNSET = object()


# Where a solution kept as text (lesson 5's bug hunt) says its code comes from, once `solved()` has run it.
SOLUTION_FILE = "<the course's solution>"


@dataclass(repr=False)
class Exercise:
    """One question of a lesson, Kaggle Learn's way: the notebook holds the question and an answer
    cell; checking, hints and the solution come from lessonkit. Each prints what it has to say, so
    a cell may call several of them:

        q1.check(my_answer)   # right, or the mistake recognised, told by its symptom
        q1.hint()             # stage 1; q1.hint(2): where to look; q1.hint(3): the fix
        q1.solution()         # the solution (try first)

    `checker(answer, hint=n)` is the lesson's checker, run under `pure()`: a check leaves every
    random state as it found it. `q1.report` is the last check's report; `q1.passed` is True once a
    check has passed, and stays so; `q1.passed_answer` is the answer of the last check that passed (a
    later wrong try leaves it: a lesson that goes on with the learner's code uses the code that passed).
    `hint(n)` always tells stage n: after an answer with a mistake the checker recognised, that mistake at
    stage n; after an answer of the wrong form (or one that raised), what the check said, then `where` to
    look (n = 2) and the rule `fix` (n = 3, never the expected value); after a pass the same texts, marked
    as solved; before any answer, stage 1 asks for one. `solution` is the text `solution()` prints, or a
    function whose source it prints, with `explanation` after it. `solved()` returns the arguments of a
    `check()` that passes; the course's solution function itself, handed to `check()`, is told to be the
    course's (inspect.unwrap sees through a wrapper), so the tests check `answer_for_tests()`, the same
    functions as copies (every solution is checked, outside the notebooks).
    """

    name: str  # what the notebook calls it: "q1"
    title: str  # "the forward pass"
    checker: Callable
    where: str
    fix: str
    solution_text: str | Callable
    solved: Callable
    explanation: str = ""
    first_check: dict = field(default_factory=dict)  # options for check() only, e.g. a summary before any fix
    starter: str = ""  # the code the notebook hands the learner to fix, if any (not part of the solution)
    report: CheckReport | None = field(default=None, repr=False)  # the last check's report
    _answer: object = field(default=_UNSET, repr=False)
    _passed: bool = field(default=False, repr=False)
    _passed_answer: tuple = field(default=(None,), repr=False)

    @property
    def passed(self) -> bool:
        """Whether a `check()` has passed: once it has, a later wrong try does not undo it."""
        return self._passed

    @property
    def passed_answer(self):
        """The answer of the last `check()` that passed (the tuple of them when it checked several), None
        before any has passed."""
        return self._passed_answer[0] if len(self._passed_answer) == 1 else self._passed_answer

    def check(self, *answer) -> None:
        """Check the answer (one value, or the functions the question asks for), print the report
        and remember the answer for `hint()`."""
        self._answer = answer
        self.report = self._report(1, **self.first_check)
        if self.report.passed:
            self._passed, self._passed_answer = True, answer
        print(self.report)

    def _answered(self) -> bool:
        return self._answer is not _UNSET and any(a is not None for a in self._answer)

    def answer_for_tests(self) -> tuple:
        """`solved()`, its functions as if the learner had typed them (the same code, compiled in another
        file): what the tests hand to `check()`."""
        return tuple(types.FunctionType(a.__code__.replace(co_filename="<answer for tests>"), a.__globals__,
                                        a.__name__, a.__defaults__, a.__closure__)
                     if isinstance(a, types.FunctionType) else a for a in self.solved())

    def _course_solution(self, answer: tuple) -> bool:
        """Whether the learner handed in the course's own solution: a function whose code was compiled from
        the course's solution file or text (a copy of it or a wrapper around it included)."""
        files = {SOLUTION_FILE}
        if callable(self.solution_text):
            files.add(inspect.unwrap(self.solution_text).__code__.co_filename)
        codes = [getattr(inspect.unwrap(a), "__code__", None) for a in answer if callable(a)]
        return any(code is not None and code.co_filename in files for code in codes)

    def _report(self, hint: int, **options) -> CheckReport:
        if self._course_solution(self._answer or ()):
            report = CheckReport(self.name, checks=1, hint=hint, problems=[Mistake(
                "the course's solution handed in", Message(
                    "this function is the course's own solution, from lessonkit ({name}.solution() prints it).",
                    name=self.name),
                "the function you passed to the check: did you write it, or import it?",
                "write the function yourself in the cell above, then check that one.")])
            report.ask = f"{self.name}.hint"
            return report
        with pure():  # the learner's code draws what it likes; the lesson's random state stays as it was
            try:
                report = self.checker(*(self._answer or (None,)), hint=hint, **options)
            except NotImplementedError:
                report = CheckReport(self.name, checks=1, problems=[Message(
                    "not written yet: replace the line `raise NotImplementedError` with your code, then run this "
                    "cell again.")])
            except Exception as err:  # noqa: BLE001 - an answer the checker's own guards missed: a message
                report = CheckReport(self.name, checks=1, problems=[Message(
                    "checking your answer raised {kind}: {error}", kind=type(err).__name__, error=err)])
        report.ask = f"{self.name}.hint"
        return report

    def hint(self, n: int = 1) -> None:
        """Print the hint at stage n: 1 the symptom, 2 where to look, 3 the fix (another n: one line
        that names the three, not a traceback)."""
        try:
            print(self.hint_text(n))
        except ValueError as err:
            print(err)

    def hint_text(self, n: int = 1) -> str:
        """What `hint(n)` prints."""
        n = hint_stage(n)
        header = self._hint_header(n)
        if self._answered():
            report = self._report(n)
            if report.mistakes:  # the mistakes of the last answer, at stage n
                earlier = " " + tr("(you passed this question before; this hint is about your last answer.)")
                return f"{header}{earlier if self.passed else ''}\n{report.message}"
            if report.passed:
                if n == 1:
                    return f"{header} " + tr(
                        "your answer already passed; {name}.hint(2) and {name}.hint(3) still show where to look "
                        "and the rule, {name}.solution() the lesson's solution.", name=self.name)
                return self._stage_text(n, f"{header} {tr('(already solved)')}")
            told = "\n".join(report._told())  # an answer of the wrong form, or one that raised
            if n == 1:
                return f"{header} {told}\n" + tr("{name}.hint(2) says where to look.", name=self.name)
            return f"{header} {told}\n" + self._stage_text(n, tr("Where to look:"))
        if n == 1:
            return f"{header} " + tr(
                "answer first (a guess is fine) and run {name}.check(...): its message, and {name}.hint() after "
                "it, then tell what your answer missed. {name}.hint(2) says where to look.", name=self.name)
        return self._stage_text(n, header)

    def _stage_text(self, n: int, header: str) -> str:
        told = [f"{header} {tr(self.where)}"]
        if n == 3:
            told.append(f"{tr('The rule:')} {tr(self.fix)}")
        return "\n".join(told)

    def _hint_header(self, n: int) -> str:
        return tr("Hint {n} of 3 for {name} ({title}):", n=n, name=self.name, title=tr(self.title))

    def solution(self) -> None:
        """Print the solution, from lessonkit."""
        print(self.solution_out())

    def solution_out(self) -> str:
        """What `solution()` prints."""
        text = self.solution_text
        if callable(text):
            text = inspect.getsource(text)
        return (tr("Solution to {name} ({title}):", name=self.name, title=tr(self.title)) +
                f"\n\n{tr_comments(text.rstrip())}" +
                (f"\n\n{tr(self.explanation)}" if self.explanation else ""))

    def __str__(self):
        return f"{self.name}: {tr(self.title)}"

    def __repr__(self):
        # what a cell that ends in `q1` shows: the question's name and how to use it, never its fields
        # (they hold the solution)
        return f"{self} · " + tr("{name}.check(...), {name}.hint(), {name}.solution()", name=self.name)


def choice_exercise(name: str, title: str, question: ChoiceQuestion) -> Exercise:
    """An `Exercise` for a multiple-choice question kept as data."""
    return Exercise(name, title, question.check, where=question.where, fix=question.fix,
                    solution_text=f'{question.variable} = "{question.right}"', explanation=question.praise,
                    solved=lambda: (question.right,))
