"""How alike two person records are: names, birth dates, addresses. Pure functions.

Only plain columns are compared. ID numbers are encrypted; what they contribute is what is
stored in the clear or as a blind index: the birth date and sex they encode, and the index
of their last four characters (`id_tail4_hash`). A person typed in twice with a slip in the
ID number therefore shows up as "same birth date" (a slip in the sequence or check digits),
"birth date one digit apart" (a slip in the date digits) or "same last four" (a slip in the
region code). Phones are compared by their blind index only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

# Points of each finding. A pair is a candidate from THRESHOLD up. The same (or same-
# sounding) name and the same birth date alone reach it: the classic 姓名+出生日期 rule. A
# weaker name match needs corroboration (phone, ID tail, address), and so does a birth date
# one digit off: neighbouring days differ in one digit, so among people of the same name it
# is mostly coincidence (measured: bench/collision.py, docs/benchmarks.md).
NAME_POINTS = {"same_name": 45, "same_pinyin": 40, "pinyin_close": 25, "one_char": 20}
PINYIN_FAR_POINTS = 15  # pinyin two edits apart (names of 6+ letters only)
BIRTH_POINTS = {"same_birth": 30, "birth_typo": 10}
PHONE_POINTS = 20
TAIL_POINTS = 15
ADDRESS_POINTS = {"same_house": 15, "same_address": 15, "similar_address": 8}
SEX_PENALTY = -15
THRESHOLD = 60
ADDRESS_SAME = 0.8  # bigram Jaccard from which two addresses count as the same
ADDRESS_SIMILAR = 0.5

REASON_LABELS = {
    "same_name": _("姓名相同"),
    "same_pinyin": _("姓名同音"),
    "pinyin_close": _("姓名拼音相近"),
    "one_char": _("姓名仅一字不同"),
    "same_birth": _("出生日期相同"),
    "birth_typo": _("出生日期仅一位数字不同或相邻颠倒"),
    "same_phone": _("联系电话相同"),
    "same_tail": _("身份证号后四位相同"),
    "same_house": _("同一房屋"),
    "same_address": _("住址相同"),
    "similar_address": _("住址相近"),
    "sex_differs": _("性别不同（可能是身份证号第17位录入错误）"),
}

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_DIGITS |= {"七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[〇零一二两三四五六七八九十]+")
_NOISE = re.compile(r"[\s\-—_·.,，。、()（）#]")


def levenshtein(a: str, b: str, limit: int = 2) -> int:
    """Edit distance of `a` and `b`, or `limit + 1` as soon as it must exceed `limit`."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def name_match(name_a: str, pinyin_a: str, name_b: str, pinyin_b: str) -> tuple[int, str]:
    """(points, reason code) of the best name finding; (0, "") when the names differ.

    One character different counts only for names of three or more characters: in a
    two-character name it is half the name (张伟 / 张强); there a slip must at least sound
    alike (张三 / 张山, one pinyin edit).
    """
    if name_a == name_b:
        return NAME_POINTS["same_name"], "same_name"
    if pinyin_a and pinyin_a == pinyin_b:
        return NAME_POINTS["same_pinyin"], "same_pinyin"
    distance = levenshtein(pinyin_a, pinyin_b) if pinyin_a and pinyin_b else 3
    if distance == 1:
        return NAME_POINTS["pinyin_close"], "pinyin_close"
    if (
        len(name_a) == len(name_b) >= 3
        and sum(x != y for x, y in zip(name_a, name_b, strict=True)) == 1
    ):
        return NAME_POINTS["one_char"], "one_char"
    if distance == 2 and min(len(pinyin_a), len(pinyin_b)) >= 6:
        return PINYIN_FAR_POINTS, "pinyin_close"
    return 0, ""


def birth_match(a: date, b: date) -> tuple[int, str]:
    """Same birth date, or the eight digits differ in one place or by one adjacent swap
    (a slip in the date part of the ID number)."""
    if a == b:
        return BIRTH_POINTS["same_birth"], "same_birth"
    x, y = f"{a:%Y%m%d}", f"{b:%Y%m%d}"
    diff = [i for i in range(8) if x[i] != y[i]]
    if len(diff) == 1 or (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and x[diff[0]] == y[diff[1]]
        and x[diff[1]] == y[diff[0]]
    ):
        return BIRTH_POINTS["birth_typo"], "birth_typo"
    return 0, ""


def _cn_number(match: re.Match) -> str:
    text = match.group(0)
    if "十" not in text:
        return "".join(str(_DIGITS[c]) for c in text)
    tens, _sep, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return text  # not a plain number below 100 (e.g. a place name): leave it
    value = (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(units, 0) if units else 0)
    return str(value)


def normalize_address(address: str) -> str:
    """Full-width folded, spaces and punctuation dropped, Chinese numerals below 100 as
    digits: `示范村 三组 十二号` and `示范村3组12号` read the same."""
    text = unicodedata.normalize("NFKC", address or "")
    text = _NOISE.sub("", text)
    return _CN_NUMBER.sub(_cn_number, text)


def bigrams(address: str) -> frozenset[str]:
    text = normalize_address(address)
    if len(text) < 2:
        return frozenset({text}) if text else frozenset()
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Record:
    """The plain columns of one person that the comparison reads."""

    id: int
    name: str
    pinyin: str
    sex: str
    birth: date
    phone_hash: str
    tail_hash: str
    address: str
    house_id: int | None
    region_code: str


def score_pair(a: Record, b: Record, shingles: dict[int, frozenset[str]]) -> tuple[int, list[str]]:
    """(score, reason codes) of two records; (0, []) when they are not a candidate.

    A candidate needs a name finding and either a birth-date finding or the same phone; its
    score adds the other findings (phone, last four of the ID, house or address) and
    subtracts for different sexes. `shingles` caches each record's address bigrams.
    """
    name_points, name_reason = name_match(a.name, a.pinyin, b.name, b.pinyin)
    if not name_points:
        return 0, []
    birth_points, birth_reason = birth_match(a.birth, b.birth)
    same_phone = bool(a.phone_hash) and a.phone_hash == b.phone_hash
    if not birth_points and not same_phone:
        return 0, []
    score = name_points + birth_points
    reasons = [name_reason]
    if birth_reason:
        reasons.append(birth_reason)
    if same_phone:
        score += PHONE_POINTS
        reasons.append("same_phone")
    if a.tail_hash and a.tail_hash == b.tail_hash:
        score += TAIL_POINTS
        reasons.append("same_tail")
    if a.house_id is not None and a.house_id == b.house_id:
        score += ADDRESS_POINTS["same_house"]
        reasons.append("same_house")
    else:
        for record in (a, b):
            if record.id not in shingles:
                shingles[record.id] = bigrams(record.address)
        similarity = jaccard(shingles[a.id], shingles[b.id])
        if similarity >= ADDRESS_SAME:
            score += ADDRESS_POINTS["same_address"]
            reasons.append("same_address")
        elif similarity >= ADDRESS_SIMILAR:
            score += ADDRESS_POINTS["similar_address"]
            reasons.append("similar_address")
    if a.sex != b.sex:
        score += SEX_PENALTY
        reasons.append("sex_differs")
    return min(score, 100), reasons
