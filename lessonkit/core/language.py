"""The language lessonkit speaks to the learner: English by default, Korean (한국어) on request.

    from lessonkit.core.language import set_language
    set_language("ko")        # the Korean edition's one setup line: checks, hints and widgets in Korean

Every message a learner reads from lessonkit (exercise checks, hints, solutions' explanations and
the comments in their code, widget labels and readouts) passes through `tr(text)`. In English it
returns the text as it is. In Korean it looks the text up in the catalogue
`lessonkit/core/locale/ko.toml`: first as a whole message, then against the catalogue's templates,
English messages with `{placeholders}` for the numbers and names a message is formatted with
(`"with p = {p} your output holds NaN or inf."`); the placeholders' values are carried over,
translated themselves when the catalogue knows them.
A message the catalogue does not know stays English (`recording_misses` lists them; a test fails
on any the lessons' exercises and widgets produce).

The catalogue is data, not code: one `[[message]]` table per message, `en` and `ko`. Figures keep
English labels (a Korean font is not guaranteed everywhere); the Korean lessons say what each
axis shows.
"""
import re
import tomllib
from contextlib import contextmanager
from functools import cache
from importlib.resources import files

LANGUAGES = {"en": "English", "ko": "한국어 (Korean)"}
_current = "en"
_misses: set[str] | None = None  # when recording: the messages tr() could not translate


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
        message = super().__new__(cls, template.format(**fields) if fields else template)
        message.template, message.fields = template, fields
        return message

    def __reduce__(self):  # copies and pickles keep the template
        return _message, (self.template, self.fields)


def _message(template, fields):
    return Message(template, **fields)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# Placeholders that hold a sentence or more (a praise, a step's description...); every other
# placeholder holds a number, a name or a phrase, never a sentence boundary (". " or "; "), so that a
# template ending in a number cannot swallow the rest of a longer message.
TEXT_PLACEHOLDERS = {"praise", "what", "title", "masks", "stage", "table", "why", "difference"}


def _pattern(english: str) -> re.Pattern:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(english):
        parts.append(re.escape(english[last:match.start()]))
        name = match.group(1)
        value = ".+?" if name in TEXT_PLACEHOLDERS else r"(?:(?![.;] ).)+?"
        parts.append(f"(?P<{name}>{value})")
        last = match.end()
    parts.append(re.escape(english[last:]))
    return re.compile("".join(parts), re.S)


@cache
def catalogue(code: str) -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    """(whole messages, templates) of language `code`, read once from its TOML file."""
    data = tomllib.loads(files("lessonkit.core").joinpath("locale", f"{code}.toml").read_text(encoding="utf-8"))
    exact, templates = {}, []
    for entry in data.get("message", []):
        english, translated = entry["en"].strip(), entry[code].strip()
        exact[english] = translated  # a template is also looked up as itself: tr(template, **fields)
        names = _PLACEHOLDER.findall(english)
        if names and len(names) == len(set(names)):  # a template with a field twice is only looked up as itself
            templates.append((_pattern(english), translated))
    return exact, templates


def tr(text: str, /, **fields) -> str:
    """`text` in the current language (unchanged in English, and when the catalogue lacks it). With
    `fields` (or a `Message`), `text` is a template: translated first (looked up as it is), then
    formatted; a field that is a `Message` is translated too.

        tr("with p = {p} your output holds NaN or inf.", p=p)
    """
    if isinstance(text, Message) and not fields:
        text, fields = text.template, text.fields
    if fields:
        return _formatted(text, fields)
    if not isinstance(text, str) or not text.strip():
        return text
    key = text.strip()
    if _current == "en":
        if _misses is not None and _english(key) and _lookup("ko", key) is None:
            _misses.add(key)  # recording in English: what the Korean catalogue still lacks
        return text
    translated = _lookup(_current, key)
    if translated is None:
        if _misses is not None and _english(key):
            _misses.add(key)  # English left untranslated (a Korean text passed twice is not a miss)
        return text
    return text.replace(key, translated)


def _formatted(template: str, fields: dict) -> str:
    key = template.strip()
    translated = catalogue(_current)[0].get(key) if _current != "en" else None
    if translated is None:
        return template.format(**fields)
    values = {name: tr(value) if isinstance(value, Message) else value for name, value in fields.items()}
    return _particles(template.replace(key, translated).format(**values))


def _lookup(code: str, key: str) -> str | None:
    exact, _ = catalogue(code)
    if key in exact and not _PLACEHOLDER.search(key):
        return exact[key]
    found = _template_for(code, key)
    if found is None:
        return None
    translated, values = found
    # a value that is itself a known message (a mistake's name...) is translated too
    return _particles(translated.format(**{name: tr(value) for name, value in values}))


@cache
def _template_for(code: str, key: str) -> tuple[str, tuple] | None:
    """The template that matches `key` and its placeholders' values. Of the templates that match, the
    one whose fixed text covers most of the message: its placeholders hold the least (a short template
    must not swallow a longer message whole). Cached: widgets translate the same readouts on every redraw,
    and a message that matches nothing would otherwise try every template each time."""
    matches = [(sum(len(v) for v in m.groupdict().values()), m, translated)
               for pattern, translated in catalogue(code)[1] if (m := pattern.fullmatch(key))]
    if not matches:
        return None
    _, match, translated = min(matches, key=lambda t: t[0])
    return translated, tuple(match.groupdict().items())


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


def _english(text: str) -> bool:
    """More Latin letters than Hangul, and not a Python name (`my_gradient`, `a and b`): an English
    message, not one already translated, and not code."""
    if re.fullmatch(r"[A-Za-z_]\w*(?: and [A-Za-z_]\w*)?", text):
        return False
    prose = re.sub(r"(['\"]).*?\1|\([^)]*\)|\S*\.\S+", " ", text)  # quoted answers, (types), code.names
    if len(re.findall(r"[A-Za-z]{3,}", prose)) < 2:
        return False
    return len(re.findall("[A-Za-z]", text)) > len(re.findall("[가-힣]", text))


_COMMENT = re.compile(r"(?:^|(?<=\s))#\s+(?P<text>\S.*)$")


def tr_comments(code: str) -> str:
    """`code` with the text of each line's `# comment` through `tr` (the code itself unchanged).
    The solutions' code is printed this way, so that its comments speak the learner's language."""
    lines = []
    for line in code.split("\n"):
        match = _COMMENT.search(line)
        lines.append(line[:match.start("text")] + tr(match.group("text")) if match else line)
    return "\n".join(lines)


@contextmanager
def recording_misses():
    """Within the block, record the messages `tr` cannot translate into Korean (in either
    language) into the set it yields (for tests, and for finding what the catalogue still needs)."""
    global _misses
    _misses = set()
    try:
        yield _misses
    finally:
        _misses = None
