"""README.ko.md is as complete as README.md for a learner: every learner-facing section of the English
README (each heading before "For instructors and contributors") has its Korean section, in the same
order. A new English section fails this test until it is named here and written in Korean."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# English heading -> its Korean heading; None: a section for instructors, not translated.
KOREAN_SECTION = {
    "Lessons": "강의",
    "Set up in two commands": "명령 두 개로 시작하기",
    "A smaller install for CPU-only machines": "CPU 전용 설치(더 작은 설치)",
    "conda": "conda",
    "GPU or CPU": "GPU 또는 CPU",
    "Speed of the lesson 5 lab": "5강 실습의 속도",
    "Long runs: checkpoints": "오래 걸리는 실행: 체크포인트",
    "Experiments as records": "실험은 기록으로",
    "Data": "데이터",
    "Troubleshooting": "문제 해결",
    "Glossary (용어)": "용어",
    "Results and key figures": "결과와 주요 그림",
    "Key figures": "주요 그림",
}
INSTRUCTORS = "For instructors and contributors"
KOREAN_ONLY = {"Windows", "번역을 고치거나 더하려면"}  # what a Korean learner needs beyond the English


def headings(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [m.group(1).strip() for m in re.finditer(r"^#{2,3} (.+)$", text, re.M)]


def learner_sections() -> list[str]:
    english = headings(REPO / "README.md")
    return english[:english.index(INSTRUCTORS)]


def test_every_learner_facing_english_section_has_its_korean_section_in_the_same_order():
    english = learner_sections()
    unnamed = [h for h in english if h not in KOREAN_SECTION]
    assert unnamed == [], f"name the Korean section of {unnamed} in KOREAN_SECTION and write it in README.ko.md"
    korean = [h for h in headings(REPO / "README.ko.md") if h not in KOREAN_ONLY]
    assert korean == [KOREAN_SECTION[h] for h in english]


def test_the_korean_readme_says_how_to_install_without_cuda_on_windows_and_which_outputs_stay_english():
    text = (REPO / "README.ko.md").read_text(encoding="utf-8")
    assert "--index-url https://download.pytorch.org/whl/cpu" in text
    assert "conda env create -f environment.yml" in text
    assert "wsl --install" in text
    assert "make lab-ko" in text and "영어로 남는 것" in text


def test_a_missing_section_fails():
    """The comparison can fail: a README without its troubleshooting section is not the English one's match."""
    english = learner_sections()
    korean = [h for h in headings(REPO / "README.ko.md") if h not in KOREAN_ONLY and h != "문제 해결"]
    assert korean != [KOREAN_SECTION[h] for h in english]
