"""The Korean edition speaks with one voice: the glossary's one Korean form of each term, and none of
the translationese it lists (notebooks/ko/glossary.yaml), in every lesson's translation
(notebooks/ko/src/NN.yaml, which the built notebooks are made of), README.ko.md and the message
catalogue lessonkit/core/locale/ko.toml (checks, hints, widgets and the code cells' comments)."""
import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = yaml.safe_load((REPO / "notebooks" / "ko" / "glossary.yaml").read_text(encoding="utf-8"))


def rules(glossary: dict) -> list[tuple[re.Pattern, str]]:
    """(pattern, what to write instead) for every forbidden variant and phrase of the glossary."""
    found = []
    for term in glossary["terms"]:
        instead = f"write {term['ko']} ({term['en']})"
        found += [(re.compile(re.escape(v)), instead) for v in term.get("forbidden", [])]
        found += [(re.compile(p), instead) for p in term.get("forbidden_patterns", [])]
    for phrase in glossary["phrases"]:
        text = phrase.get("forbidden_pattern") or re.escape(phrase["forbidden"])
        found.append((re.compile(text), f"write {phrase['instead']}"))
    return found


def korean_texts() -> list[tuple[str, str]]:
    """(where, Korean text) for every lesson cell's translation, the README and every catalogue message."""
    texts = []
    for path in sorted((REPO / "notebooks" / "ko" / "src").glob("*.yaml")):
        for cell, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            texts.append((f"{path.relative_to(REPO)} cell {cell}", str(entry["ko"])))
    readme = REPO / "README.ko.md"
    texts += [(f"README.ko.md line {n}", line) for n, line in
              enumerate(readme.read_text(encoding="utf-8").splitlines(), 1)]
    catalogue = tomllib.loads((REPO / "lessonkit" / "core" / "locale" / "ko.toml").read_text(encoding="utf-8"))
    texts += [(f"ko.toml message {m['en'][:60]!r}", m["ko"]) for m in catalogue["message"]]
    return texts


def violations(texts: list[tuple[str, str]], glossary: dict) -> list[str]:
    found = []
    for where, text in texts:
        for quotation in glossary.get("allowed", []):
            text = text.replace(quotation, " ")
        for pattern, instead in rules(glossary):
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 25):match.end() + 25].replace("\n", " ")
                found.append(f"{where}: {match.group()!r} in '…{context}…': {instead}")
    return found


def test_the_korean_edition_uses_no_forbidden_variant_of_the_glossary():
    found = violations(korean_texts(), GLOSSARY)
    assert found == [], f"{len(found)} forbidden variants:\n" + "\n".join(found)


def test_a_planted_variant_fails():
    """The check can fail: each kind of slip the review found, planted in a text, is named."""
    planted = [("planted 1", "차수를 정직하게 고르기"), ("planted 2", "테스트 세트는 보고에만 씁니다"),
               ("planted 3", "출력과 기울기를 비교합니다:\n"), ("planted 4", "논문은 p를 남길 확률로 씁니다"),
               ("planted 5", "1,000단계 학습합니다"), ("planted 6", "저장소 루트에서 `make lab`을 실행하세요"),
               ("planted 7", "대가는 잡음입니다"), ("planted 8", "softmax 출력의 평균")]
    found = violations(planted, GLOSSARY)
    assert [f.split(":")[0] for f in found] == [where for where, _ in planted], found
    assert violations([("fine", "노트의 10단계를 따라가며 1,000스텝 학습하고 `make lab-ko`로 엽니다. "
                                "소프트맥스(softmax) 출력을 봅니다.")], GLOSSARY) == []


def test_every_term_has_one_korean_form_and_a_gloss_rule():
    for term in GLOSSARY["terms"]:
        assert term["en"] and term["ko"] and term["gloss"], term
        assert term["gloss"] == "never" or term["ko"].split(" / ")[0].split(" ")[0] in term["gloss"], term
        assert not any(v == term["ko"] for v in term.get("forbidden", [])), term
