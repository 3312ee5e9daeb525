"""Pinyin search keys for Chinese names (pypinyin).

A name is stored with its full pinyin (`zhangsanfeng`) and its initials (`zsf`), lower case,
without tones or separators, so both are prefix-searchable on an ordinary index. ü is written
`v` (`lv`), as on a phone keyboard. Surnames with a special reading (单 Shàn, 曾 Zēng, 解 Xiè …)
use that reading; a name whose given name has several readings gets the most common one,
which pypinyin picks from its phrase data.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

# Surnames whose reading as a surname differs from pypinyin's default reading of the
# character. Longest first so compound surnames win (尉迟 before 尉).
SURNAME_READINGS: dict[str, list[str]] = {
    "尉迟": ["yu", "chi"],
    "万俟": ["mo", "qi"],
    "长孙": ["zhang", "sun"],
    "单": ["shan"],
    "曾": ["zeng"],
    "解": ["xie"],
    "仇": ["qiu"],
    "朴": ["piao"],
    "区": ["ou"],
    "查": ["zha"],
    "盖": ["ge"],
    "缪": ["miao"],
    "覃": ["qin"],
    "翟": ["zhai"],
    "乐": ["yue"],
    "员": ["yun"],
    "种": ["chong"],
    "秘": ["bi"],
    "折": ["she"],
    "黑": ["he"],
    "召": ["shao"],
    "繁": ["po"],
    "宿": ["su"],
    "能": ["nai"],
    "隗": ["wei"],
}
_SURNAMES = sorted(SURNAME_READINGS, key=len, reverse=True)
_NON_LETTERS = re.compile(r"[^a-z]")


def _syllables(name: str, *, first: bool) -> list[str]:
    for surname in _SURNAMES if first else ():
        if name.startswith(surname) and len(name) > len(surname):
            rest = lazy_pinyin(name[len(surname) :], style=Style.NORMAL, errors="ignore")
            return SURNAME_READINGS[surname] + rest
    return lazy_pinyin(name, style=Style.NORMAL, errors="ignore")


def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name; Latin letters in the name are kept as they are,
    other characters (·, spaces, digits) are dropped."""
    text = (name or "").strip()
    full, initials = [], []
    for index, part in enumerate(re.findall(r"[A-Za-z]+|[^A-Za-z]+", text)):
        if part.isascii():
            word = part.lower()
            full.append(word)
            initials.append(word[0])
            continue
        for syllable in _syllables(part, first=index == 0):
            clean = _NON_LETTERS.sub("", syllable.lower().replace("ü", "v"))
            if clean:
                full.append(clean)
                initials.append(clean[0])
    return "".join(full)[:200], "".join(initials)[:50]
