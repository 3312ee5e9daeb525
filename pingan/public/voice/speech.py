"""Short Chinese speech for a telephone: the same sentence as plain text and as SSML.

TTS engines read "9901012026" as a quantity (九十九亿…) and dates written with digits
unevenly. So dates are written in Chinese numerals (二〇二六年十一月二日) and every other run
of digits is read digit by digit in SSML (`<say-as interpret-as="digits">`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

DIGITS = "〇一二三四五六七八九"
_DIGIT_RUN = re.compile(r"\d+")


@dataclass(frozen=True)
class Speech:
    text: str
    ssml: str


def chinese_number(value: int) -> str:
    """1–99 as spoken: 二, 十, 十一, 二十, 二十三."""
    if not 0 < value < 100:
        raise ValueError(value)
    tens, ones = divmod(value, 10)
    if tens == 0:
        return DIGITS[ones]
    head = "十" if tens == 1 else DIGITS[tens] + "十"
    return head + (DIGITS[ones] if ones else "")


def chinese_date(day: dt.date) -> str:
    """二〇二六年十一月二日."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def to_ssml(text: str) -> str:
    """`<speak>` with the text escaped and every digit run read digit by digit."""
    parts, last = [], 0
    for match in _DIGIT_RUN.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(f'<say-as interpret-as="digits">{match.group()}</say-as>')
        last = match.end()
    parts.append(escape(text[last:]))
    return "<speak>" + "".join(parts) + "</speak>"


def speech(text: str) -> Speech:
    return Speech(text=text, ssml=to_ssml(text))
