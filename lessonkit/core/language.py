"""The language lessonkit speaks to the learner: English by default, Korean (한국어) on request.

    from lessonkit.core.language import set_language
    set_language("ko")        # the Korean edition's one setup line: checks, hints and widgets in Korean

Every message a learner reads from lessonkit (exercise checks, hints, solutions' explanations and
the comments in their code, widget labels and readouts, argument errors) passes through `tr`, which
translates first and formats after: a message is a template with named fields,
`tr("chose degree {degree}", degree=d)`, and the template is the key looked up in the catalogue
`lessonkit/core/locale/ko.toml` (a message with no field is just `tr(text)`). A message told later
(a checker's problem, a mistake's symptom) is a `Message(template, **fields)`, translated when it is
shown. In English a template is formatted as it is; one the catalogue lacks stays English
(tests/core/test_language.py reads lessonkit's source for every template and fails on one the
catalogue lacks).

The catalogue is data, not code: one `[[message]]` table per message, `en` and `ko`. Figures keep
English labels (a Korean font is not guaranteed everywhere); the Korean lessons say what each
axis shows.
"""
import re
import tomllib
from functools import cache
from importlib.resources import files

LANGUAGES = {"en": "English", "ko": "한국어 (Korean)"}
_current = "en"


def set_language(code: str) -> None:
    """Speak `code` from now on: "en" (English, the default) or "ko" (Korean)."""
    global _current
    if code not in LANGUAGES:
        raise ValueError(f"language must be one of {sorted(LANGUAGES)} ({', '.join(LANGUAGES.values())}), "
                         f"got {code!r}")
    _current = code


def language() -> str:
    """The language lessonkit speaks now: "en" or "ko"."""
    return _current


class Message(str):
    """A message kept with its template and fields, to be translated when it is shown: a checker's
    problem, a mistake's symptom. As a str it is its English text; `tr(message)` translates its
    template, then formats it.

        Message("with p = {p} your output holds NaN or inf.", p=p)
    """

    def __new__(cls, template: str, **fields):
        if isinstance(template, Message) and not fields:
            return template  # already a message: Message(text) takes a text whether or not it is one
        message = super().__new__(cls, template.format(**fields) if fields else template)
        message.template, message.fields = template, fields
        return message

    def __reduce__(self):  # copies and pickles keep the template
        return _message, (self.template, self.fields)


def _message(template, fields):
    return Message(template, **fields)


@cache
def catalogue(code: str) -> dict[str, str]:
    """The templates of language `code`, English -> translated, read once from its TOML file."""
    data = tomllib.loads(files("lessonkit.core").joinpath("locale", f"{code}.toml").read_text(encoding="utf-8"))
    return {entry["en"].strip(): entry[code].strip() for entry in data.get("message", [])}


def tr(text: str, /, **fields) -> str:
    """`text` in the current language: the template `text` is looked up whole in the catalogue, then
    its `{fields}` are filled in (English, and a template the catalogue lacks, are formatted as they
    are). A field that is a `Message` is translated too; any other value is formatted as it is.
    Spaces around the template are kept.

        tr("Where to look:")
        tr("with p = {p} your output holds NaN or inf.", p=p)
    """
    if isinstance(text, Message) and not fields:
        text, fields = text.template, text.fields
    if not isinstance(text, str) or not text.strip():
        return text
    key = text.strip()
    translated = catalogue(_current).get(key) if _current != "en" else None
    if translated is None:
        return text.format(**fields) if fields else str(text)
    text = text.replace(key, translated)
    if not fields:
        return text
    return _particles(text.format(**{name: tr(value) if isinstance(value, Message) else value
                                     for name, value in fields.items()}))


# A particle after a value that varies is written in both forms in the catalogue, "은(는)", and
# chosen here by the word before it: by its last syllable's final consonant, or for a number by
# how its last digit is read (0 영/십/백, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant).
_PARTICLES = {"은(는)": ("은", "는"), "이(가)": ("이", "가"), "을(를)": ("을", "를"), "과(와)": ("과", "와"),
              "(으)로": ("으로", "로")}
_PARTICLE = re.compile(r"(?P<last>[가-힣0-9%])(?P<closing>[)`'\"\]]*)(?P<particle>"
                       + "|".join(re.escape(p) for p in _PARTICLES) + ")")
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "3": "ㅇ", "6": "ㅇ", "7": "ㄹ", "8": "ㄹ"}  # others end in a vowel


def _final_consonant(last: str) -> str:
    """How `last` is read ends: "" in a vowel, "ㄹ" in ㄹ (which takes 로, not 으로), "ㅇ" in any
    other consonant."""
    if last.isdigit():
        return _DIGIT_FINAL.get(last, "")
    if last == "%":
        return ""  # 퍼센트
    final = (ord(last) - 0xAC00) % 28
    return "" if final == 0 else ("ㄹ" if final == 8 else "ㅇ")


def _particles(text: str) -> str:
    def choose(match):
        with_final, without = _PARTICLES[match.group("particle")]
        final = _final_consonant(match.group("last"))
        if match.group("particle") == "(으)로":
            chosen = without if final in ("", "ㄹ") else with_final
        else:
            chosen = with_final if final else without
        return match.group("last") + match.group("closing") + chosen
    return _PARTICLE.sub(choose, text)


_COMMENT = re.compile(r"(?:^|(?<=\s))#\s+(?P<text>\S.*)$")


def tr_comments(code: str) -> str:
    """`code` with the text of each line's `# comment` through `tr` (the code itself unchanged).
    The solutions' code is printed this way, so that its comments speak the learner's language."""
    lines = []
    for line in code.split("\n"):
        match = _COMMENT.search(line)
        lines.append(line[:match.start("text")] + tr(match.group("text")) if match else line)
    return "\n".join(lines)
